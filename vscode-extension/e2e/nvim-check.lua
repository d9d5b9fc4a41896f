-- Runs in real Neovim (nvim -l): loads the Lua snippet of the README (its nvim-dap section) against a stand-in `dap` module
-- (nvim-dap itself cannot be fetched on the test machine), checks what it registers, then drives the
-- adapter through both of the snippet's adapter definitions in the order nvim-dap uses:
--   initialize -> attach (before configurationDone) -> on `initialized`: configurationDone;
--   on each `stopped`: the thread must already be known (thread event or threads response), then
--   threads + stackTrace, as nvim-dap does; later a thread created after the attach must be announced.
-- Usage: nvim --headless -u NONE -l nvim-check.lua README.md PYTHON SEED_PID
-- Prints one "ok - ..." / "not ok - ..." line per check and "N passed, N failed" last; exit 1 on failure.
local nvim_md, python, target_pid = arg[1], arg[2], tonumber(arg[3])
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

-- ---- the snippet, against a stand-in nvim-dap ----
local runs = {}
package.loaded['dap'] = { adapters = {}, configurations = {}, ABORT = {}, run = function(c) table.insert(runs, c) end }
package.loaded['dap.utils'] = { pick_process = function() return target_pid end }
local text = table.concat(vim.fn.readfile(nvim_md), '\n')
local snippet = text:match('```lua\n(.-)\n```')
check('README has a Lua snippet', snippet ~= nil)
if not snippet then finish() end
snippet = snippet:gsub("local python = 'python3'", 'local python = ' .. vim.inspect(python), 1)
local chunk, err = load(snippet, '=README snippet')
check('the snippet compiles', chunk ~= nil, err)
if not chunk then finish() end
local ok, run_err = pcall(chunk)
check('the snippet runs', ok, run_err)
if not ok then finish() end
local dap = package.loaded['dap']
-- Route 1 is a function (a followFork "both" child goes to the adapter that holds it): resolve it.
local function resolve(adapter, config)
  if type(adapter) ~= 'function' then return adapter end
  local resolved
  adapter(function(a) resolved = a end, config)
  return resolved
end
local exe, tcp = resolve(dap.adapters['dap-threads'], {}), dap.adapters['dap-threads-tcp']
check('executable adapter registered', exe and exe.type == 'executable' and exe.command == python
  and vim.deep_equal(exe.args, { '-m', 'dap_threads' }), vim.inspect(exe))
local child = resolve(dap.adapters['dap-threads'], { debugServer = 4711 })
check('a child session of followFork "both" goes to the adapter that holds it',
  child and child.type == 'server' and child.port == 4711 and child.host == '127.0.0.1', vim.inspect(child))
