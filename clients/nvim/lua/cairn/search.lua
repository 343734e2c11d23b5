-- :Cairn search: full-text search into the quickfix list, at the matched
-- line and column of each file result.
local config = require('cairn.config')
local util = require('cairn.util')

local M = {}

-- The words of a query as they may appear in text: quotes, prefix stars and
-- excluded (-word) terms left out.
function M.terms(query)
  local out = {}
  for phrase in (query or ''):gmatch('"([^"]+)"') do
    table.insert(out, phrase)
  end
  local rest = (query or ''):gsub('"[^"]*"', ' ')
  for word in rest:gmatch('%S+') do
    if not word:match('^%-') then
      word = word:gsub('%*$', '')
      if word ~= '' then
        table.insert(out, word)
      end
    end
  end
  return out
end

-- The highlighted pieces of a result's snippet.
local function highlighted(r)
  local snippet = util.val(r.snippet)
  local out = {}
  if type(snippet) ~= 'string' then
    return out
  end
  for _, h in ipairs(util.val(r.highlights) or {}) do
    local off, len = tonumber(h[1]), tonumber(h[2])
    if off and len and len > 0 then
      table.insert(out, snippet:sub(off + 1, off + len))
    end
  end
  return out
end

-- The 1-based byte column of the first of `words` in `text` (any case), or nil.
function M.column(text, words)
  if type(text) ~= 'string' then
    return nil
  end
  local lower = text:lower()
  local best
  for _, w in ipairs(words) do
    local at = lower:find(w:lower(), 1, true)
    if at and (not best or at < best) then
      best = at
    end
  end
  return best
end

local function file_line(path, lnum)
  local ok, lines = pcall(vim.fn.readfile, path, '', lnum)
  if ok and type(lines) == 'table' and #lines >= lnum then
    return lines[lnum]
  end
  return nil
end

-- Quickfix items for the results that point into files: the matched line
-- (`line`, else the chunk's first line) and the column of the matched term.
function M.to_items(results, query)
  local items = {}
  local terms = M.terms(query)
  for _, r in ipairs(util.val(results) or {}) do
    local path = util.val(r.path)
    if type(path) == 'string' and path ~= '' then
      local lnum = tonumber(util.val(r.line)) or tonumber(util.val(r.start_line)) or 1
      local text = file_line(path, lnum)
      local col = M.column(text, highlighted(r)) or M.column(text, terms) or 1
      table.insert(items, {
        filename = path,
        lnum = lnum,
        col = col,
        text = util.one_line(text or r.snippet),
      })
    end
  end
  return items
end

-- Send the query; callback(err, items, results) from the main loop.
function M.query(query, callback, limit)
  if not query or query:match('^%s*$') then
    return vim.schedule(function()
      callback('INVALID_PARAMS: :Cairn search needs a query')
    end)
  end
  return require('cairn').request('search.query', { q = query, limit = limit or config.options.search_limit }, function(err, res)
    if err then
      return callback(err)
    end
    local results = res and util.val(res.results) or {}
    callback(nil, M.to_items(results, query), results)
  end)
end

-- Fill the quickfix list when the reply arrives; done(err, n) after that.
function M.run(query, done)
  local cairn = require('cairn')
  local finished = false
  vim.defer_fn(function()
    if not finished then
      vim.api.nvim_echo({ { 'cairn: searching for ' .. query .. '...', 'MoreMsg' } }, false, {})
    end
  end, 100)
  M.query(query, function(err, items)
    finished = true
    if err then
      cairn.error(err)
      return done and done(err)
    end
    vim.fn.setqflist({}, ' ', { title = 'Cairn search: ' .. query, items = items })
    if #items == 0 then
      cairn.notify('no file matches for ' .. query)
    else
      vim.api.nvim_echo({ { '' } }, false, {})
      vim.cmd('botright copen')
    end
    if done then
      done(nil, #items)
    end
  end)
end

function M.command(query)
  M.run(query)
end

return M
