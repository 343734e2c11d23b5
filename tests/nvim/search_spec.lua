-- :Cairn search fills the quickfix list from file results.
local t = require('helper')

t.it('a word in a tracked file is found and listed in the quickfix list', function()
  t.require_capabilities('files', 'search')
  local dir = t.tempdir()
  local word = 'zqxnvimspec' .. tostring(vim.loop.hrtime() % 100000)
  vim.fn.writefile({ 'first line', 'the word ' .. word .. ' is here', 'last line' }, dir .. '/found.txt')
  local err = require('cairn').request_sync('files.track', { path = dir })
  t.eq(nil, err, 'files.track error')
  local seen = t.capture_notify()
  local items
  t.ok(t.wait(10000, function()
    vim.cmd('cclose')
    seen[1] = nil
    vim.cmd('Cairn search ' .. word)
    items = vim.fn.getqflist()
    return #items > 0
  end), 'found within 10 s; last message: ' .. vim.inspect(seen[1]))
  t.eq(dir .. '/found.txt', vim.fn.fnamemodify(vim.api.nvim_buf_get_name(items[1].bufnr), ':p'), 'file')
  t.ok(items[1].lnum >= 1 and items[1].lnum <= 2, 'line ' .. items[1].lnum)
  t.ok(not items[1].text:find('\n'), 'one-line text')
  t.match(vim.fn.getqflist({ title = 1 }).title, '^Cairn search: ')
end)

t.it(':Cairn search without a query is refused', function()
  local seen = t.capture_notify()
  require('cairn.search').command('')
  t.match(seen[1].msg, 'INVALID_PARAMS')
end)
