-- :Cairn task add and :Cairn tasks.
local t = require('helper')

t.it(':Cairn task add creates a task that :Cairn tasks lists', function()
  t.require_capabilities('tasks')
  local seen = t.capture_notify()
  local title = 'nvim spec task ' .. vim.loop.hrtime()
  vim.cmd('Cairn task add ' .. title)
  t.ok(t.notified(seen, 1), 'a message')
  t.eq(1, #seen, 'one message')
  local id = seen[1].msg:match('^cairn: created task #(%S+)$')
  t.ok(id and id ~= 'nil', 'created task message: ' .. seen[1].msg)

  vim.cmd('Cairn tasks')
  t.ok(t.wait(3000, function()
    return vim.api.nvim_buf_get_name(0) == 'cairn://tasks'
  end), 'the tasks buffer opens')
  t.eq('cairn://tasks', vim.api.nvim_buf_get_name(0), 'the tasks buffer is current')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local found
  for _, line in ipairs(lines) do
    if line:find(title, 1, true) then
      found = line
    end
  end
  t.ok(found, 'the new task is listed in:\n' .. table.concat(lines, '\n'))
  t.match(found, '^#' .. id .. '%s')
  t.eq(false, vim.bo.modifiable, 'the buffer is read-only')
end)

t.it('a task added elsewhere refreshes the open tasks buffer', function()
  t.require_capabilities('tasks')
  require('cairn').request_sync('daemon.ping', nil)
  t.ok(t.wait(2000, function()
    return vim.tbl_contains(require('cairn.events').topics, 'tasks')
  end), 'subscribed to tasks')
  local title = 'from another client ' .. vim.loop.hrtime()
  local other = t.client()
  t.call(other, 'tasks.create', { title = title })
  other:close()
  local bufnr = vim.fn.bufnr('cairn://tasks')
  t.ok(t.wait(3000, function()
    local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
    return text:find(title, 1, true) ~= nil
  end), 'the tasks buffer shows the new task')
end)

t.it(':Cairn task add without a title is refused', function()
  local seen = t.capture_notify()
  vim.cmd('Cairn task add')
  t.match(seen[1].msg, 'INVALID_PARAMS: a task needs a title')
end)

-- Open the tasks buffer with the cursor on task `id`'s line.
local function cursor_on_task(id)
  vim.cmd('Cairn tasks')
  local row
  t.ok(t.wait(3000, function()
    if vim.api.nvim_buf_get_name(0) ~= 'cairn://tasks' then
      return false
    end
    for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
      if require('cairn.tasks').id_at(line) == id then
        row = i
        return true
      end
    end
  end), 'task #' .. id .. ' is listed')
  vim.api.nvim_win_set_cursor(0, { row, 0 })
end

t.it('keys in the tasks buffer mark done, start the timer and open a task', function()
  t.require_capabilities('tasks', 'time')
  local other = t.client()
  local task = t.call(other, 'tasks.create', { title = 'acted on in the buffer', description = 'the details' })
  local seen = t.capture_notify()

  cursor_on_task(task.id)
  vim.cmd('normal s')
  t.ok(t.wait(3000, function()
    local active = t.call(other, 'time.active', nil)
    return type(active.session) == 'table' and active.session.task_id == task.id
  end), 's starts the timer on the task')

  cursor_on_task(task.id)
  vim.cmd('normal d')
  t.ok(t.wait(3000, function()
    return t.call(other, 'tasks.get', { id = task.id }).status == 'done'
  end), 'd marks the task done')

  cursor_on_task(task.id)
  vim.cmd('execute "normal \\<CR>"')
  t.ok(t.wait(3000, function()
    return vim.api.nvim_buf_get_name(0) == 'cairn://task/' .. task.id
  end), '<CR> opens the task; messages: ' .. vim.inspect(seen))
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  t.match(text, 'acted on in the buffer', 'the title')
  t.match(text, 'the details', 'the description')
  t.call(other, 'time.stop', nil)
  other:close()
end)

t.it(':Cairn tasks pick offers the tasks through vim.ui.select, then actions', function()
  t.require_capabilities('tasks')
  local other = t.client()
  local task = t.call(other, 'tasks.create', { title = 'picked through vim.ui.select' })
  local calls = t.stub_select(function(items, opts)
    if opts.kind == 'cairn.tasks' then
      for _, item in ipairs(items) do
        if item.id == task.id then
          return item
        end
      end
    end
    for _, item in ipairs(items) do
      if item.name == 'done' then
        return item
      end
    end
  end)
  vim.cmd('Cairn tasks pick')
  t.ok(t.wait(3000, function()
    return t.call(other, 'tasks.get', { id = task.id }).status == 'done'
  end), 'the chosen action ran on the chosen task')
  t.eq('cairn.tasks', calls[1].opts.kind, 'tasks first')
  t.match(calls[1].opts.format_item(task), 'picked through vim%.ui%.select', 'items show the title')
  t.eq('cairn.task_action', calls[2].opts.kind, 'then an action')
  other:close()
end)
