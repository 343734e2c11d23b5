-- After the daemon restarts, the next call connects again, and the plugin
-- subscribes again and catches up on what it missed.
local t = require('helper')
local client = require('cairn.client')

t.it('a client notices the daemon is gone and reconnects on the next call', function()
  local c = t.client()
  t.call(c, 'daemon.ping', nil)
  local lost
  c:on_disconnect(function(_, reason)
    lost = reason
  end)
  t.daemon('stop')
  t.ok(t.wait(2000, function()
    return lost ~= nil
  end), 'the disconnect was noticed')
  t.match(lost, '^DISCONNECTED: ')
  local err = c:request_sync('daemon.ping', nil)
  t.eq('UNAVAILABLE', client.error_code(err), 'code while the daemon is down: ' .. tostring(err))
  t.daemon('start')
  t.call(c, 'daemon.ping', nil)
  t.eq(2, c.connects, 'connected twice')
  c:close()
end)

t.it('requests waiting when the daemon dies fail with DISCONNECTED', function()
  local c = t.client(5000)
  t.call(c, 'daemon.ping', nil)
  local pid = tonumber(t.daemon('pid'))
  vim.loop.kill(pid, 'sigstop')
  local got
  c:request('daemon.ping', nil, function(err)
    got = err
  end)
  vim.loop.kill(pid, 'sigkill')
  t.ok(t.wait(3000, function()
    return got ~= nil
  end), 'the callback ran before the timeout')
  t.match(got, '^DISCONNECTED: ')
  t.daemon('stop')
  t.daemon('start')
  t.call(c, 'daemon.ping', nil)
  c:close()
end)

t.it('the plugin resubscribes and catches up after a restart', function()
  t.require_capabilities('prefs')
  require('cairn').setup({ topics = { 'prefs' } })
  local events = require('cairn.events')
  local seen = {}
  require('cairn').on_event('prefs', function(ev)
    table.insert(seen, ev)
  end)
  local plugin = require('cairn').client()
  local other = t.client()
  t.call(other, 'daemon.ping', nil)
  require('cairn').request_sync('daemon.ping', nil)
  t.ok(t.wait(2000, function()
    return events.subscribed
  end), 'subscribed')

  t.call(other, 'prefs.set', { category = 'nvim-test', key = 'before', value = 1 })
  t.ok(t.wait(2000, function()
    return #seen == 1
  end), 'the event before the restart arrived')

  t.daemon('restart')
  t.ok(t.wait(2000, function()
    return not plugin:is_connected()
  end), 'the plugin noticed the restart')
  t.call(other, 'prefs.set', { category = 'nvim-test', key = 'while-away', value = 2 })

  require('cairn').request_sync('daemon.ping', nil)
  t.ok(t.wait(3000, function()
    for _, ev in ipairs(seen) do
      if ev.kind ~= 'resync' and tostring(ev.id):match('while%-away') then
        return true
      end
    end
    return false
  end), 'the change made while away was replayed: ' .. vim.inspect(seen))

  t.call(other, 'prefs.set', { category = 'nvim-test', key = 'after', value = 3 })
  t.ok(t.wait(2000, function()
    return tostring(seen[#seen].id):match('after') ~= nil
  end), 'live events arrive again: ' .. vim.inspect(seen[#seen]))
  other:close()
end)
