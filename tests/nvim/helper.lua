-- Test harness for the Neovim plugin specs. A spec is a Lua file run by
-- helper.main(path) inside `nvim --headless`; it exits 0 on success, 77 when
-- skipped, 1 on failure.
local M = {}

local SKIP = {}

local function out(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end

function M.log(fmt, ...)
  out('  ' .. string.format(fmt, ...))
end

function M.fail(msg)
  error(msg, 2)
end

function M.ok(cond, msg)
  if not cond then
    error('expected: ' .. (msg or 'condition'), 2)
  end
  return cond
end

function M.eq(want, got, msg)
  if not vim.deep_equal(want, got) then
    error(string.format('%s: want %s, got %s', msg or 'values differ', vim.inspect(want), vim.inspect(got)), 2)
  end
end

function M.match(s, pattern, msg)
  if type(s) ~= 'string' or not s:match(pattern) then
    error(string.format('%s: %s does not match %q', msg or 'no match', vim.inspect(s), pattern), 2)
  end
end

function M.skip(reason)
  error({ [SKIP] = reason }, 0)
end

-- Poll `cond` (processing events) for up to `ms`; true if it held.
function M.wait(ms, cond)
  return vim.wait(ms, cond, 10)
end

function M.socket()
  return M.ok(os.getenv('CAIRN_SOCKET'), '$CAIRN_SOCKET is set')
end

-- A client of its own, apart from the plugin's shared one.
function M.client(timeout)
  return require('cairn.client').new({ socket = M.socket(), timeout = timeout or 2000 })
end

-- Call and require success; returns the result.
function M.call(client, method, args, timeout)
  local err, res = client:request_sync(method, args, timeout)
  if err then
    error(string.format('%s failed: %s', method, err), 2)
  end
  return res
end

local caps
function M.capabilities()
  if not caps then
    local hello = M.call(M.client(), 'daemon.hello', nil)
    caps = {}
    for _, c in ipairs(hello.capabilities or {}) do
      caps[c] = true
    end
  end
  return caps
end

-- Skip the spec unless the daemon offers every named capability.
function M.require_capabilities(...)
  local have = M.capabilities()
  for _, c in ipairs({ ... }) do
    if not have[c] then
      M.skip(string.format('daemon.hello lists no "%s" capability', c))
    end
  end
end

-- Run the tests/nvim/daemon.sh control script: start, stop, restart, pid.
function M.daemon(cmd)
  local ctl = M.ok(os.getenv('CAIRN_TEST_CTL'), '$CAIRN_TEST_CTL is set')
  local output = vim.fn.system({ ctl, cmd })
  if vim.v.shell_error ~= 0 then
    error(string.format('daemon.sh %s failed (%d): %s', cmd, vim.v.shell_error, output), 2)
  end
  return vim.trim(output)
end

-- Collect what vim.notify shows; returns the list it appends to.
function M.capture_notify()
  local seen = {}
  vim.notify = function(msg, level)
    table.insert(seen, { msg = msg, level = level })
  end
  return seen
end

-- Wait (processing events) until `seen` holds at least n messages; true if so.
function M.notified(seen, n, ms)
  return vim.wait(ms or 3000, function()
    return #seen >= (n or 1)
  end, 10)
end

-- Replace vim.ui.select: `choose(items, opts)` returns the item to pick (nil
-- cancels). Returns the list of {items, opts} it was called with.
function M.stub_select(choose)
  local calls = {}
  vim.ui.select = function(items, opts, on_choice)
    table.insert(calls, { items = items, opts = opts })
    on_choice(choose(items, opts))
  end
  return calls
end

-- Wait until the plugin's client has subscribed to `topic`.
function M.subscribed(topic)
  require('cairn').request_sync('daemon.ping', nil)
  return vim.wait(3000, function()
    return vim.tbl_contains(require('cairn.events').topics, topic)
  end, 10)
end

-- A fresh temporary directory.
function M.tempdir()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, 'p')
  return vim.loop.fs_realpath(dir)
end

local cases = {}

-- Register a named case of the current spec.
function M.it(name, fn)
  table.insert(cases, { name = name, fn = fn })
end

function M.main(path)
  package.loaded.helper = M
  local name = vim.fn.fnamemodify(path, ':t:r')
  local ok, err = xpcall(function()
    dofile(path)
    for _, case in ipairs(cases) do
      out(string.format('%s: %s', name, case.name))
      case.fn()
    end
  end, function(e)
    if type(e) == 'table' and e[SKIP] then
      return e
    end
    return debug.traceback(tostring(e), 2)
  end)
  if ok then
    out(string.format('PASS %s', name))
    vim.cmd('qall!')
  elseif type(err) == 'table' and err[SKIP] then
    out(string.format('SKIP %s: %s', name, err[SKIP]))
    vim.cmd('cquit 77')
  else
    out(string.format('FAIL %s: %s', name, err))
    vim.cmd('cquit 1')
  end
end

return M