check('server adapter registered', tcp and tcp.type == 'server' and tcp.port == '${port}' and tcp.executable ~= nil, vim.inspect(tcp))
for _, ft in ipairs({ 'c', 'cpp', 'rust', 'go' }) do
  local cs = dap.configurations[ft] or {}
  check('configurations for ' .. ft, #cs == 2 and cs[1].request == 'attach' and cs[2].request == 'launch')
end
vim.cmd('DapThreadsAttach')
vim.cmd('DapThreadsAttach 4242')
check(':DapThreadsAttach runs the attach configuration', #runs == 2 and runs[1].request == 'attach'
  and type(runs[1].pid) == 'function' and runs[2].pid == 4242)

-- ---- a DAP client with nvim-dap's ordering ----
local function dap_session(label, connect)
  local seq, buffer, pending, events = 0, '', {}, {}
  local known, errors, thread_names = {}, {}, {}
  local writer
  local function send(command, arguments, on_response)
    seq = seq + 1
    pending[seq] = on_response or function() end
    local body = vim.json.encode({ seq = seq, type = 'request', command = command, arguments = arguments or vim.empty_dict() })
    writer(string.format('Content-Length: %d\r\n\r\n%s', #body, body))
  end
  local function on_message(msg)
    if msg.type == 'response' then
      local cb = pending[msg.request_seq]
      pending[msg.request_seq] = nil
      if not msg.success then table.insert(errors, msg.command .. ': ' .. tostring(msg.message)) end
      if cb then cb(msg) end
    elseif msg.type == 'event' then
      table.insert(events, msg)
      if msg.event == 'initialized' then
        send('configurationDone', nil, function(r) events.config_done = r.success end)
      elseif msg.event == 'thread' and msg.body.reason == 'started' then
        known[msg.body.threadId] = true
      elseif msg.event == 'stopped' then
        local tid = msg.body.threadId
        if tid ~= nil and not known[tid] then
          table.insert(errors, 'stopped event for unknown thread ' .. tid)
        end
        send('threads', nil, function(r)
          for _, t in ipairs(r.body and r.body.threads or {}) do
            known[t.id] = true
            thread_names[t.id] = t.name
          end
          if tid then
            send('stackTrace', { threadId = tid, startFrame = 0, levels = 20 }, function(st)
              events.stack_ok = st.success
            end)
          end
        end)
      end
    elseif msg.type == 'request' then
      table.insert(errors, 'unexpected reverse request ' .. msg.command)
    end
  end
  local function on_data(data)
    buffer = buffer .. data
    while true do
      local header_end = buffer:find('\r\n\r\n', 1, true)
      if not header_end then return end
      local len = tonumber(buffer:sub(1, header_end):match('Content%-Length: *(%d+)'))
      if #buffer < header_end + 3 + len then return end
      local body = buffer:sub(header_end + 4, header_end + 3 + len)
      buffer = buffer:sub(header_end + 4 + len)
      vim.schedule(function() on_message(vim.json.decode(body)) end)
    end
  end
  local close
  writer, close = connect(on_data)
  if not writer then
    check(label .. ': adapter reachable', false, close)
    return
  end

  local function count(name, pred)
    local n = 0
    for _, e in ipairs(events) do
      if e.event == name and (not pred or pred(e)) then n = n + 1 end
    end
    return n
  end
  local config = vim.deepcopy(dap.configurations.c[1])
  config.type = nil
  config.pid = config.pid() -- nvim-dap evaluates function-valued fields before starting
  config.stopOnAttach = true
  local order = {}
  send('initialize', { clientID = 'neovim', clientName = 'neovim', adapterID = 'nvim-dap', pathFormat = 'path',
    linesStartAt1 = true, columnsStartAt1 = true, supportsRunInTerminalRequest = true, supportsVariableType = true,
    supportsProgressReporting = true, supportsStartDebuggingRequest = true, locale = 'en_US' }, function(r)
    table.insert(order, 'initialize')
    send('attach', config, function(a)
      table.insert(order, 'attach:' .. tostring(a.success) .. (a.success and '' or (':' .. tostring(a.message))))
    end)
  end)
  vim.wait(15000, function() return events.config_done ~= nil and count('stopped') >= 1 and events.stack_ok ~= nil end, 50)
  check(label .. ': attach answered, configurationDone sent after it', order[2] == 'attach:true' and events.config_done == true,
    vim.inspect(order))
  check(label .. ': stopOnAttach stops the threads', count('stopped') >= 1)
  check(label .. ': stackTrace of the stopped thread', events.stack_ok == true)
  local before = vim.tbl_count(known)
  -- resume; a new worker thread (seed makes one every 500 ms) must be announced, then a pause stops it too
  send('continue', { threadId = config.pid })
  local new_tid
  vim.wait(10000, function()
    for _, e in ipairs(events) do
      if e.event == 'thread' and e.body.reason == 'started' and thread_names[e.body.threadId] == nil then
        new_tid = e.body.threadId
        return true
      end
    end
    return false
  end, 50)
  check(label .. ': a thread created after the attach is announced', new_tid ~= nil, 'threads known: ' .. before)
  local stops = count('stopped')
  send('pause', { threadId = config.pid })
  vim.wait(10000, function() return count('stopped') > stops and thread_names[new_tid] ~= nil end, 50)
  check(label .. ': after pause, threads lists the new thread', new_tid and thread_names[new_tid] ~= nil,
    vim.inspect(thread_names))
  local disconnected = false
  send('disconnect', { terminateDebuggee = false }, function(r) disconnected = r.success end)
  vim.wait(10000, function() return disconnected end, 50)
  check(label .. ': disconnect', disconnected)
  check(label .. ': no protocol errors (nvim-dap would report them)', #errors == 0, table.concat(errors, '; '))
  close()
end

local uv = vim.uv or vim.loop

-- Route 1: executable (stdio)
dap_session('executable', function(on_data)
  local stdin, stdout = uv.new_pipe(false), uv.new_pipe(false)
  local handle = uv.spawn(exe.command, { args = exe.args, stdio = { stdin, stdout, nil } }, function() end)
  if not handle then return nil, 'spawn failed' end
  stdout:read_start(function(e, data) if data then on_data(data) end end)
  return function(s) stdin:write(s) end, function()
    stdin:close()
    vim.wait(5000, function() return not uv.is_active(handle) end, 50)
    if uv.is_active(handle) then handle:kill('sigterm') end
  end
end)

-- Route 2: server with executable, as nvim-dap does it (${port} -> a free port)
dap_session('server', function(on_data)
  local probe = uv.new_tcp()
  probe:bind('127.0.0.1', 0)
  local port = probe:getsockname().port
  probe:close()
  local args = vim.tbl_map(function(a) return (a:gsub('%${port}', tostring(port))) end, tcp.executable.args)
  local handle = uv.spawn(tcp.executable.command, { args = args, stdio = { nil, nil, nil } }, function() end)
  if not handle then return nil, 'spawn failed' end
  local client, connected
  vim.wait(10000, function()
    client = uv.new_tcp()
    local done = false
    client:connect(tcp.host, port, function(e)
      connected = e == nil
      done = true
    end)
    vim.wait(1000, function() return done end, 20)
    if not connected then client:close() end
    return connected
  end, 200)
  if not connected then
    handle:kill('sigterm')
    return nil, 'could not connect to port ' .. port
  end
  client:read_start(function(e, data) if data then on_data(data) end end)
  return function(s) client:write(s) end, function()
    client:close()
    handle:kill('sigterm')
  end
end)

finish()
