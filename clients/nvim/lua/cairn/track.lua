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

-- Track `path` (default: the project root). Returns err, result, path.
function M.run(path)
  if path and path ~= '' then
    path = util.abspath(vim.fn.expand(path))
  else
    path = M.project_root()
  end
  local err, res = require('cairn').request_sync('files.track', { path = path })
  return err, res, path
end

function M.command(path)
  local cairn = require('cairn')
  local err, _, abs = M.run(path)
  if err then
    return cairn.error(err)
  end
  cairn.notify('tracking ' .. abs)
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
