if vim.g.loaded_cairn or vim.fn.has('nvim-0.7') == 0 then
  return
end
vim.g.loaded_cairn = true

vim.api.nvim_create_user_command('Cairn', function(opts)
  require('cairn.commands').run(opts.args)
end, {
  nargs = '+',
  complete = function(lead, line)
    return require('cairn.commands').complete(lead, line)
  end,
  desc = 'cairn workspace memory',
})

local group = vim.api.nvim_create_augroup('cairn', { clear = true })
vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufWritePost' }, {
  group = group,
  callback = function(ev)
    if require('cairn.config').options.diagnostics then
      require('cairn.reviews').refresh(ev.buf)
    end
  end,
})
