-- Small helpers for values decoded from msgpack.
local M = {}

-- nil for msgpack nil (vim.NIL), else the value.
function M.val(v)
  if v == vim.NIL then
    return nil
  end
  return v
end

-- One line of text: newlines and tabs become spaces.
function M.one_line(s)
  s = M.val(s)
  if s == nil then
    return ''
  end
  return (tostring(s):gsub('[\r\n\t]+', ' '))
end

-- An absolute path without a trailing slash.
function M.abspath(p)
  local abs = vim.fn.fnamemodify(p, ':p')
  if #abs > 1 then
    abs = abs:gsub('/+$', '')
  end
  return abs
end

return M
