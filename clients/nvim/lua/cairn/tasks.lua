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

-- The task id on a line of the tasks buffer ("#12  [todo] ..."), or nil.
function M.id_at(line)
  return tonumber((line or ''):match('^#(%d+)'))
end

local function id_under_cursor()
  return M.id_at(vim.api.nvim_get_current_line())
end

-- Keys of the tasks buffer: the action runs on the task under the cursor.
M.keys = {
  ['<CR>'] = 'open',
  d = 'done',
  s = 'start_timer',
  r = 'reload',
}

local function buffer_action(name)
  return function()
    if name == 'reload' then
      return M.show()
    end
    local id = id_under_cursor()
    if not id then
      return require('cairn').error('INVALID_PARAMS: no task on this line')
    end
    M[name](id)
  end
end

function M.render(result)
  local bufnr = find_buf()
  if not bufnr then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, M.bufname)
    vim.bo[bufnr].filetype = 'cairntasks'
    vim.bo[bufnr].bufhidden = 'hide'
    vim.api.nvim_buf_set_keymap(bufnr, 'n', 'q', '<cmd>close<CR>', { noremap = true, silent = true })
    for key, name in pairs(M.keys) do
      vim.keymap.set('n', key, buffer_action(name), { buffer = bufnr, silent = true, desc = 'cairn: ' .. name })
    end
  end
  M.last = result
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, M.lines(result))
  vim.bo[bufnr].modifiable = false
  return bufnr
end

-- Fetch the list and show it when it arrives; done(bufnr) after that.
function M.show(done)
  require('cairn').run('tasks.list', nil, 'loading tasks', function(res)
    local bufnr = M.render(res)
    if vim.fn.bufwinnr(bufnr) == -1 then
      vim.cmd('botright split')
      vim.api.nvim_win_set_buf(0, bufnr)
    end
    if done then
      done(bufnr)
    end
  end)
end

-- Create a task; done(task) when the daemon made it.
function M.add(title, done)
  local cairn = require('cairn')
  if not title or title:match('^%s*$') then
    return cairn.error('INVALID_PARAMS: a task needs a title')
  end
  cairn.run('tasks.create', { title = title }, 'creating task', function(task)
    cairn.notify(string.format('created task #%s', tostring(task and task.id)))
    if done then
      done(task)
    end
  end)
end

-- Mark a task done.
function M.done(id)
  local cairn = require('cairn')
  cairn.run('tasks.update', { id = id, status = 'done' }, 'marking #' .. id .. ' done', function()
    cairn.notify('task #' .. id .. ' done')
  end)
end

-- Start the timer on a task.
function M.start_timer(id)
  local cairn = require('cairn')
  cairn.run('time.start', { task_id = id }, 'starting timer', function()
    require('cairn.timer').refresh()
    cairn.notify('timer started for task #' .. id)
  end)
end

-- The lines of a task's details.
function M.detail_lines(task)
  local lines = { M.format(task), '' }
  local desc = util.val(task.description)
  if desc and desc ~= '' then
    vim.list_extend(lines, vim.split(desc, '\n', { plain = true }))
    table.insert(lines, '')
  end
  for _, key in ipairs({ 'list', 'tags', 'scheduled', 'estimate_minutes', 'time_spent_ms', 'created_at', 'updated_at' }) do
    local v = util.val(task[key])
    if v ~= nil and not (type(v) == 'table' and next(v) == nil) then
      table.insert(lines, key .. ': ' .. (type(v) == 'table' and table.concat(vim.tbl_map(tostring, v), ', ') or tostring(v)))
    end
  end
  return lines
end

-- Open a task's details in the scratch buffer cairn://task/ID.
function M.open(id, done)
  require('cairn').run('tasks.get', { id = id }, 'loading task #' .. id, function(task)
    local name = 'cairn://task/' .. id
    local bufnr = vim.fn.bufnr(name)
    if bufnr == -1 then
      bufnr = vim.api.nvim_create_buf(false, true)
      vim.api.nvim_buf_set_name(bufnr, name)
      vim.bo[bufnr].bufhidden = 'wipe'
      vim.api.nvim_buf_set_keymap(bufnr, 'n', 'q', '<cmd>close<CR>', { noremap = true, silent = true })
    end
    vim.bo[bufnr].modifiable = true
    vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, M.detail_lines(task))
    vim.bo[bufnr].modifiable = false
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, bufnr)
    if done then
      done(bufnr)
    end
  end)
end

-- Task ids of the last list fetched, for completion (never waits).
function M.known_ids()
  local ids = {}
  for _, t in ipairs(M.last and util.val(M.last.tasks) or {}) do
    table.insert(ids, tostring(t.id))
  end
  return ids
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
