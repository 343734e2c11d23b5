-- A non-blocking msgpack-RPC client for cairnd over a Unix socket.
--
-- One connection at a time, opened on the first request and again on the next
-- request after it is lost. Every request has a timeout and its callback is
-- always called exactly once, with (err, result), from the main loop
-- (vim.schedule): err is nil on success, else a one-line "CODE: message"
-- string. Codes come from the daemon, plus three of the client's own:
-- UNAVAILABLE (no connection), DISCONNECTED (lost while waiting; the outcome
-- of a write is unknown) and TIMEOUT.
local uv = vim.loop

local M = {}

local REQUEST, RESPONSE, NOTIFICATION = 0, 1, 2

function M.is_nil(v)
  return v == nil or v == vim.NIL
end

-- The message string of an error as it arrives on the wire.
function M.error_message(err)
  if M.is_nil(err) then
    return nil
  end
  if type(err) == 'string' then
    return err
  end
  if type(err) == 'table' and type(err[2]) == 'string' then
    return err[2]
  end
  return 'INTERNAL: unreadable error from daemon: ' .. vim.inspect(err)
end

-- The stable code at the start of an error message ("NOT_FOUND", ...).
function M.error_code(msg)
  return type(msg) == 'string' and msg:match('^([A-Z_]+):') or nil
end

-- Named arguments become the one map in params; none become an empty array.
function M.pack_params(args)
  if args == nil or (type(args) == 'table' and next(args) == nil) then
    return {}
  end
  return { args }
end

local Client = {}
Client.__index = Client

-- opts.socket: a path, or a function returning one (read at each connect).
-- opts.timeout: default per-request timeout in milliseconds.
-- opts.start_daemon: a function returning the cairnd program to start (with
-- --socket PATH) when nothing listens on the socket, or nil for none.
function M.new(opts)
  opts = opts or {}
  return setmetatable({
    socket = opts.socket,
    start_daemon = opts.start_daemon,
    timeout = opts.timeout or 2000,
    next_id = 1,
    pending = {},
    conn = nil,
    connects = 0,
    handlers = {},
    connect_hooks = {},
    disconnect_hooks = {},
  }, Client)
end

function Client:socket_path()
  if type(self.socket) == 'function' then
    return self.socket()
  end
  return self.socket
end

function Client:is_connected()
  return self.conn ~= nil and self.conn.state == 'open'
end

-- fn(params) for every notification named `method`.
function Client:on_notification(method, fn)
  self.handlers[method] = self.handlers[method] or {}
  table.insert(self.handlers[method], fn)
end

-- fn(client, reconnected) after every successful connect.
function Client:on_connect(fn)
  table.insert(self.connect_hooks, fn)
end

-- fn(client, reason) when an open connection is lost.
function Client:on_disconnect(fn)
  table.insert(self.disconnect_hooks, fn)
end

local function run_hooks(hooks, ...)
  local args = { n = select('#', ...), ... }
  for _, fn in ipairs(hooks) do
    vim.schedule(function()
      fn(unpack(args, 1, args.n))
    end)
  end
end

local function close_handle(h)
  if h and not h:is_closing() then
    h:close()
  end
end

function Client:_finish(id, err, result)
  local p = self.pending[id]
  if not p then
    return
  end
  self.pending[id] = nil
  if p.timer then
    p.timer:stop()
    close_handle(p.timer)
  end
  vim.schedule(function()
    p.callback(err, result)
  end)
end

-- Forget `conn` and fail every request still waiting on it.
function Client:_drop(conn, reason)
  if self.conn ~= conn then
    return
  end
  local was_open = conn.state == 'open'
  self.conn = nil
  conn.state = 'closed'
  if conn.pipe then
    pcall(conn.pipe.read_stop, conn.pipe)
    close_handle(conn.pipe)
  end
  for id in pairs(self.pending) do
    self:_finish(id, reason)
  end
  if was_open then
    run_hooks(self.disconnect_hooks, self, reason)
  end
end

function Client:_send(conn, data)
  if conn.state ~= 'open' then
    table.insert(conn.queue, data)
    return
  end
  conn.pipe:write(data, function(err)
    if err then
      self:_drop(conn, 'DISCONNECTED: write to cairnd failed: ' .. err)
    end
  end)
end

function Client:_handle(conn, msg)
  if type(msg) ~= 'table' then
    return self:_drop(conn, 'DISCONNECTED: daemon sent a message that is not an array')
  end
  local kind = msg[1]
  if kind == RESPONSE then
    local err = M.error_message(msg[3])
    local result = msg[4]
    if M.is_nil(result) then
      result = nil
    end
    self:_finish(msg[2], err, result)
  elseif kind == NOTIFICATION then
    local params = msg[3]
    for _, fn in ipairs(self.handlers[msg[2]] or {}) do
      vim.schedule(function()
        fn(params)
      end)
    end
  elseif kind == REQUEST then
    local reply = { RESPONSE, msg[2], { 1, 'METHOD_NOT_FOUND: the Neovim client serves no methods' }, vim.NIL }
    self:_send(conn, vim.mpack.encode(reply))
  end
end

function Client:_read(conn, err, chunk)
  if self.conn ~= conn then
    return
  end
  if err then
    return self:_drop(conn, 'DISCONNECTED: read from cairnd failed: ' .. err)
  end
  if not chunk then
    return self:_drop(conn, 'DISCONNECTED: cairnd closed the connection')
  end
  local pos = 1
  while pos <= #chunk and self.conn == conn do
    local ok, msg, next_pos = pcall(conn.unpacker, chunk, pos)
    if not ok then
      return self:_drop(conn, 'DISCONNECTED: invalid msgpack from cairnd: ' .. tostring(msg))
    end
    if msg == nil then
      break
    end
    self:_handle(conn, msg)
    pos = next_pos
  end
