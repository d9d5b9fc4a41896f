-- The follow features with the real nvim-dap (../shared/vendor/nvim-dap), through the README's snippet:
--   1. :DapThreadsCatch thread stops the launched seed at its next thread creation; nvim-dap knows the new
--      thread (it asks `threads` first) and focuses it; exceptionInfo answers; :DapThreadsCatch off + continue
--      runs it to its end;
--   2. followFork "both": forker's children each open in a child session (nvim-dap's startDebugging handler,
--      reaching the adapter that holds the child through the snippet's `debugServer` route); each child
--      session gets its process and thread, and every session ends;
--   3. :DapThreadsFollowFork answers in gdb's words.
-- Usage: nvim --headless -u NONE -i NONE -l nvim-follow.lua README.md PYTHON NVIM_DAP_DIR TESTDATA_BUILD
-- Prints "ok - ..." / "not ok - ..." per check and "N passed, N failed" last; exit 1 on failure.
local readme, python, vendor, build = arg[1], arg[2], arg[3], arg[4]
local passed, failed = 0, 0
local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    print('ok - ' .. name)
  else
    failed = failed + 1
    print('not ok - ' .. name .. (detail and (': ' .. tostring(detail)) or ''))
  end
end
local function finish()
  print(string.format('%d passed, %d failed', passed, failed))
  io.stdout:flush()
  os.exit(failed == 0 and 0 or 1)
end

vim.opt.rtp:prepend(vendor)
local dap = require('dap')
local notes = {}
vim.notify = function(msg) table.insert(notes, tostring(msg)) end

-- The README's snippet, with this checkout's interpreter.
local text = table.concat(vim.fn.readfile(readme), '\n')
local snippet = text:match('```lua\n(.-)\n```')
snippet = snippet:gsub("local python = 'python3'", 'local python = ' .. vim.inspect(python), 1)
local ok, err = pcall(load(snippet, '=README snippet'))
check('the README snippet runs with the real nvim-dap', ok, err)
if not ok then finish() end

local events = {}
for _, name in ipairs({ 'stopped', 'thread', 'process', 'exited', 'terminated' }) do
  dap.listeners.after['event_' .. name]['follow-check'] = function(session, body)
    table.insert(events, { session = session, event = name, body = body })
  end
end
local function count(name, pred)
  local n = 0
  for _, e in ipairs(events) do
    if e.event == name and (not pred or pred(e)) then n = n + 1 end
  end
  return n
end
local function all_sessions_ended(timeout)
  return vim.wait(timeout, function() return next(dap.sessions()) == nil end, 50)
end

-- ---- 1. stop on a new thread ----
dap.run({ type = 'dap-threads', request = 'launch', name = 'seed (new thread)', program = build .. '/seed',
  args = { '400', '4', '200', '100' } })
vim.wait(10000, function() return count('thread') >= 1 end, 50)
vim.cmd('DapThreadsCatch thread')
local stopped = vim.wait(15000, function() return count('stopped', function(e) return e.body.reason == 'exception' end) >= 1 end, 50)
check('new thread: the program stops at a thread creation', stopped)
local session = dap.session()
local stop
for _, e in ipairs(events) do
  if e.event == 'stopped' and e.body.reason == 'exception' then stop = e.body break end
end
if stop then
  vim.wait(5000, function()
    return session and session.threads[stop.threadId] ~= nil and session.stopped_thread_id == stop.threadId
  end, 50)
  check('new thread: nvim-dap knows the new thread and focuses it',
    session and session.threads[stop.threadId] ~= nil and session.stopped_thread_id == stop.threadId,
    vim.inspect({ stop = stop, focused = session and session.stopped_thread_id }))
  check('new thread: the stop names the creator', stop.description and stop.description:find('created by seed') ~= nil,
    stop.description)
  local info
  session:request('exceptionInfo', { threadId = stop.threadId }, function(e, r) info = r or e end)
  vim.wait(5000, function() return info ~= nil end, 50)
  check('new thread: exceptionInfo answers', info and info.exceptionId == 'new thread', vim.inspect(info))
end
vim.cmd('DapThreadsCatch off')
local answered
if session then
  session:request('evaluate', { expression = 'show follow-fork-mode', context = 'repl' }, function(_, r) answered = r end)
end
vim.wait(5000, function() return answered ~= nil end, 50)
check(':DapThreadsFollowFork speaks gdb (show follow-fork-mode)', answered and answered.result:find('"parent"') ~= nil,
  vim.inspect(answered))
vim.cmd('DapThreadsFollowFork ask')
vim.wait(5000, function()
  for _, n in ipairs(notes) do if n:find('is "ask"') then return true end end
  return false
end, 50)
check(':DapThreadsFollowFork ask is answered', vim.tbl_contains(vim.tbl_map(function(n) return n:find('is "ask"') ~= nil end, notes), true),
  table.concat(notes, ' | '))
vim.cmd('DapThreadsFollowFork parent')
dap.continue()
check('new thread: the program runs to its end once the catchpoint is off', all_sessions_ended(30000))

-- ---- 2. followFork "both": child sessions through startDebugging ----
events = {}
dap.run({ type = 'dap-threads', request = 'launch', name = 'forker (both)', program = build .. '/forker',
  args = { '2', 'thread', '1500' }, followFork = 'both' })
local children = {}
local function collect()
  for _, s in pairs(dap.sessions()) do
    for id, child in pairs(s.children or {}) do children[id] = child end
  end
end
vim.wait(60000, function()
  collect()
  return vim.tbl_count(children) >= 1 and next(dap.sessions()) == nil
end, 20)
check('both: every session ends', next(dap.sessions()) == nil)
-- two forks, posix_spawn's vfork child, the vfork child
check('both: each forked child opened in a child session', vim.tbl_count(children) == 4, vim.tbl_count(children))
local with_threads = 0
for _, child in pairs(children) do
  if count('thread', function(e) return e.session == child and e.body.reason == 'started' end) >= 1
    and count('process', function(e) return e.session == child end) >= 1 then
    with_threads = with_threads + 1
  end
end
check('both: each child session got its process and its thread', with_threads == vim.tbl_count(children), with_threads)
local codes = {}
for _, e in ipairs(events) do
  if e.event == 'exited' then table.insert(codes, e.body.exitCode) end
end
table.sort(codes)
check('both: the children and the parent exit as they would untraced', vim.deep_equal(codes, { 0, 0, 0, 11, 12 }),
  vim.inspect(codes))
finish()
