-- :Cairn track: ask cairnd to track a directory, by default the project.
local util = require('cairn.util')

local M = {}

-- The git root above `dir` (default: the current directory), else `dir`.
function M.project_root(dir)
  dir = util.abspath(dir or vim.loop.cwd())
  local git = vim.fn.finddir('.git', dir .. ';')
  if git == '' then
    git = vim.fn.findfile('.git', dir .. ';')
  end
  if git == '' then
    return dir
  end
  return vim.fn.fnamemodify(util.abspath(git), ':h')
end

-- The absolute path to track for a :Cairn track argument.
function M.resolve(path)
  if path and path ~= '' then
    return util.abspath(vim.fn.expand(path))
  end
  return M.project_root()
end

function M.command(path)
  local cairn = require('cairn')
  local abs = M.resolve(path)
  cairn.run('files.track', { path = abs }, 'tracking ' .. abs, function()
    cairn.notify('tracking ' .. abs)
  end)
end

-- Track the project without waiting; only failures are reported.
function M.auto()
  local path = M.project_root()
  require('cairn').request('files.track', { path = path }, function(err)
    if err and require('cairn.client').error_code(err) ~= 'UNAVAILABLE' then
      require('cairn').error('auto_track of ' .. path .. ' failed: ' .. err)
    end
  end)
end

return M