end

-- Start the daemon for `path` with the program opts.start_daemon() names
-- (nil: do not start one). Returns true if a process was spawned.
function Client:_spawn_daemon(path)
  self.spawn_error, self.spawned = nil, nil
  local program, why = nil, nil
  if self.start_daemon then
    program, why = self.start_daemon()
  end
  if type(program) ~= 'string' or program == '' then
    self.spawn_error = why
    return false
  end
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p', tonumber('700', 8))
  local handle, pid = uv.spawn(program, { args = { '--socket', path }, detached = true, stdio = { nil, nil, nil } }, function()
  end)
  if not handle then
    self.spawn_error = string.format('cannot start %s: %s', program, tostring(pid))
    return false
  end
  handle:unref()
  self.spawned = { program = program, pid = pid }
  return true
end

local AUTOSTART_RETRY_MS, AUTOSTART_TRIES = 100, 50

function Client:_attempt(conn, path, tries)
  local pipe = uv.new_pipe(false)
  conn.pipe = pipe
  local ok, err = pcall(pipe.connect, pipe, path, function(cerr)
    if self.conn ~= conn then
      return
    end
    if cerr then
      local absent = cerr:match('ENOENT') or cerr:match('ECONNREFUSED')
      if not absent or not self.start_daemon then
        return self:_drop(conn, string.format('UNAVAILABLE: cannot connect to %s: %s', path, cerr))
      end
      -- Starting a daemon reads options (vim.fn): not in this fast callback.
      close_handle(pipe)
      conn.pipe = nil
      return vim.schedule(function()
        if self.conn ~= conn then
          return
        end
        if (tries > 0 or self:_spawn_daemon(path)) and tries < AUTOSTART_TRIES then
          -- Wait for the daemon just started; requests keep their own timeouts.
          return vim.defer_fn(function()
            if self.conn == conn then
              self:_attempt(conn, path, tries + 1)
            end
          end, AUTOSTART_RETRY_MS)
        end
        local why = self.spawn_error and '; ' .. self.spawn_error or ''
        self:_drop(conn, string.format('UNAVAILABLE: cannot connect to %s: %s%s', path, cerr, why))
      end)
    end
    conn.state = 'open'
    self.connects = self.connects + 1
    local started = pipe:read_start(function(rerr, chunk)
      self:_read(conn, rerr, chunk)
    end)
    if not started then
      return self:_drop(conn, 'DISCONNECTED: cannot read from ' .. path)
    end
    local queue = conn.queue
    conn.queue = {}
    for _, data in ipairs(queue) do
      self:_send(conn, data)
    end
    run_hooks(self.connect_hooks, self, self.connects > 1)
  end)
  if not ok then
    self:_drop(conn, string.format('UNAVAILABLE: cannot connect to %s: %s', path, err))
  end
end

function Client:_connect()
  local path = self:socket_path()
  local conn = { state = 'connecting', queue = {}, unpacker = vim.mpack.Unpacker(), path = path }
  self.conn = conn
  if type(path) ~= 'string' or path == '' then
    self:_drop(conn, 'UNAVAILABLE: no socket path for cairnd')
    return conn
  end
  self:_attempt(conn, path, 0)
  return conn
end

-- Open the connection now rather than at the first request.
function Client:connect()
  if not self.conn then
    self:_connect()
  end
end

-- Send `method` with named arguments `args` (a map, or nil for none).
-- callback(err, result) is called once from the main loop. Returns the msgid.
function Client:request(method, args, callback, timeout)
  callback = callback or function() end
  local id = self.next_id
  self.next_id = id + 1
  local ok, data = pcall(vim.mpack.encode, { REQUEST, id, method, M.pack_params(args) })
  if not ok then
    vim.schedule(function()
      callback('INVALID_PARAMS: cannot encode arguments of ' .. method .. ': ' .. tostring(data))
    end)
    return id
  end
  timeout = timeout or self.timeout
  local timer = uv.new_timer()
  self.pending[id] = { callback = callback, timer = timer, method = method }
  timer:start(timeout, 0, function()
    self:_finish(id, string.format('TIMEOUT: %s got no reply from cairnd within %d ms', method, timeout))
  end)
  local conn = self.conn or self:_connect()
  if self.pending[id] and self.conn == conn then
    self:_send(conn, data)
  end
  return id
end

-- Send a notification; nothing comes back.
function Client:notify(method, args)
  local conn = self.conn or self:_connect()
  if self.conn == conn then
    self:_send(conn, vim.mpack.encode({ NOTIFICATION, method, M.pack_params(args) }))
  end
end

-- Wait for the reply of `method` and return err, result. Not for fast
-- callbacks; the editor keeps processing events while it waits.
function Client:request_sync(method, args, timeout)
  timeout = timeout or self.timeout
  local done, err, result = false, nil, nil
  self:request(method, args, function(e, r)
    done, err, result = true, e, r
  end, timeout)
  local ok = vim.wait(timeout + 1000, function()
    return done
  end, 5)
  if not ok then
    return string.format('TIMEOUT: %s got no reply from cairnd within %d ms', method, timeout), nil
  end
  return err, result
end

function Client:close()
  if self.conn then
    self:_drop(self.conn, 'DISCONNECTED: connection closed by the client')
  end
end

return M
