-- The running time session as the statusline shows it. State comes from
-- time.active, fetched asynchronously on `time` events and every
-- refresh_ms; the statusline only reads it.
local config = require('cairn.config')
local util = require('cairn.util')

local uv = vim.loop

local M = {
  session = nil,
  fetched_at = nil,
  error = nil,
  ticker = nil,
  last_refresh = nil,
}

local TICK_MS = 15000

local function now_ms()
  return uv.hrtime() / 1e6
end

local function redraw()
  pcall(vim.cmd, 'redrawstatus!')
end

-- Store a time.active result (or a session from time.start).
function M.set(session)
  session = util.val(session)
  if type(session) ~= 'table' or next(session) == nil then
    M.session = nil
  else
    M.session = session
  end
  M.fetched_at = now_ms()
  redraw()
end

function M.refresh(callback)
  M.last_refresh = now_ms()
  require('cairn').request('time.active', nil, function(err, res)
    M.error = err
    if not err then
      M.set(res and res.session)
    else
      local code = require('cairn.client').error_code(err)
      if code == 'UNAVAILABLE' or code == 'DISCONNECTED' or code == 'METHOD_NOT_FOUND' then
        M.set(nil)
      end
    end
    if callback then
      callback(err, M.session)
    end
  end)
end

local function tick()
  local interval = config.options.refresh_ms
  if interval and interval > 0 and (not M.last_refresh or now_ms() - M.last_refresh >= interval) then
    M.refresh()
  elseif M.session then
    redraw()
  end
end

-- Start the periodic refresh; idempotent.
function M.start()
  if M.ticker then
    return
  end
  M.ticker = uv.new_timer()
  M.ticker:start(0, math.min(TICK_MS, math.max(config.options.refresh_ms or TICK_MS, 1000)), vim.schedule_wrap(tick))
end

function M.stop()
  if M.ticker then
    M.ticker:stop()
    M.ticker:close()
    M.ticker = nil
  end
end

-- The active session with elapsed_ms brought up to now, or nil.
function M.current()
  local s = M.session
  if not s then
    return nil
  end
  local cur = vim.deepcopy(s)
  local elapsed = tonumber(util.val(s.elapsed_ms)) or 0
  if not util.val(s.paused) and M.fetched_at then
    elapsed = elapsed + (now_ms() - M.fetched_at)
  end
  cur.elapsed_ms = math.floor(elapsed)
  return cur
end

function M.format_elapsed(ms)
  local minutes = math.floor(ms / 60000)
  return string.format('%d:%02d', math.floor(minutes / 60), minutes % 60)
end

function M.statusline()
  M.start()
  local s = M.current()
  if not s then
    return ''
  end
  local text = string.format('#%s %s', tostring(util.val(s.task_id) or '?'), M.format_elapsed(s.elapsed_ms))
  if util.val(s.paused) then
    text = text .. ' paused'
  end
  return '[' .. text .. ']'
end

function M.attach()
  require('cairn.events').on('time', function()
    M.refresh()
  end)
end

return M
