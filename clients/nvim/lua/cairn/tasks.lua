-- :Cairn tasks and :Cairn task add: the task list in a scratch buffer.
local util = require('cairn.util')

local M = {
  bufname = 'cairn://tasks',
}

function M.format(task)
  local parts = { string.format('#%-4s', tostring(util.val(task.id) or '?')) }
  table.insert(parts, string.format('[%s]', util.one_line(task.status)))
  local priority = util.val(task.priority)
  if priority then
    table.insert(parts, 'P' .. tostring(priority))
  end
  table.insert(parts, util.one_line(task.title))
  local due = util.val(task.due)
  if due and due ~= '' then
    table.insert(parts, '(due ' .. util.one_line(due) .. ')')
  end
  return table.concat(parts, '  ')
end

function M.lines(result)
  local lines = {}
  local tasks = result and util.val(result.tasks) or {}
  for _, task in ipairs(tasks) do
    table.insert(lines, M.format(task))
  end
  if #lines == 0 then
    lines = { '(no tasks)' }
  end
  if result and util.val(result.next) then
    table.insert(lines, '(more tasks not shown)')
  end
  return lines
end

local function find_buf()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(bufnr) == M.bufname then
      return bufnr
    end
  end
  return nil
end

function M.render(result)
  local bufnr = find_buf()
  if not bufnr then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, M.bufname)
    vim.bo[bufnr].filetype = 'cairntasks'
    vim.bo[bufnr].bufhidden = 'hide'
    vim.api.nvim_buf_set_keymap(bufnr, 'n', 'q', '<cmd>close<CR>', { noremap = true, silent = true })
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, M.lines(result))
  vim.bo[bufnr].modifiable = false
  return bufnr
end

-- Fetch the list and show it; returns err, bufnr.
function M.show()
  local err, res = require('cairn').request_sync('tasks.list', nil)
  if err then
    return err
  end
  local bufnr = M.render(res)
  if vim.fn.bufwinnr(bufnr) == -1 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, bufnr)
  end
  return nil, bufnr
end

-- Create a task; returns err, task.
function M.add(title)
  if not title or title:match('^%s*$') then
    return 'INVALID_PARAMS: a task needs a title'
  end
  return require('cairn').request_sync('tasks.create', { title = title })
end

function M.attach()
  require('cairn.events').on('tasks', function()
    if not find_buf() then
      return
    end
    require('cairn').request('tasks.list', nil, function(err, res)
      if not err then
        M.render(res)
      end
    end)
  end)
end

return M
