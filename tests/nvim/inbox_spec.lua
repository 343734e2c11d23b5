-- Approvals and notifications arrive as vim.notify; :Cairn approve/reject,
-- :Cairn approvals and :Cairn inbox decide and mark them.
local t = require('helper')

local function find(seen, pattern)
  for _, m in ipairs(seen) do
    if m.msg:match(pattern) then
      return m
    end
  end
end

local function wait_for(seen, pattern)
  t.ok(t.wait(3000, function()
    return find(seen, pattern) ~= nil
  end), 'a message matching ' .. pattern .. ' in ' .. vim.inspect(seen))
  return find(seen, pattern)
end

t.it('a requested approval is announced and :Cairn approve decides it', function()
  t.require_capabilities('approvals')
  t.ok(t.subscribed('approvals'), 'subscribed to approvals')
  local seen = t.capture_notify()
  local other = t.client()
  local a = t.call(other, 'approvals.request', { action_type = 'deploy to prod', requested_by = 'agent-x' })
  local msg = wait_for(seen, 'approval ' .. vim.pesc(tostring(a.id)) .. ' requested: deploy to prod')
  t.eq(vim.log.levels.WARN, msg.level, 'shown as a warning')
  t.match(msg.msg, ':Cairn approve ' .. vim.pesc(tostring(a.id)), 'says how to decide')
  vim.cmd('Cairn approve ' .. tostring(a.id) .. ' looks fine')
  wait_for(seen, 'approval ' .. vim.pesc(tostring(a.id)) .. ' approved')
  local got = t.call(other, 'approvals.wait', { id = a.id, timeout_ms = 0 })
  t.eq('approved', got.status, 'the approval status')
  t.eq('looks fine', got.decision_note, 'the note')
  other:close()
end)

t.it(':Cairn approvals offers pending approvals and rejects the chosen one', function()
  t.require_capabilities('approvals')
  local other = t.client()
  local a = t.call(other, 'approvals.request', { action_type = 'rm -rf build' })
  local seen = t.capture_notify()
  local calls = t.stub_select(function(items, opts)
    if opts.kind == 'cairn.approvals' then
      for _, item in ipairs(items) do
        if item.id == a.id then
          return item
        end
      end
    end
    return vim.tbl_contains(items, 'reject') and 'reject' or nil
  end)
  vim.cmd('Cairn approvals')
  wait_for(seen, 'approval ' .. vim.pesc(tostring(a.id)) .. ' rejected')
  t.eq('cairn.approvals', calls[1].opts.kind, 'the first picker lists approvals')
  other:close()
end)

t.it('a notification is shown at its priority and :Cairn inbox marks it read', function()
  t.require_capabilities('notifications')
  t.ok(t.subscribed('notifications'), 'subscribed to notifications')
  local seen = t.capture_notify()
  local other = t.client()
  local title = 'build broke ' .. vim.loop.hrtime()
  local n = t.call(other, 'notifications.create', { title = title, message = 'see CI', priority = 'high' })
  local msg = wait_for(seen, vim.pesc(title) .. ': see CI')
  t.eq(vim.log.levels.WARN, msg.level, 'high priority is a warning')
  t.stub_select(function(items)
    for _, item in ipairs(items) do
      if item.id == n.id then
        return item
      end
    end
  end)
  vim.cmd('Cairn inbox')
  wait_for(seen, 'marked read: ' .. vim.pesc(title))
  local list = t.call(other, 'notifications.list', { status = 'read' })
  local found = false
  for _, item in ipairs(list.notifications) do
    found = found or item.id == n.id
  end
  t.ok(found, 'the notification is read now')
  other:close()
end)
