-- :Cairn timer start/stop and the statusline.
local t = require('helper')

t.it('the statusline shows a running timer and clears when it stops', function()
  t.require_capabilities('tasks', 'time')
  local cairn = require('cairn')
  local seen = t.capture_notify()
  local err, task = cairn.request_sync('tasks.create', { title = 'timed by nvim spec' })
  t.eq(nil, err, 'tasks.create error')
  t.eq('', cairn.statusline(), 'nothing runs yet')

  vim.cmd('Cairn timer start ' .. tostring(task.id))
  t.ok(t.notified(seen, 1), 'a message')
  t.match(seen[#seen].msg, '^cairn: timer started for task #')
  t.ok(t.wait(3000, function()
    return cairn.statusline() ~= ''
  end), 'the statusline shows the timer')
  t.match(cairn.statusline(), '^%[#' .. tostring(task.id) .. ' %d+:%d%d')
  local active = cairn.timer()
  t.ok(active and active.elapsed_ms >= 0, 'cairn.timer() gives the session')

  local before = #seen
  vim.cmd('Cairn timer stop')
  t.ok(t.notified(seen, before + 1), 'a message')
  t.match(seen[#seen].msg, '^cairn: timer stopped')
  t.ok(t.wait(3000, function()
    return cairn.statusline() == ''
  end), 'the statusline is empty again')
end)

t.it('a timer started by another client shows up through events', function()
  t.require_capabilities('tasks', 'time')
  local cairn = require('cairn')
  cairn.statusline()
  cairn.request_sync('daemon.ping', nil)
  t.ok(t.wait(2000, function()
    return vim.tbl_contains(require('cairn.events').topics, 'time')
  end), 'subscribed to time')
  local other = t.client()
  local task = t.call(other, 'tasks.create', { title = 'timed elsewhere' })
  t.call(other, 'time.start', { task_id = task.id })
  t.ok(t.wait(3000, function()
    return cairn.statusline() ~= ''
  end), 'the statusline follows the event')
  t.call(other, 'time.stop', nil)
  t.ok(t.wait(3000, function()
    return cairn.statusline() == ''
  end), 'and clears on stop')
  other:close()
end)

t.it(':Cairn timer start needs a numeric task id', function()
  local seen = t.capture_notify()
  vim.cmd('Cairn timer start abc')
  t.match(seen[1].msg, 'INVALID_PARAMS: :Cairn timer start needs a task id')
end)
