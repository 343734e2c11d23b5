-- The cairn plugin: one shared client, setup, and the entry points other
-- modules and users call.
local config = require('cairn.config')

local M = {}

local shared

-- The plugin's client, created (not connected) on first use.
function M.client()
  if not shared then
    shared = require('cairn.client').new({
      socket = config.socket_path,
      timeout = config.options.timeout,
    })
    require('cairn.events').attach(shared)
    require('cairn.timer').attach()
    require('cairn.reviews').attach()
    require('cairn.tasks').attach()
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

-- Synchronous request for commands: returns err, result.
function M.request_sync(method, args, timeout)
  return M.client():request_sync(method, args, timeout or config.options.timeout)
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
