-- :Cairn live: search as you type. A scratch buffer whose first line is the
-- query; typing (insert mode) sends search.query after a pause (debounced,
-- only the newest reply is shown) and the results fill the lines below.
-- <CR> opens the result under the cursor (the first one from the query line).
-- Plain buffers and TextChangedI work on Neovim 0.7; vim.ui.input has no
-- per-keystroke callback there.
local M = {
  bufname = 'cairn://live',
  debounce_ms = 150,
}

local state = {}

local function render(bufnr, lines)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  vim.api.nvim_buf_set_lines(bufnr, 1, -1, false, lines)
end

-- Search for the query line now; newer queries win over older replies.
function M.refresh(bufnr)
  local s = state[bufnr]
  local query = vim.trim(vim.api.nvim_buf_get_lines(bufnr, 0, 1, false)[1] or '')
  s.seq = s.seq + 1
  local seq = s.seq
  if query == '' then
    s.items = {}
    return render(bufnr, {})
  end
  render(bufnr, { '(searching...)' })
  require('cairn.search').query(query, function(err, items)
    if s.seq ~= seq then
      return
    end
    s.items = items or {}
    s.query = query
    if err then
      return render(bufnr, { 'cairn: ' .. err })
    end
    local lines = {}
    for _, item in ipairs(items) do
      table.insert(lines, require('cairn.picker').format_item(item))
    end
    render(bufnr, #lines > 0 and lines or { '(no file matches)' })
  end, 50)
end

function M.schedule(bufnr)
  local s = state[bufnr]
  s.timer:stop()
  s.timer:start(M.debounce_ms, 0, vim.schedule_wrap(function()
    if vim.api.nvim_buf_is_valid(bufnr) then
      M.refresh(bufnr)
    end
  end))
end

function M.open_under_cursor(bufnr)
  local s = state[bufnr]
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local item = s.items[math.max(row - 1, 1)]
  if item then
    vim.cmd('stopinsert')
    require('cairn.picker').open_item(item)
  end
end

-- Open the live search buffer with `query` (may be empty) in insert mode.
function M.open(query)
  local bufnr = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(bufnr, M.bufname .. '/' .. bufnr)
  vim.bo[bufnr].bufhidden = 'wipe'
  state[bufnr] = { seq = 0, items = {}, timer = vim.loop.new_timer() }
  vim.cmd('botright split')
  vim.api.nvim_win_set_buf(0, bufnr)
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { query or '' })
  local group = vim.api.nvim_create_augroup('cairn_live_' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ 'TextChanged', 'TextChangedI' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      local row = vim.api.nvim_win_get_cursor(0)[1]
      if row == 1 then
        M.schedule(bufnr)
      end
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    buffer = bufnr,
    callback = function()
      local s = state[bufnr]
      state[bufnr] = nil
      if s and not s.timer:is_closing() then
        s.timer:stop()
        s.timer:close()
      end
    end,
  })
  local open = function()
    M.open_under_cursor(bufnr)
  end
  vim.keymap.set({ 'n', 'i' }, '<CR>', open, { buffer = bufnr })
  vim.keymap.set('n', 'q', '<cmd>close<CR>', { buffer = bufnr })
  if query and query ~= '' then
    M.refresh(bufnr)
  end
  vim.api.nvim_win_set_cursor(0, { 1, #(query or '') })
  vim.cmd('startinsert!')
  return bufnr
end

return M
