-- Review feedback as diagnostics.
local t = require('helper')

t.it('feedback maps to diagnostics on the right lines with severities', function()
  local bufnr = vim.api.nvim_create_buf(true, false)
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { 'one', 'two', 'three' })
  local diags = require('cairn.reviews').to_diagnostics(bufnr, {
    { line_start = 2, line_end = 3, severity = 'error', title = 'Bad', description = 'why', suggestion = 'fix' },
    { line_start = 9, line_end = 12, severity = 'info', title = 'Past the end', description = vim.NIL },
  })
  t.eq(2, #diags, 'two diagnostics')
  t.eq({ 1, 2, 0, 5 }, { diags[1].lnum, diags[1].end_lnum, diags[1].col, diags[1].end_col }, 'range')
  t.eq(vim.diagnostic.severity.ERROR, diags[1].severity, 'severity')
  t.eq('Bad\nwhy\nSuggestion: fix', diags[1].message, 'message')
  t.eq(2, diags[2].lnum, 'clamped to the last line')
  t.eq(vim.diagnostic.severity.INFO, diags[2].severity, 'info')
end)

t.it('opening a file asks the daemon for its feedback', function()
  t.require_capabilities('reviews')
  local dir = t.tempdir()
  local path = dir .. '/reviewed.txt'
  vim.fn.writefile({ 'a', 'b' }, path)
  local reviews = require('cairn.reviews')
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local other = t.client()
  local res = t.call(other, 'reviews.feedback_for_file', { path = path })
  t.ok(type(res.feedback) == 'table', 'feedback is a list')
  t.ok(t.wait(2000, function()
    return reviews.generation[vim.api.nvim_get_current_buf()] ~= nil
  end), 'BufReadPost asked for feedback')
  t.ok(t.wait(2000, function()
    return #vim.diagnostic.get(0, { namespace = reviews.ns }) == #res.feedback
  end), 'the diagnostics match the daemon\'s feedback')
  t.eq(nil, reviews.error, 'no error')
  other:close()
end)
