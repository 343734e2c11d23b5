-- The daemon answers ping, status and hello, through the client and :Cairn.
local t = require('helper')

t.it('answers daemon.ping and daemon.hello through its own client', function()
  local c = t.client()
  t.call(c, 'daemon.ping', nil)
  local hello = t.call(c, 'daemon.hello', nil)
  t.ok(hello.protocol ~= nil, 'hello has a protocol')
  t.ok(type(hello.version) == 'string', 'hello has a version string')
  t.ok(type(hello.capabilities) == 'table' and #hello.capabilities > 0, 'hello lists capabilities')
  t.log('cairnd %s, protocol %s, capabilities: %s', hello.version, tostring(hello.protocol),
    table.concat(hello.capabilities, ', '))
  local status = t.call(c, 'daemon.status', nil)
  t.ok(type(status) == 'table' and next(status) ~= nil, 'daemon.status returns a map')
  c:close()
end)

t.it('accepts an empty map as well as no arguments', function()
  local c = t.client()
  t.call(c, 'daemon.ping', vim.empty_dict())
  c:close()
end)

t.it(':Cairn ping and :Cairn status report to the user', function()
  local seen = t.capture_notify()
  vim.cmd('Cairn ping')
  t.ok(t.notified(seen, 1), 'a message')
  t.eq(1, #seen, 'one message')
  t.match(seen[1].msg, '^cairn: pong in [%d.]+ ms$')
  vim.cmd('Cairn status')
  t.ok(t.wait(3000, function()
    return vim.fn.execute('messages'):find('cairn status') ~= nil
  end), 'the status is shown')
  t.eq(1, #seen, 'status raised no error')
end)

t.it('answers many requests in flight at once, each with its own reply', function()
  local c = t.client()
  local replies, errors = 0, {}
  for _ = 1, 200 do
    c:request('daemon.ping', nil, function(err)
      replies = replies + 1
      if err then
        table.insert(errors, err)
      end
    end)
  end
  t.ok(t.wait(5000, function()
    return replies == 200
  end), '200 replies within 5 s, got ' .. replies)
  t.eq({}, errors, 'no errors')
  c:close()
end)

t.it(':checkhealth cairn finds the daemon', function()
  vim.cmd('checkhealth cairn')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  t.match(text, 'OK: socket exists')
  t.match(text, 'OK: cairnd %S+ answers')
  t.ok(not text:match('ERROR'), 'no ERROR in:\n' .. text)
end)
