-- Options of the cairn plugin and where the daemon's socket is.
local M = {}

M.defaults = {
  socket = nil,
  timeout = 2000,
  auto_track = false,
  diagnostics = true,
  topics = { 'tasks', 'time', 'reviews', 'files', 'approvals', 'notifications' },
  search_limit = 200,
  refresh_ms = 60000,
  -- Start cairnd when nothing listens on the socket (off by default).
  autostart = false,
  -- The cairnd to start: a path, else `cairnd` found on PATH.
  cairnd = nil,
}

M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  return M.options
end

local function nonempty(s)
  return type(s) == 'string' and s ~= '' and s or nil
end

-- The socket path and the name of the setting it came from.
function M.socket_path()
  local p = nonempty(M.options.socket)
  if p then
    return p, 'setup{socket}'
  end
  p = nonempty(vim.g.cairn_socket)
  if p then
    return p, 'g:cairn_socket'
  end
  p = nonempty(os.getenv('CAIRN_SOCKET'))
  if p then
    return p, '$CAIRN_SOCKET'
  end
  local runtime = nonempty(os.getenv('XDG_RUNTIME_DIR'))
  if runtime then
    return runtime .. '/cairn/cairnd.sock', '$XDG_RUNTIME_DIR'
  end
  return string.format('/tmp/cairn-%d/cairnd.sock', vim.loop.getuid()), 'default'
end

return M
