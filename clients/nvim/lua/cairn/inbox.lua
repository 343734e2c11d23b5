-- Approvals and the inbox: vim.notify on `approvals` and `notifications`
-- events, :Cairn approve/reject, and pickers over pending approvals and
-- unread notifications.
local util = require('cairn.util')

local M = {}

local levels = vim.log.levels
local by_priority = { low = levels.DEBUG, normal = levels.INFO, high = levels.WARN, urgent = levels.ERROR }

function M.approval_message(ev)
  local text = string.format('approval %s requested: %s', tostring(ev.id), util.one_line(ev.action_type))
  local by = util.val(ev.requested_by)
  if by and by ~= '' then
    text = text .. ' (by ' .. util.one_line(by) .. ')'
  end
  return text .. string.format('; :Cairn approve %s or :Cairn reject %s', tostring(ev.id), tostring(ev.id))
end

function M.on_approval(ev)
  if ev.kind == 'insert' and util.val(ev.status) == 'pending' then
    vim.notify('cairn: ' .. M.approval_message(ev), levels.WARN, { title = 'cairn' })
  end
end

function M.on_notification(ev)
  -- An approval's own notification is announced by its approvals event.
  if ev.kind ~= 'insert' or util.val(ev.type) == 'approval' then
    return
  end
  local text = util.one_line(ev.title)
  local message = util.val(ev.message)
  if message and message ~= '' then
    text = text .. ': ' .. util.one_line(message)
  end
  vim.notify('cairn: ' .. text, by_priority[util.val(ev.priority)] or levels.INFO, { title = 'cairn' })
end

-- approvals.decide; decision is 'approve' or 'reject'.
function M.decide(id, decision, note)
  local cairn = require('cairn')
  if not id or id == '' then
    return cairn.error('INVALID_PARAMS: :Cairn ' .. decision .. ' needs an approval id')
  end
  local args = { id = id, decision = decision }
  if note and note ~= '' then
    args.note = note
  end
  cairn.run('approvals.decide', args, decision .. ' ' .. id, function(res)
    cairn.notify(string.format('approval %s %s', id, tostring(res and util.val(res.status) or decision)))
  end)
end

-- :Cairn approvals: pending approvals in vim.ui.select, then approve or reject.
function M.pick_approvals()
  local cairn = require('cairn')
  cairn.run('approvals.list', { status = 'pending' }, 'loading approvals', function(res)
    local list = res and util.val(res.approvals) or {}
    if #list == 0 then
      return cairn.notify('no pending approvals')
    end
    vim.ui.select(list, {
      prompt = 'cairn approvals',
      kind = 'cairn.approvals',
      format_item = function(a)
        return string.format('%s  %s', tostring(a.id), util.one_line(a.action_type))
      end,
    }, function(a)
      if not a then
        return
      end
      vim.ui.select({ 'approve', 'reject' }, { prompt = 'approval ' .. tostring(a.id) }, function(decision)
        if decision then
          M.decide(tostring(a.id), decision)
        end
      end)
    end)
  end)
end

-- :Cairn inbox: unread notifications in vim.ui.select; the choice is marked read.
function M.pick_inbox()
  local cairn = require('cairn')
  cairn.run('notifications.list', { status = 'unread' }, 'loading inbox', function(res)
    local list = res and util.val(res.notifications) or {}
    if #list == 0 then
      return cairn.notify('inbox empty')
    end
    vim.ui.select(list, {
      prompt = 'cairn inbox',
      kind = 'cairn.inbox',
      format_item = function(n)
        local text = util.one_line(n.title)
        local message = util.val(n.message)
        if message and message ~= '' then
          text = text .. ': ' .. util.one_line(message)
        end
        return text
      end,
    }, function(n)
      if n then
        cairn.run('notifications.mark', { id = n.id, status = 'read' }, nil, function()
          cairn.notify('marked read: ' .. util.one_line(n.title))
        end)
      end
    end)
  end)
end

function M.attach()
  local events = require('cairn.events')
  events.on('approvals', M.on_approval)
  events.on('notifications', M.on_notification)
end

return M
