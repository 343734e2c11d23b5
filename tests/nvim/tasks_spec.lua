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
