-- Pickers through vim.ui.select, so telescope-ui-select, fzf-lua or
-- dressing.nvim users get their own picker: search results and tasks.
local util = require('cairn.util')

local M = {}

-- Open `item` (a quickfix-style {filename, lnum, col}) in the current window.
function M.open_item(item)
  vim.cmd('edit ' .. vim.fn.fnameescape(item.filename))
  local last = vim.api.nvim_buf_line_count(0)
  pcall(vim.api.nvim_win_set_cursor, 0, { math.min(item.lnum, last), math.max((item.col or 1) - 1, 0) })
end

function M.format_item(item)
  return string.format('%s:%d:%d: %s', vim.fn.fnamemodify(item.filename, ':~:.'), item.lnum, item.col or 1, item.text or '')
end

-- :Cairn pick {query}: the file results in vim.ui.select; the choice is opened.
function M.search(query)
  require('cairn.search').query(query, function(err, items)
    if err then
      return require('cairn').error(err)
    end
    if #items == 0 then
      return require('cairn').notify('no file matches for ' .. query)
    end
    vim.ui.select(items, { prompt = 'cairn: ' .. query, format_item = M.format_item, kind = 'cairn.search' }, function(item)
      if item then
        M.open_item(item)
      end
    end)
  end)
end

-- :Cairn tasks pick: the tasks in vim.ui.select, then an action on the choice.
function M.tasks()
  local tasks = require('cairn.tasks')
  require('cairn').run('tasks.list', nil, 'loading tasks', function(res)
    local list = res and util.val(res.tasks) or {}
    if #list == 0 then
      return require('cairn').notify('no tasks')
    end
    vim.ui.select(list, { prompt = 'cairn tasks', format_item = tasks.format, kind = 'cairn.tasks' }, function(task)
      if task then
        M.task_action(task)
      end
    end)
  end)
end

-- An action for one task, chosen through vim.ui.select.
function M.task_action(task)
  local tasks = require('cairn.tasks')
  local actions = {
    { name = 'open', run = tasks.open },
    { name = 'done', run = tasks.done },
    { name = 'start timer', run = tasks.start_timer },
  }
  vim.ui.select(actions, {
    prompt = 'task #' .. tostring(task.id),
    format_item = function(a)
      return a.name
    end,
    kind = 'cairn.task_action',
  }, function(action)
    if action then
      action.run(task.id)
    end
  end)
end

return M
