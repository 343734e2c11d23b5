-- autostart: with the option on, a request to a socket nobody listens on
-- starts cairnd (the configured path, else PATH) and is answered by it.
local t = require('helper')

local function stop_spawned(client)
  local spawned = client.spawned
  if spawned then
    vim.loop.kill(spawned.pid, 'sigterm')
    vim.wait(5000, function()
      return vim.loop.kill(spawned.pid, 0) ~= 0
    end, 50)
  end
end

t.it('a request with autostart on starts the configured cairnd and gets its reply', function()
  local dir = t.tempdir()
  -- The started daemon's own database, apart from the specs' daemon.
  vim.env.CAIRN_DATA_DIR = dir .. '/data'
  local socket = dir .. '/run/cairnd.sock'
  local cairn = require('cairn')
  cairn.setup({ socket = socket, autostart = true, cairnd = os.getenv('CAIRN_BIN_DIR') .. '/cairnd', timeout = 8000 })
  local seen = t.capture_notify()
  vim.cmd('Cairn ping')
  t.ok(t.notified(seen, 1, 9000), 'a reply')
  local client = cairn.client()
  local ok, err = pcall(function()
    t.match(seen[1].msg, '^cairn: pong in', 'answered by the started daemon')
    t.ok(client.spawned, 'a daemon was started')
    t.eq(os.getenv('CAIRN_BIN_DIR') .. '/cairnd', client.spawned.program, 'the configured program')
    local status_err, status = cairn.request_sync('daemon.status', nil)
    t.eq(nil, status_err, 'daemon.status')
    t.eq(socket, status.socket, 'it serves the configured socket')
    t.eq(client.spawned.pid, status.pid, 'the started process answers')
  end)
  client:close()
  stop_spawned(client)
  vim.env.CAIRN_DATA_DIR = nil
  if not ok then
    error(err, 0)
  end
end)

t.it('autostart without a cairnd on PATH says so', function()
  local cairn = require('cairn')
  local path = vim.env.PATH
  vim.env.PATH = t.tempdir()
  cairn.setup({ socket = t.tempdir() .. '/none.sock', autostart = true })
  local seen = t.capture_notify()
  vim.cmd('Cairn ping')
  vim.env.PATH = path
  t.ok(t.notified(seen, 1), 'a message')
  t.match(seen[1].msg, '^cairn: UNAVAILABLE: .*autostart found no cairnd on %$PATH')
  t.eq(nil, cairn.client().spawned, 'nothing started')
end)

t.it('with autostart off (the default) no daemon is started', function()
  local cairn = require('cairn')
  cairn.setup({ socket = t.tempdir() .. '/none.sock', cairnd = os.getenv('CAIRN_BIN_DIR') .. '/cairnd' })
  local seen = t.capture_notify()
  vim.cmd('Cairn ping')
  t.ok(t.notified(seen, 1), 'a message')
  t.match(seen[1].msg, '^cairn: UNAVAILABLE: ')
  t.eq(nil, cairn.client().spawned, 'nothing started')
end)
