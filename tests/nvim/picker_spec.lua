-- :Cairn pick offers file results through vim.ui.select and opens the choice
-- at its line and column; :Cairn live searches as you type.
local t = require('helper')

local function tracked_word_file(lnum_of_word)
  local dir = t.tempdir()
  local word = 'pickword' .. tostring(vim.loop.hrtime() % 1000000)
  local lines = {}
  for i = 1, 12 do
    lines[i] = 'plain line ' .. i
  end
  lines[lnum_of_word] = 'call ' .. word .. '() here'
  vim.fn.writefile(lines, dir .. '/picked.txt')
  t.eq(nil, (require('cairn').request_sync('files.track', { path = dir })), 'files.track error')
  -- Wait until the index has it.
  t.ok(t.wait(10000, function()
    local err, res = require('cairn').request_sync('search.query', { q = word })
    return not err and res and #res.results > 0
  end), 'indexed within 10 s')
  return dir .. '/picked.txt', word
end

t.it(':Cairn pick lists results in vim.ui.select and opens the choice at line and column', function()
  t.require_capabilities('files', 'search')
  local file, word = tracked_word_file(9)
  local calls = t.stub_select(function(items)
    return items[1]
  end)
  vim.cmd('Cairn pick ' .. word)
  t.ok(t.wait(3000, function()
    return vim.api.nvim_buf_get_name(0) == file
  end), 'the chosen file is opened')
  t.eq({ 9, 5 }, vim.api.nvim_win_get_cursor(0), 'cursor at the word (row, 0-based col)')
  t.eq('cairn.search', calls[1].opts.kind, 'the picker kind')
  t.match(calls[1].opts.format_item(calls[1].items[1]), 'picked%.txt:9:6: call ' .. word, 'item text')
end)

t.it(':Cairn live shows results as the query is typed and <CR> opens one', function()
  t.require_capabilities('files', 'search')
  local file, word = tracked_word_file(4)
  vim.cmd('Cairn live')
  local bufnr = vim.api.nvim_get_current_buf()
  t.match(vim.api.nvim_buf_get_name(bufnr), '^cairn://live/', 'the live buffer')
  -- Type the query a piece at a time, as a user would.
  local sent = 0
  local query = require('cairn.search').query
  require('cairn.search').query = function(...)
    sent = sent + 1
    return query(...)
  end
  -- Each keystroke changes the query line and fires TextChangedI, as typing
  -- in insert mode does (feedkeys cannot stay in insert mode here).
  for i = 1, #word do
    vim.api.nvim_buf_set_lines(bufnr, 0, 1, false, { word:sub(1, i) })
    vim.api.nvim_win_set_cursor(0, { 1, i })
    vim.cmd('doautocmd <nomodeline> TextChangedI')
  end
  t.ok(t.wait(5000, function()
    local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
    return lines[2] ~= nil and lines[2]:find('picked.txt:4:6:', 1, true) ~= nil
  end), 'results below the query: ' .. vim.inspect(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)))
  t.eq(word, vim.api.nvim_buf_get_lines(bufnr, 0, 1, false)[1], 'the query line')
  t.eq(1, sent, 'typing was debounced: queries sent')
  require('cairn.search').query = query
  vim.cmd('stopinsert')
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  vim.cmd('execute "normal \\<CR>"')
  t.ok(t.wait(2000, function()
    return vim.api.nvim_buf_get_name(0) == file
  end), '<CR> opens the result')
  t.eq({ 4, 5 }, vim.api.nvim_win_get_cursor(0), 'at its line and column')
end)
