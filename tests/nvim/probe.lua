-- Exit 0 if the socket given as the first file argument accepts a
-- connection within one second, else 1.
local path = vim.fn.argv(0)
local result
local pipe = vim.loop.new_pipe(false)
pipe:connect(path, function(err)
  result = err == nil
end)
vim.wait(1000, function()
  return result ~= nil
end, 5)
pipe:close()
vim.cmd(result and 'qall!' or 'cquit 1')
