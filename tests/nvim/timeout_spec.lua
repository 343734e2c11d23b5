-- A daemon that never answers (SIGSTOP) gives a TIMEOUT error, not a hang.
local t = require('helper')
local client = require('cairn.client')

local pid = tonumber(t.daemon('pid'))

local function stopped(fn)
  vim.loop.kill(pid, 'sigstop')
  local ok, err = pcall(fn)
  vim.loop.kill(pid, 'sigcont')
  if not ok then
    error(err, 0)
  end
end

local function elapsed_ms(since)
  return (vim.loop.hrtime() - since) / 1e6
end

t.it('request_sync on an open connection returns TIMEOUT within its timeout', function()
  local c = t.client()
  t.call(c, 'daemon.ping', nil)
  stopped(function()
    local started = vim.loop.hrtime()
    local err = c:request_sync('daemon.ping', nil, 300)
    local took = elapsed_ms(started)
    t.eq('TIMEOUT', client.error_code(err), 'code of ' .. tostring(err))
    t.ok(took >= 290 and took < 1000, string.format('returned after %.0f ms', took))
  end)
  t.call(c, 'daemon.ping', nil)
  c:close()
end)

t.it('an asynchronous request calls back with TIMEOUT and the editor keeps running', function()
  local c = t.client()
  t.call(c, 'daemon.ping', nil)
  stopped(function()
    local got, ticks = nil, 0
    local timer = vim.loop.new_timer()
    timer:start(10, 10, function()
      ticks = ticks + 1
    end)
    local started = vim.loop.hrtime()
    c:request('daemon.status', nil, function(err)
      got = err
    end, 400)
    t.ok(t.wait(2000, function()
      return got ~= nil
    end), 'the callback ran')
    timer:stop()
    timer:close()
    t.eq('TIMEOUT', client.error_code(got), 'code of ' .. tostring(got))
    t.ok(elapsed_ms(started) < 1000, 'called back in time')
    t.ok(ticks >= 10, 'the loop kept running: ' .. ticks .. ' ticks')
  end)
  c:close()
end)

t.it('a new connection to a stopped daemon times out too', function()
  stopped(function()
    local c = t.client()
    local started = vim.loop.hrtime()
    local err = c:request_sync('daemon.hello', nil, 300)
    t.eq('TIMEOUT', client.error_code(err), 'code of ' .. tostring(err))
    t.ok(elapsed_ms(started) < 1000, 'returned in time')
    c:close()
  end)
end)

t.it('late replies after SIGCONT do not answer newer requests', function()
  local c = t.client()
  t.call(c, 'daemon.ping', nil)
  stopped(function()
    for _ = 1, 3 do
      c:request_sync('daemon.ping', nil, 100)
    end
  end)
  local hello = t.call(c, 'daemon.hello', nil)
  t.ok(type(hello.capabilities) == 'table', 'the reply is daemon.hello\'s')
  c:close()
end)

t.it(':Cairn ping honours setup{timeout}', function()
  local seen = t.capture_notify()
  require('cairn').setup({ timeout = 300 })
  vim.cmd('Cairn ping')
  t.ok(t.notified(seen, 1), 'the first ping answered')
  stopped(function()
    local started = vim.loop.hrtime()
    vim.cmd('Cairn ping')
    t.ok(t.wait(1500, function()
      return #seen >= 2
    end), 'the timeout is reported in time')
    t.ok(elapsed_ms(started) < 1500, 'reported in time')
  end)
  t.match(seen[#seen].msg, '^cairn: TIMEOUT: daemon%.ping got no reply')
end)
