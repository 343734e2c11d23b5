-- :checkhealth cairn
local M = {}

local health = vim.health or require('health')
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local err = health.error or health.report_error
local info = health.info or health.report_info

local function check_neovim()
  local v = vim.version()
  local version = string.format('%d.%d.%d', v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.7') == 1 then
    ok('Neovim ' .. version)
  else
    err('Neovim ' .. version .. ' is too old', { 'cairn needs Neovim 0.7 or newer' })
  end
  if vim.mpack and vim.mpack.Unpacker and vim.mpack.encode then
    ok('vim.mpack has Unpacker and encode')
  else
    err('vim.mpack.Unpacker is missing')
  end
end

local function check_socket()
  local path, source = require('cairn.config').socket_path()
  info(string.format('socket: %s (from %s)', path, source))
  local stat = vim.loop.fs_stat(path)
  if not stat then
    err('no socket at ' .. path, {
      'start the daemon: cairnd (or systemctl --user start cairnd.socket)',
      'or point the plugin at it: setup{socket=...}, g:cairn_socket or $CAIRN_SOCKET',
    })
    return false
  end
  if stat.type ~= 'socket' then
    err(path .. ' is a ' .. stat.type .. ', not a socket')
    return false
  end
  ok('socket exists')
  return true
end

local function check_daemon()
  local cairn = require('cairn')
  local e, hello = cairn.request_sync('daemon.hello', nil)
  if e then
    err('daemon.hello failed: ' .. e)
    return
  end
  hello = hello or {}
  ok(string.format('cairnd %s answers, protocol %s', tostring(hello.version), tostring(hello.protocol)))
  local caps = type(hello.capabilities) == 'table' and hello.capabilities or {}
  info('capabilities: ' .. (#caps > 0 and table.concat(vim.tbl_map(tostring, caps), ', ') or '(none)'))
  local have = {}
  for _, c in ipairs(caps) do
    have[c] = true
  end
  for _, need in ipairs({ 'search', 'tasks', 'time', 'reviews', 'files', 'events' }) do
    if not have[need] then
      warn(string.format('capability "%s" missing: the commands that use it will fail', need))
    end
  end
  local events = require('cairn.events')
  vim.wait(require('cairn.config').options.timeout, function()
    return events.subscribed or next(events.refused) ~= nil
  end, 10)
  if events.subscribed then
    ok('subscribed to events: ' .. table.concat(events.topics, ', '))
  end
  for topic, e in pairs(events.refused) do
    warn(string.format('no events on topic "%s": %s', topic, e))
  end
end

function M.check()
  start('cairn')
  check_neovim()
  if check_socket() then
    check_daemon()
  end
end

return M
