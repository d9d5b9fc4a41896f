-- Real nvim-dap, headless: launch threadstates through dap-threads, let it run, pause, open nvim-dap's
-- threads widget and write its lines to a file (tests/observe/test_nvim_threads.py reads them).
--   nvim --headless -u NONE -i NONE -l nvim_threads.lua NVIM_DAP PYTHON PROGRAM OUT
local dap_path, python, program, out = arg[1], arg[2], arg[3], arg[4]
vim.opt.rtp:prepend(dap_path)
local dap = require('dap')
local errors = {}
local notify = vim.notify
vim.notify = function(msg, level, opts)
  if level == vim.log.levels.ERROR then table.insert(errors, msg) end
  return notify(msg, level, opts)
end
local function finish(lines)
  local f = assert(io.open(out, 'w'))
  f:write(table.concat(lines, '\n') .. '\n')
  f:close()
  pcall(dap.terminate)
  vim.wait(3000, function() return dap.session() == nil end, 50)
  vim.cmd('qall!')
end

dap.adapters['dap-threads'] = { type = 'executable', command = python, args = { '-m', 'dap_threads' } }
dap.run({
  type = 'dap-threads', request = 'launch', name = 'threadstates (nvim check)',
  program = program, args = { 'spin', 'read', 'futex', 'sleep' },
})
if not vim.wait(20000, function() return dap.session() ~= nil end, 50) then
  finish({ 'ERROR: no session' })
end
local session = dap.session()
-- Let the program make its threads, and the adapter sample each of the five twice (state and CPU%: every name shows a CPU%), and
-- nvim-dap learn of every thread. Asked, not waited for by the clock: on a busy machine the program
-- starts late and creates its threads slowly.
local sampled = false
vim.wait(30000, function()
  session:request('threads', nil, function(err, response)
    local threads = (not err and response and response.threads) or {}
    local with_cpu, ready = 0, false
    for _, thread in ipairs(threads) do
      if (thread.name or ''):match(' %d+%%') then with_cpu = with_cpu + 1 end
      -- main waits in pause() once every thread is made
      if (thread.name or ''):match('^threadstates .* pause$') then ready = true end
    end
    sampled = ready and #threads >= 5 and with_cpu == #threads
  end)
  return sampled
end, 500)
vim.wait(1000, function() return false end, 100)
local main
for id, thread in pairs(session.threads) do
  if id == session.threads[id].id and (thread.name or ''):match('^threadstates') then main = id end
end
dap.pause(main or next(session.threads))
vim.wait(10000, function() return session.stopped_thread_id ~= nil end, 50)
local widgets = require('dap.ui.widgets')
local view = widgets.sidebar(widgets.threads)
view.open()
vim.wait(5000, function()
  local lines = vim.api.nvim_buf_get_lines(view.buf, 0, -1, false)
  return #lines >= 5 and table.concat(lines, '\n'):match('spin') ~= nil
end, 100)
local lines = vim.api.nvim_buf_get_lines(view.buf, 0, -1, false)
for _, e in ipairs(errors) do table.insert(lines, 'ERROR: ' .. e) end
finish(lines)
