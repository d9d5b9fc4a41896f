-- Real nvim-dap (../shared/vendor/nvim-dap, test input only) driving dap-threads in headless Neovim. The README's
-- snippet is saved and sourced as a user does (with its `python` line pointing at an interpreter that has the
-- adapter); the only stub is `pick_process`, which returns the pid instead of asking. Over stdio and over
-- --listen: attach with :DapThreadsAttach, the threads widget lists every thread and then a new one,
-- :DapPause (answering nvim-dap's "Which thread?" prompt as a user types), a stackTrace in the frames widget,
-- :DapContinue, :DapDisconnect; a launch ended with :DapTerminate; a launch in nvim-dap's terminal
-- (runInTerminal) that reads what is typed. nvim-dap's own notifications are captured: none may be an error.
-- Usage: nvim --headless -u NONE -i NONE -l nvim-dap-check.lua README PYTHON SEED_PID NVIM_DAP SEED ECHO_STDIN CONFIG_DIR
-- Prints "ok - ..." / "not ok - ..." per check and "N passed, N failed" last; exit 1 on failure.
local readme, python, target_pid, vendor, seed, echo_stdin, config_dir =
  arg[1], arg[2], tonumber(arg[3]), arg[4], arg[5], arg[6], arg[7]
local passed, failed = 0, 0
local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    print('ok - ' .. name)
  else
    failed = failed + 1
    print('not ok - ' .. name .. (detail and (': ' .. tostring(detail)) or ''))
  end
  io.stdout:flush()
  return ok
end
local function finish()
  print(string.format('%d passed, %d failed', passed, failed))
  io.stdout:flush()
  os.exit(failed == 0 and 0 or 1)
end
local function wait(ms, pred) return vim.wait(ms, pred, 50) end

-- ---- nvim-dap, its notifications, and the one stub ----
vim.opt.rtp:prepend(vendor)
vim.cmd('runtime! plugin/dap.lua')
local notes = {}
vim.notify = function(msg, level) table.insert(notes, { msg = tostring(msg), level = level or vim.log.levels.INFO }) end
require('dap.utils').pick_process = function() return target_pid end

-- ---- the README snippet, saved where a user keeps it, with its python line edited ----
local text = table.concat(vim.fn.readfile(readme), '\n')
local snippet = text:match('```lua\n(.-)\n```')
if not check('README has a Lua snippet', snippet ~= nil) then finish() end
local edited, n = snippet:gsub("local python = 'python3'", 'local python = ' .. vim.inspect(python), 1)
check('the snippet names its interpreter in one line a user edits', n == 1)
local file = config_dir .. '/after/plugin/dap-threads.lua'
vim.fn.mkdir(vim.fn.fnamemodify(file, ':h'), 'p')
vim.fn.writefile(vim.split(edited, '\n'), file)
local ok, err = pcall(vim.cmd.source, file)
if not check('the snippet loads with nvim-dap', ok, err) then finish() end
local dap = require('dap')
check('both adapters and the C configurations are registered', dap.adapters['dap-threads'] and dap.adapters['dap-threads-tcp']
  and #(dap.configurations.c or {}) == 2)

local widgets = require('dap.ui.widgets')
local function lines_of(view) return vim.api.nvim_buf_get_lines(view.buf, 0, -1, false) end
local function tids(pid)
  local out = {}
  for _, t in ipairs(vim.fn.readdir('/proc/' .. pid .. '/task')) do out[#out + 1] = tonumber(t) end
  return out
end
local function listed(view, tid)
  for _, l in ipairs(lines_of(view)) do
    if l:find('(' .. tid .. ')', 1, true) then return true end
  end
  return false
end
local function tracer_of(pid)
  for _, l in ipairs(vim.fn.readfile('/proc/' .. pid .. '/status')) do
    local t = l:match('^TracerPid:%s*(%d+)')
    if t then return tonumber(t) end
  end
end

-- ---- attach, watch, pause, frames, continue, disconnect ----
local function attach_session(label, start)
  start()
  if not check(label .. ': a session starts', wait(20000, function() return dap.session() ~= nil end)) then return end
  local session = dap.session()
  local threads = widgets.sidebar(widgets.threads)
  threads.open()
  local first = tids(target_pid)
  check(label .. ': the threads widget lists every thread of the program',
    wait(20000, function() threads.refresh(); return vim.iter(first):all(function(t) return listed(threads, t) end) end),
    table.concat(lines_of(threads), ' | '))
  local known = {}
  for _, t in ipairs(first) do known[t] = true end
  local new_tid
  check(label .. ': a thread created after the attach appears in it', wait(20000, function()
    threads.refresh()
    for _, t in ipairs(tids(target_pid)) do
      if not known[t] and listed(threads, t) then new_tid = t; return true end
    end
    return false
  end), table.concat(lines_of(threads), ' | '))
  -- :DapPause asks "Which thread?" (vim.ui.select): the user types 1 and Enter.
  vim.api.nvim_feedkeys('1\r', 't', false)
  vim.cmd('DapPause')
  check(label .. ': :DapPause stops the program', wait(20000, function() return session.stopped_thread_id ~= nil end))
  local frames = widgets.sidebar(widgets.frames)
  frames.open()
  -- A refresh re-requests the stack and redraws when the answer comes: refreshing on every 50 ms poll
  -- on a loaded machine kept the widget mid-redraw at each look (empty, or three stacks at once).
  local refreshed = 0
  check(label .. ': the frames widget shows the stopped thread\'s stackTrace', wait(20000, function()
    if vim.uv.now() - refreshed > 1000 then frames.refresh(); refreshed = vim.uv.now() end
    local shown = table.concat(lines_of(frames), '\n')
    return shown ~= '' and not shown:find('Not stopped') and not shown:find('not found') and not shown:find('No active')
  end), table.concat(lines_of(frames), ' | '))
  vim.cmd('DapContinue')
  check(label .. ': :DapContinue resumes it', wait(20000, function() return session.stopped_thread_id == nil end))
  vim.cmd('DapDisconnect')
  check(label .. ': :DapDisconnect detaches; the program runs on', wait(20000, function()
    return dap.session() == nil and tracer_of(target_pid) == 0
  end), 'tracer ' .. tostring(tracer_of(target_pid)))
  frames.close(); threads.close()
  return new_tid
end

attach_session('stdio', function() vim.cmd('DapThreadsAttach') end)
attach_session('--listen', function()
  local config = vim.deepcopy(dap.configurations.c[1])
  config.type = 'dap-threads-tcp'
  dap.run(config)
end)

-- ---- launch, then :DapTerminate ----
local launch = vim.deepcopy(dap.configurations.c[2])
launch.program, launch.args = seed, { '300', '-1', '-1', '600000' }
dap.run(launch)
local pid
check('launch: the program starts', wait(20000, function()
  local s = dap.session()
  pid = s and s.threads and next(s.threads) and vim.fn.min(vim.tbl_keys(s.threads))
  return pid ~= nil and pid > 0
end))
vim.cmd('DapTerminate')
check('launch: :DapTerminate ends it', wait(20000, function()
  return dap.session() == nil and (pid == nil or vim.fn.isdirectory('/proc/' .. pid) == 0)
end))

-- ---- launch in nvim-dap's terminal (runInTerminal): the program reads what is typed ----
local term = vim.deepcopy(dap.configurations.c[2])
term.name = 'echo in the terminal'
term.program, term.args, term.console = echo_stdin, { 'type> ' }, 'integratedTerminal'
local exit_code
-- Only this session's: the launch session above, ended by :DapTerminate, may still report its own exit
-- (143, SIGTERM) once this one has started, on a loaded machine.
dap.listeners.after.event_exited['nvim-dap-check'] = function(session, body)
  if session.config and session.config.name == term.name then exit_code = body.exitCode end
end
dap.run(term)
local buf
check('terminal: nvim-dap runs the program in its terminal', wait(20000, function()
  local s = dap.session()
  buf = s and s.term_buf
  return buf ~= nil and table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'):find('type> ') ~= nil
end))
if buf then
  local chan = vim.bo[buf].channel
  vim.fn.chansend(chan, 'hello from neovim\n')
  vim.wait(500)
  vim.fn.chansend(chan, '\004') -- Ctrl-D: the end of input
  local screen = ''
  check('terminal: what is typed is read and echoed; the exit status comes back', wait(20000, function()
    screen = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
    return exit_code ~= nil and screen:find('echo_stdin: 18 bytes, 1 lines', 1, true) ~= nil
  end) and exit_code == 1, 'exit ' .. tostring(exit_code) .. ', screen: ' .. screen)
end

-- ---- nvim-dap said nothing was wrong ----
local errors = {}
for _, note in ipairs(notes) do
  if note.level >= vim.log.levels.ERROR then table.insert(errors, note.msg) end
end
check('nvim-dap reported no error', #errors == 0, table.concat(errors, ' / '))
if #notes > 0 then
  print('# nvim-dap notifications:')
  for _, note in ipairs(notes) do print('#   [' .. note.level .. '] ' .. note.msg:gsub('\n', ' ')) end
end
finish()
