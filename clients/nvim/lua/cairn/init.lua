-- The cairn plugin: one shared client, setup, and the entry points other
-- modules and users call.
local config = require('cairn.config')

local M = {}

local shared

-- The cairnd to start when autostart is on and nothing listens: the
-- configured path, else `cairnd` on PATH; nil when autostart is off.
function M.daemon_program()
  local o = config.options
  if not o.autostart then
    return nil
  end
  if type(o.cairnd) == 'string' and o.cairnd ~= '' then
    return vim.fn.expand(o.cairnd)
  end
  local found = vim.fn.exepath('cairnd')
  if found == '' then
    return nil, 'autostart found no cairnd on $PATH (set the cairnd option to its path)'
  end
  return found
end

-- The plugin's client, created (not connected) on first use.
function M.client()
  if not shared then
    shared = require('cairn.client').new({
      socket = config.socket_path,
      timeout = config.options.timeout,
      start_daemon = M.daemon_program,
    })
    require('cairn.events').attach(shared)
    require('cairn.timer').attach()
    require('cairn.reviews').attach()
    require('cairn.tasks').attach()
    require('cairn.inbox').attach()
  end
  return shared
end

function M.setup(opts)
  local options = config.set(opts)
  if shared then
    shared.timeout = options.timeout
    shared:close()
  end
  if options.auto_track then
    if vim.v.vim_did_enter == 1 then
      require('cairn.track').auto()
    else
      vim.api.nvim_create_autocmd('VimEnter', {
        group = vim.api.nvim_create_augroup('cairn_auto_track', { clear = true }),
        once = true,
        callback = function()
          require('cairn.track').auto()
        end,
      })
    end
  end
  return options
end

-- Asynchronous request: callback(err, result) runs on the main loop.
function M.request(method, args, callback, timeout)
  return M.client():request(method, args, callback, timeout or config.options.timeout)
end

-- Synchronous request for scripts and tests: returns err, result. It waits
-- (up to the timeout) and so holds the editor; no :Cairn command uses it.
function M.request_sync(method, args, timeout)
  return M.client():request_sync(method, args, timeout or config.options.timeout)
end

-- A command's request: shows `progress` while waiting (when it takes longer
-- than a moment), reports an error as "cairn: CODE: message", else calls
-- on_ok(result). Returns at once; the editor keeps running meanwhile.
function M.run(method, args, progress, on_ok)
  local done = false
  if progress then
    vim.defer_fn(function()
      if not done then
        vim.api.nvim_echo({ { 'cairn: ' .. progress .. '...', 'MoreMsg' } }, false, {})
      end
    end, 100)
  end
  return M.request(method, args, function(err, res)
    done = true
    if err then
      return M.error(err)
    end
    if progress then
      vim.api.nvim_echo({ { '' } }, false, {})
    end
    if on_ok then
      on_ok(res)
    end
  end)
end

function M.notify(msg, level)
  vim.notify('cairn: ' .. msg, level or vim.log.levels.INFO)
end

function M.error(msg)
  M.notify(msg, vim.log.levels.ERROR)
end

-- fn(event) for every event on `topic` ("*" for all topics).
function M.on_event(topic, fn)
  require('cairn.events').on(topic, fn)
end

-- The running time session with its current elapsed_ms, or nil.
function M.timer()
  return require('cairn.timer').current()
end

-- Text for the statusline; never waits for the daemon.
function M.statusline()
  return require('cairn.timer').statusline()
end

return M
