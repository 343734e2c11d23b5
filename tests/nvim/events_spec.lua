-- Events reach handlers, the User CairnEvent autocommand and g:cairn_event.
local t = require('helper')

t.it('a change made by another client arrives as an event', function()
  t.require_capabilities('prefs')
  require('cairn').setup({ topics = { 'tasks', 'time', 'reviews', 'files', 'prefs' } })
  local events = require('cairn.events')
  local got, autocmds = {}, 0
  require('cairn').on_event('*', function(ev)
    table.insert(got, ev)
  end)
  vim.api.nvim_create_autocmd('User', {
    pattern = 'CairnEvent',
    callback = function()
      autocmds = autocmds + 1
    end,
  })
  require('cairn').request_sync('daemon.ping', nil)
  t.ok(t.wait(2000, function()
    return events.subscribed
  end), 'subscribed')
  t.ok(vim.tbl_contains(events.topics, 'prefs'), 'prefs among ' .. vim.inspect(events.topics))
  for topic, err in pairs(events.refused) do
    t.log('topic %s refused: %s', topic, err)
  end

  local other = t.client()
  t.call(other, 'prefs.set', { category = 'nvim-test', key = 'k', value = { 1, 2, 3 } })
  t.ok(t.wait(2000, function()
    return #got > 0
  end), 'an event arrived')
  local ev = got[1]
  t.eq('prefs', ev.topic, 'topic')
  t.ok(type(ev.kind) == 'string', 'kind is a string')
  t.ok(ev.id ~= nil and ev.id ~= vim.NIL, 'id is set')
  t.ok(type(ev.cursor) == 'number', 'cursor is a number')
  t.eq(1, autocmds, 'User CairnEvent fired once')
  t.eq('prefs', vim.g.cairn_event.topic, 'g:cairn_event')

  t.call(other, 'prefs.set', { category = 'nvim-test', key = 'k', value = 'two' })
  t.ok(t.wait(2000, function()
    return #got == 2
  end), 'a second event arrived')
  t.ok(got[2].cursor > got[1].cursor, 'cursors increase')
  other:close()
end)
