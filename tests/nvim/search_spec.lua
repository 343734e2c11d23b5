-- :Cairn search fills the quickfix list from file results, at the matched
-- line and column.
local t = require('helper')

-- Run :Cairn search until it lists something (the index catches up).
local function search_until_found(word)
  local seen = t.capture_notify()
  local items
  t.ok(t.wait(10000, function()
    vim.cmd('cclose')
    vim.fn.setqflist({}, 'r')
    local before = #seen
    vim.cmd('Cairn search ' .. word)
    t.wait(3000, function()
      return #vim.fn.getqflist() > 0 or #seen > before
    end)
    items = vim.fn.getqflist()
    return #items > 0
  end), 'found within 10 s; last message: ' .. vim.inspect(seen[#seen]))
  return items
end

t.it('a word in a tracked file is found and listed in the quickfix list', function()
  t.require_capabilities('files', 'search')
  local dir = t.tempdir()
  local word = 'zqxnvimspec' .. tostring(vim.loop.hrtime() % 100000)
  vim.fn.writefile({ 'first line', 'the word ' .. word .. ' is here', 'last line' }, dir .. '/found.txt')
  local err = require('cairn').request_sync('files.track', { path = dir })
  t.eq(nil, err, 'files.track error')
  local items = search_until_found(word)
  t.eq(dir .. '/found.txt', vim.fn.fnamemodify(vim.api.nvim_buf_get_name(items[1].bufnr), ':p'), 'file')
  t.eq(2, items[1].lnum, 'the matched line')
  t.eq(10, items[1].col, 'the column of the word')
  t.ok(not items[1].text:find('\n'), 'one-line text')
  t.match(vim.fn.getqflist({ title = 1 }).title, '^Cairn search: ')
end)

t.it('the quickfix entry is the matched line far below the chunk start, at the term', function()
  t.require_capabilities('files', 'search')
  local dir = t.tempdir()
  local word = 'farline' .. tostring(vim.loop.hrtime() % 100000)
  local lines = {}
  for i = 1, 30 do
    lines[i] = 'filler text number ' .. i
  end
  lines[27] = '    local x = ' .. word .. '(1)'
  vim.fn.writefile(lines, dir .. '/far.lua')
  t.eq(nil, (require('cairn').request_sync('files.track', { path = dir })), 'files.track error')
  local items = search_until_found(word)
  t.eq(27, items[1].lnum, 'the matched line, not the chunk start')
  t.eq(15, items[1].col, 'the column of the word')
end)

t.it(':Cairn search without a query is refused', function()
  local seen = t.capture_notify()
  require('cairn.search').command('')
  t.ok(t.notified(seen, 1), 'a message')
  t.match(seen[1].msg, 'INVALID_PARAMS')
end)
