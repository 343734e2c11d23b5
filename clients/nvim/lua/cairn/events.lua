-- Change events from cairnd: subscription on every connect, dispatch to
-- handlers by topic, and the User CairnEvent autocommand.
local config = require('cairn.config')

local M = {
  handlers = {},
  subscribed = false,
  last = nil,
  cursor = nil,
  error = nil,
}

function M.on(topic, fn)
  M.handlers[topic] = M.handlers[topic] or {}
  table.insert(M.handlers[topic], fn)
end

local function call(fn, ev)
  local ok, err = pcall(fn, ev)
  if not ok then
    vim.notify('cairn: event handler failed: ' .. tostring(err), vim.log.levels.ERROR)
  end
end

function M.dispatch(ev)
  if type(ev) ~= 'table' then
    return
  end
  M.last = ev
  if type(ev.cursor) == 'number' then
    M.cursor = ev.cursor
  end
  for _, fn in ipairs(M.handlers[ev.topic] or {}) do
    call(fn, ev)
  end
  for _, fn in ipairs(M.handlers['*'] or {}) do
    call(fn, ev)
  end
  vim.g.cairn_event = ev
  local opts = { pattern = 'CairnEvent', modeline = false }
  if vim.fn.has('nvim-0.8') == 1 then
    opts.data = ev
  end
  vim.api.nvim_exec_autocmds('User', opts)
end

-- After a reconnect, events may have been missed: tell every topic's
-- handlers to reload what they show.
local function resync()
  for _, topic in ipairs(config.options.topics) do
    M.dispatch({ topic = topic, kind = 'resync' })
  end
end

function M.subscribe(client, reconnected)
  client:request('events.subscribe', { topics = config.options.topics }, function(err)
    M.subscribed = err == nil
    M.error = err
    if not err and reconnected then
      resync()
    end
  end, config.options.timeout)
end

function M.attach(client)
  client:on_connect(M.subscribe)
  client:on_disconnect(function()
    M.subscribed = false
  end)
  client:on_notification('event', function(params)
    if type(params) ~= 'table' then
      return
    end
    for _, ev in ipairs(params) do
      M.dispatch(ev)
    end
  end)
end

return M
