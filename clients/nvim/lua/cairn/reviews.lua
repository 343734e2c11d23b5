-- Review feedback from cairnd shown as diagnostics, one namespace for all
-- buffers, refreshed on read, on write and on `reviews` events.
local config = require('cairn.config')
local util = require('cairn.util')

local M = {
  ns = vim.api.nvim_create_namespace('cairn_reviews'),
  generation = {},
  error = nil,
}

local severities = {
  error = vim.diagnostic.severity.ERROR,
  warning = vim.diagnostic.severity.WARN,
  info = vim.diagnostic.severity.INFO,
  hint = vim.diagnostic.severity.HINT,
}

-- The absolute path a buffer shows, or nil for buffers that are not files.
function M.buf_path(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  return util.abspath(name)
end

local function clamp(n, lo, hi)
  return math.max(lo, math.min(hi, n))
end

function M.to_diagnostics(bufnr, feedback)
  local last = math.max(vim.api.nvim_buf_line_count(bufnr) - 1, 0)
  local out = {}
  for _, fb in ipairs(util.val(feedback) or {}) do
    local first = clamp((tonumber(util.val(fb.line_start)) or 1) - 1, 0, last)
    local final = clamp((tonumber(util.val(fb.line_end)) or first + 1) - 1, first, last)
    local end_text = vim.api.nvim_buf_get_lines(bufnr, final, final + 1, false)[1] or ''
    local parts = { util.val(fb.title) or 'review feedback' }
    local desc = util.val(fb.description)
    if desc and desc ~= '' then
      table.insert(parts, desc)
    end
    local suggestion = util.val(fb.suggestion)
    if suggestion and suggestion ~= '' then
      table.insert(parts, 'Suggestion: ' .. suggestion)
    end
    table.insert(out, {
      lnum = first,
      end_lnum = final,
      col = 0,
      end_col = #end_text,
      severity = severities[util.val(fb.severity)] or vim.diagnostic.severity.INFO,
      message = table.concat(parts, '\n'),
      source = 'cairn',
      user_data = { cairn = fb },
    })
  end
  return out
end

-- Fetch and publish the feedback for one buffer. callback(err) is optional.
function M.refresh(bufnr, callback)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local path = config.options.diagnostics and M.buf_path(bufnr)
  if not path then
    if callback then
      callback(nil)
    end
    return
  end
  local gen = (M.generation[bufnr] or 0) + 1
  M.generation[bufnr] = gen
  require('cairn').request('reviews.feedback_for_file', { path = path }, function(err, res)
    if M.generation[bufnr] == gen and vim.api.nvim_buf_is_valid(bufnr) then
      M.error = err
      if not err then
        vim.diagnostic.set(M.ns, bufnr, M.to_diagnostics(bufnr, res and res.feedback))
      end
    end
    if callback then
      callback(err)
    end
  end)
end

-- Refresh every loaded file buffer, or only those showing `path`.
function M.refresh_all(path)
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      local p = M.buf_path(bufnr)
      if p and (path == nil or p == path) then
        M.refresh(bufnr)
      end
    end
  end
end

function M.clear(bufnr)
  vim.diagnostic.reset(M.ns, bufnr)
end

function M.attach()
  require('cairn.events').on('reviews', function(ev)
    local path = util.val(ev.path) or util.val(ev.file)
    M.refresh_all(type(path) == 'string' and path or nil)
  end)
end

return M
