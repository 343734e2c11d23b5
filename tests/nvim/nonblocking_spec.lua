-- No :Cairn command holds the editor while the daemon does not answer
-- (SIGSTOP): each returns at once, and the TIMEOUT arrives later as a message.
-- The daemon still serves the requests after SIGCONT, so their arguments
-- change nothing other specs use (ids and paths that do not exist).
local t = require('helper')

local pid = tonumber(t.daemon('pid'))

local commands = {
  'Cairn search anything',
  'Cairn pick anything',
  'Cairn tasks',
  'Cairn tasks pick',
  'Cairn task add a task while stopped',
  'Cairn task done 999999999',
  'Cairn task open 999999999',
  'Cairn timer',
  'Cairn timer start 999999999',
  'Cairn timer stop',
  'Cairn track /nonexistent/cairn/nonblocking',
  'Cairn approve some-id',
  'Cairn approvals',
  'Cairn inbox',
  'Cairn status',
  'Cairn hello',
  'Cairn ping',
}

local function ms_since(t0)
  return (vim.loop.hrtime() - t0) / 1e6
end

t.it('every command returns within 100 ms and reports TIMEOUT later while cairnd is stopped', function()
  require('cairn').setup({ timeout = 500 })
  t.eq(nil, (require('cairn').request_sync('daemon.ping', nil)), 'connected before the stop')
  local seen = t.capture_notify()
  vim.loop.kill(pid, 'sigstop')
  local ok, err = pcall(function()
    for _, cmd in ipairs(commands) do
      local before = #seen
      local t0 = vim.loop.hrtime()
      vim.cmd(cmd)
      local took = ms_since(t0)
      t.ok(took < 100, string.format(':%s returned after %.0f ms', cmd, took))
      t.ok(t.notified(seen, before + 1, 2000), ':' .. cmd .. ' reported something')
      t.match(seen[before + 1].msg, '^cairn: TIMEOUT: ', ':' .. cmd .. "'s message")
    end
  end)
  vim.loop.kill(pid, 'sigcont')
  if not ok then
    error(err, 0)
  end
end)

t.it('the main loop is never held over 100 ms while a search waits on a stopped daemon', function()
  require('cairn').setup({ timeout = 800 })
  t.eq(nil, (require('cairn').request_sync('daemon.ping', nil)), 'connected before the stop')
  local seen = t.capture_notify()
  vim.loop.kill(pid, 'sigstop')
  local ok, err = pcall(function()
    -- A deferred callback measures the gaps between main-loop turns; the
    -- command runs on a turn of its own, as a typed one would. A beat that
    -- runs while the command's turn is still on the stack means the command
    -- spun a nested loop (vim.wait) and held the editor's input meanwhile.
    local last, worst, running, in_command, nested, turn = vim.loop.hrtime(), 0, true, false, 0, nil
    local function beat()
      local now = vim.loop.hrtime()
      worst = math.max(worst, (now - last) / 1e6)
      last = now
      if in_command then
        nested = nested + 1
      end
      if running then
        vim.defer_fn(beat, 5)
      end
    end
    vim.defer_fn(beat, 5)
    vim.defer_fn(function()
      in_command = true
      local t0 = vim.loop.hrtime()
      vim.cmd('Cairn search anything')
      turn = ms_since(t0)
      in_command = false
    end, 20)
    t.ok(t.notified(seen, 1, 3000), 'the TIMEOUT arrived')
    running = false
    t.match(seen[1].msg, '^cairn: TIMEOUT: search%.query')
    t.ok(turn and turn < 100, string.format("the command's turn took %s ms", tostring(turn)))
    t.eq(0, nested, 'main-loop turns run inside the command')
    t.ok(worst < 100, string.format('the loop was held %.0f ms at most', worst))
  end)
  vim.loop.kill(pid, 'sigcont')
  if not ok then
    error(err, 0)
  end
end)

t.it('a command waiting on a stopped daemon shows that it waits, then the TIMEOUT', function()
  require('cairn').setup({ timeout = 600 })
  t.eq(nil, (require('cairn').request_sync('daemon.ping', nil)), 'connected before the stop')
  local seen = t.capture_notify()
  local echoed = {}
  local echo = vim.api.nvim_echo
  vim.api.nvim_echo = function(chunks, history, opts)
    table.insert(echoed, chunks[1] and chunks[1][1] or '')
    return echo(chunks, history, opts)
  end
  vim.loop.kill(pid, 'sigstop')
  local ok, err = pcall(function()
    vim.cmd('Cairn tasks')
    t.ok(t.notified(seen, 1, 2000), 'the TIMEOUT arrived')
    t.match(seen[1].msg, '^cairn: TIMEOUT: tasks%.list got no reply from cairnd within 600 ms$')
    t.ok(vim.tbl_contains(echoed, 'cairn: loading tasks...'), 'progress shown: ' .. vim.inspect(echoed))
  end)
  vim.loop.kill(pid, 'sigcont')
  vim.api.nvim_echo = echo
  if not ok then
    error(err, 0)
  end
end)
