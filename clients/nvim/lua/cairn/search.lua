-- :Cairn search: full-text search into the quickfix list.
local config = require('cairn.config')
local util = require('cairn.util')

local M = {}

-- Quickfix items for the results that point into files.
function M.to_items(results)
  local items = {}
  for _, r in ipairs(util.val(results) or {}) do
    local path = util.val(r.path)
    if type(path) == 'string' and path ~= '' then
      table.insert(items, {
        filename = path,
        lnum = tonumber(util.val(r.start_line)) or 1,
        end_lnum = tonumber(util.val(r.end_line)),
        text = util.one_line(r.snippet),
      })
    end
  end
  return items
end

-- Run the query; returns the number of file results, or nil and the error.
function M.run(query)
  if not query or query:match('^%s*$') then
    return nil, 'INVALID_PARAMS: :Cairn search needs a query'
  end
  local cairn = require('cairn')
  local err, res = cairn.request_sync('search.query', { q = query, limit = config.options.search_limit })
  if err then
    return nil, err
  end
  local items = M.to_items(res and res.results)
  vim.fn.setqflist({}, ' ', { title = 'Cairn search: ' .. query, items = items })
  return #items
end

function M.command(query)
  local cairn = require('cairn')
  local n, err = M.run(query)
  if not n then
    return cairn.error(err)
  end
  if n == 0 then
    return cairn.notify('no file matches for ' .. query)
  end
  vim.cmd('botright copen')
end

return M
