-- Change events from cairnd: subscription on every connect, catch-up with
-- changes.since after a reconnect, dispatch to handlers by topic, and the
-- User CairnEvent autocommand.
--
-- The daemon refuses a subscription that names a topic it does not know, so
-- when the whole list is refused each topic is subscribed on its own and the
-- refused ones are remembered in `refused`.
local config = require('cairn.config')
local util = require('cairn.util')

local M = {
  handlers = {},
  topics = {},
  refused = {},
  subscribed = false,
  last = nil,
  cursor = nil,
  db_id = nil,
  error = nil,
  catching_up = false,
  held = {},
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

local function deliver(ev)
  local cursor = util.val(ev.cursor)
  if type(cursor) == 'number' then
    if M.cursor and cursor <= M.cursor then
      return
    end
    M.cursor = cursor
  end
  M.last = ev
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

function M.dispatch(ev)
  if type(ev) ~= 'table' then
    return
  end
  if M.catching_up then
    table.insert(M.held, ev)
    return
  end
  deliver(ev)
end

-- Events may have been missed: tell every topic's handlers to reload.
local function resync()
  for _, topic in ipairs(M.topics) do
    deliver({ topic = topic, kind = 'resync' })
  end
end

local function end_catch_up(replayed)
  M.catching_up = false
  if replayed then
    for _, ev in ipairs(replayed) do
      deliver(ev)
    end
  else
    resync()
  end
  local held = M.held
  M.held = {}
  for _, ev in ipairs(held) do
    deliver(ev)
  end
end

-- Replay what happened while disconnected, or resync when that is not possible.
local function catch_up(client)
  if not M.cursor then
    return end_catch_up(nil)
  end
  M.catching_up = true
  local args = { cursor = M.cursor, topics = M.topics, limit = 1000 }
  if M.db_id then
    args.db_id = M.db_id
  end
  client:request('changes.since', args, function(err, res)
    if err or not res then
      -- Cursors may have restarted: do not drop new events as old ones.
      M.cursor = nil
      return end_catch_up(nil)
    end
    M.db_id = util.val(res.db_id) or M.db_id
    if util.val(res.fresh_instance) or util.val(res.has_more) then
      local cursor = util.val(res.cursor)
      M.cursor = type(cursor) == 'number' and cursor or nil
      return end_catch_up(nil)
    end
    end_catch_up(util.val(res.changes) or {})
  end, config.options.timeout)
end

local function subscribe_each(client, topics, done)
  local remaining = #topics
  local ok_topics = {}
  if remaining == 0 then
    return done(ok_topics)
  end
  for _, topic in ipairs(topics) do
    client:request('events.subscribe', { topics = { topic } }, function(err)
      if err then
        M.refused[topic] = err
      else
        table.insert(ok_topics, topic)
      end
      remaining = remaining - 1
      if remaining == 0 then
        done(ok_topics)
      end
    end, config.options.timeout)
  end
end

function M.subscribe(client, reconnected)
  local topics = config.options.topics
  local function done(ok_topics)
    M.topics = ok_topics
    M.subscribed = #ok_topics > 0
    if reconnected and M.subscribed then
      catch_up(client)
    end
  end
  client:request('events.subscribe', { topics = topics }, function(err)
    M.error = err
    if not err then
      M.refused = {}
      return done(vim.deepcopy(topics))
    end
    if require('cairn.client').error_code(err) ~= 'INVALID_PARAMS' or #topics < 2 then
      M.refused = {}
      for _, t in ipairs(topics) do
        M.refused[t] = err
      end
      return done({})
    end
    M.refused = {}
    subscribe_each(client, topics, done)
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
