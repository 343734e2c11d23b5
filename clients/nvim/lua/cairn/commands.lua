-- The :Cairn command: one table of subcommands and their completion.
local M = {}

local function cairn()
  return require('cairn')
end

-- Lines "key: value" for a decoded map, nested maps with dotted keys.
function M.describe(value, prefix, out)
  out = out or {}
  prefix = prefix or ''
  if type(value) ~= 'table' or vim.tbl_islist(value) then
    table.insert(out, prefix .. ': ' .. vim.inspect(value, { newline = ' ', indent = '' }))
    return out
  end
  local keys = vim.tbl_keys(value)
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  for _, k in ipairs(keys) do
    local v = value[k]
    local name = prefix == '' and tostring(k) or prefix .. '.' .. tostring(k)
    if type(v) == 'table' and not vim.tbl_islist(v) and next(v) ~= nil then
      M.describe(v, name, out)
    elseif v == vim.NIL then
      table.insert(out, name .. ': nil')
    elseif type(v) == 'table' then
      table.insert(out, name .. ': ' .. vim.inspect(v, { newline = ' ', indent = '' }))
    else
      table.insert(out, name .. ': ' .. tostring(v))
    end
  end
  return out
end

local function show(title, result)
  local chunks = { { 'cairn ' .. title .. '\n', 'Title' } }
  for _, line in ipairs(M.describe(result or {})) do
    table.insert(chunks, { line .. '\n' })
  end
  vim.api.nvim_echo(chunks, true, {})
end

local function call_and_show(method, title)
  cairn().run(method, nil, method, function(res)
    show(title, res)
  end)
end

local function task_id(arg)
  local id = tonumber(arg)
  if not id or id ~= math.floor(id) then
    return nil
  end
  return id
end

-- Completion never waits for the daemon: ids of the last task list fetched.
local function task_ids()
  return require('cairn.tasks').known_ids()
end

-- Run fn(id) on a task id argument, or say what is missing.
local function with_task_id(usage, fn)
  return function(args)
    local id = task_id(args[1])
    if not id then
      return cairn().error('INVALID_PARAMS: :Cairn ' .. usage .. ' needs a task id')
    end
    fn(id)
  end
end

local function decide(decision)
  return function(args, rest)
    local note = rest:gsub('^%S+%s*', '', 1)
    require('cairn.inbox').decide(args[1], decision, note)
  end
end

M.subcommands = {
  search = {
    run = function(_, rest)
      require('cairn.search').command(rest)
    end,
  },
  pick = {
    run = function(_, rest)
      if rest == '' then
        return cairn().error('INVALID_PARAMS: :Cairn pick needs a query')
      end
      require('cairn.picker').search(rest)
    end,
  },
  live = {
    run = function(_, rest)
      require('cairn.live').open(rest)
    end,
  },
  track = {
    run = function(args)
      require('cairn.track').command(args[1])
    end,
    complete = function(lead)
      return vim.fn.getcompletion(lead, 'dir')
    end,
  },
  tasks = {
    run = function()
      require('cairn.tasks').show()
    end,
    subcommands = {
      pick = {
        run = function()
          require('cairn.picker').tasks()
        end,
      },
    },
  },
  task = {
    subcommands = {
      add = {
        run = function(_, rest)
          require('cairn.tasks').add(rest)
        end,
      },
      done = { run = with_task_id('task done', require('cairn.tasks').done), complete = task_ids },
      open = { run = with_task_id('task open', require('cairn.tasks').open), complete = task_ids },
    },
  },
  timer = {
    run = function()
      local timer = require('cairn.timer')
      cairn().run('time.active', nil, 'time.active', function(res)
        timer.set(res and res.session)
        local line = timer.statusline()
        cairn().notify(line ~= '' and 'timer ' .. line or 'no timer running')
      end)
    end,
    subcommands = {
      start = {
        run = with_task_id('timer start', require('cairn.tasks').start_timer),
        complete = task_ids,
      },
      stop = {
        run = function()
          cairn().run('time.stop', nil, 'stopping timer', function()
            require('cairn.timer').set(nil)
            require('cairn.timer').refresh()
            cairn().notify('timer stopped')
          end)
        end,
      },
    },
  },
  approve = { run = decide('approve') },
  reject = { run = decide('reject') },
  approvals = {
    run = function()
      require('cairn.inbox').pick_approvals()
    end,
  },
  inbox = {
    run = function()
      require('cairn.inbox').pick_inbox()
    end,
  },
  status = {
    run = function()
      call_and_show('daemon.status', 'status')
    end,
  },
  hello = {
    run = function()
      call_and_show('daemon.hello', 'hello')
    end,
  },
  ping = {
    run = function()
      local started = vim.loop.hrtime()
      cairn().run('daemon.ping', nil, nil, function()
        cairn().notify(string.format('pong in %.1f ms', (vim.loop.hrtime() - started) / 1e6))
      end)
    end,
  },
}

local function sorted_names(tbl)
  local names = vim.tbl_keys(tbl or {})
  table.sort(names)
  return names
end

-- Run ":Cairn {line}". Returns false if the line names no subcommand.
function M.run(line)
  local words = vim.split(vim.trim(line or ''), '%s+', { trimempty = true })
  local node = { subcommands = M.subcommands }
  local depth = 0
  while node.subcommands and words[depth + 1] and node.subcommands[words[depth + 1]] do
    depth = depth + 1
    node = node.subcommands[words[depth]]
  end
  if depth == 0 or not node.run then
    local choices = table.concat(sorted_names(node.subcommands), ', ')
    cairn().error(string.format('unknown command "%s"; expected one of: %s', line or '', choices))
    return false
  end
  local rest = vim.trim(line)
  for _ = 1, depth do
    rest = rest:gsub('^%S+%s*', '', 1)
  end
  node.run(vim.list_slice(words, depth + 1), rest)
  return true
end

function M.complete(lead, cmdline)
  local args = cmdline:gsub('^%s*%S+%s*', '', 1)
  local words = vim.split(args, '%s+', { trimempty = true })
  if lead ~= '' then
    table.remove(words)
  end
  local node = { subcommands = M.subcommands }
  for _, w in ipairs(words) do
    node = node.subcommands and node.subcommands[w]
    if not node then
      return {}
    end
  end
  local out = {}
  for _, name in ipairs(sorted_names(node.subcommands)) do
    if vim.startswith(name, lead) then
      table.insert(out, name)
    end
  end
  if node.complete then
    for _, c in ipairs(node.complete(lead)) do
      if vim.startswith(c, lead) then
        table.insert(out, c)
      end
    end
  end
  return out
end

return M
