-- :help cairn works: doc/tags is shipped, current, and generated at install.
local t = require('helper')

local plugin_dir = vim.fn.fnamemodify(vim.api.nvim_get_runtime_file('doc/cairn.txt', false)[1] or '', ':h:h')

t.it(':help cairn opens the plugin help with the plugin on the runtimepath', function()
  t.ok(plugin_dir ~= '', 'doc/cairn.txt is on the runtimepath')
  local ok, err = pcall(vim.cmd, 'help cairn')
  t.ok(ok, ':help cairn: ' .. tostring(err))
  t.match(vim.api.nvim_buf_get_name(0), 'doc/cairn%.txt$', 'the help buffer')
  for _, tag in ipairs({ ':Cairn-search', ':Cairn-live', ':Cairn-pick', 'cairn-autostart', ':Cairn-approve' }) do
    ok, err = pcall(vim.cmd, 'help ' .. tag)
    t.ok(ok, ':help ' .. tag .. ': ' .. tostring(err))
  end
end)

t.it('the shipped doc/tags is what :helptags makes of doc/cairn.txt', function()
  local dir = t.tempdir()
  vim.fn.writefile(vim.fn.readfile(plugin_dir .. '/doc/cairn.txt', 'b'), dir .. '/cairn.txt', 'b')
  vim.cmd('helptags ' .. vim.fn.fnameescape(dir))
  t.eq(vim.fn.readfile(dir .. '/tags'), vim.fn.readfile(plugin_dir .. '/doc/tags'),
    'doc/tags is stale: run  nvim --headless -u NONE -c "helptags clients/nvim/doc" -c q')
end)

t.it('installing the nvim component generates doc/tags next to the help', function()
  local build = os.getenv('CAIRN_BUILD_DIR')
  if not build or build == '' then
    t.skip('BINARY_DIR is not in a CMake build directory')
  end
  local prefix = t.tempdir()
  local out = vim.fn.system({ 'cmake', '--install', build, '--prefix', prefix, '--component', 'nvim' })
  t.eq(0, vim.v.shell_error, 'cmake --install: ' .. out)
  t.match(out, 'Generated: .*/doc/tags', 'tags made by :helptags at install')
  local doc = prefix .. '/share/nvim/site/pack/cairn/start/cairn/doc'
  local tags = table.concat(vim.fn.readfile(doc .. '/tags'), '\n')
  t.match(tags, '\ncairn\tcairn%.txt\t', 'the cairn tag')
  -- A Neovim that finds the installed package through its data directory.
  local found = vim.fn.system({
    'nvim', '--headless', '-u', 'NONE', '-i', 'NONE', '-n',
    '--cmd', 'set packpath^=' .. prefix .. '/share/nvim/site',
    '-c', 'packloadall | help cairn | echo expand("%:t") | qall!',
  })
  t.match(found, 'cairn%.txt', ':help cairn in the installed package: ' .. found)
end)
