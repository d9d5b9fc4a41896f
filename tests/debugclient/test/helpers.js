'use strict';
// Shared plumbing for the DebugClient suite: where things are, a recorded
// transcript of every DAP message, waiters over it, and cleanup of programs.

const assert = require('assert');
const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const SUITE_DIR = path.resolve(__dirname, '..');
const REPO = path.resolve(SUITE_DIR, '..', '..');
const PYTHON = path.resolve(SUITE_DIR, process.env.PYTHON || path.join('..', '..', '.venv', 'bin', 'python'));
const LAUNCHER = path.join(SUITE_DIR, 'launch_adapter.py');
const BUILD = path.join(REPO, 'testdata', 'build');
const DEFAULT_TIMEOUT = 20000;

function program(name) {
  return path.join(BUILD, name);
}

/** Build the testdata programs (a no-op when they are up to date). */
function buildTestdata() {
  cp.execFileSync('make', ['-s', '-C', path.join(REPO, 'testdata')], { stdio: 'inherit' });
  for (const name of ['seed', 'storm', 'echo_stdin']) {
    assert.ok(fs.existsSync(program(name)), `testdata program missing: ${program(name)}`);
  }
  assert.ok(fs.existsSync(PYTHON), `PYTHON not found: ${PYTHON} (set PYTHON to the venv's python)`);
}

/**
 * A DebugClient spawning the adapter, with every message in and out recorded
 * in `session.log` (so waiters never miss an event that came early, and a
 * failing test can print the exact exchange).
 */
class Session {
  constructor() {
    this.dc = new DebugClient(PYTHON, LAUNCHER, 'dap-threads', { cwd: REPO }, true);
    this.dc.defaultTimeout = DEFAULT_TIMEOUT;
    this.log = []; // {dir: '->' | '<-', t: ms since start, msg}
    this.waiters = [];
    this.t0 = Date.now();
    const dc = this.dc;
    const origDoSend = dc.doSend.bind(dc);
    dc.doSend = (command, args, clb) => {
      // Mirror ProtocolClient.doSend's wire form: no `arguments` when empty.
      const msg = { type: 'request', seq: dc.sequence, command };
      if (args && Object.keys(args).length > 0) msg.arguments = args;
      this._record('->', msg);
      return origDoSend(command, args, clb);
    };
    const origDispatch = dc.dispatch.bind(dc);
    dc.dispatch = (body) => {
      let msg;
      try {
        msg = JSON.parse(body);
      } catch (e) {
        this._record('<-', { unparsable: body });
        throw e;
      }
      this._record('<-', msg);
      if (msg.type === 'request') {
        // DebugClient knows no reverse requests (it would take this for a response): answer it here.
        this._answerReverse(msg);
        return undefined;
      }
      return origDispatch(body);
    };
    /** How this client answers reverse requests, by command: a function of the request returning its body. */
    this.reverseHandlers = {};
  }

  _answerReverse(request) {
    const handler = this.reverseHandlers[request.command];
    const response = { type: 'response', seq: this.dc.sequence++, request_seq: request.seq, command: request.command };
    try {
      if (!handler) throw new Error(`this client does not handle '${request.command}'`);
      response.success = true;
      response.body = handler(request);
    } catch (e) {
      response.success = false;
      response.message = e.message;
    }
    this._record('->', response);
    const json = JSON.stringify(response);
    this.dc.outputStream.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`, 'utf8');
  }

  /**
   * Answers runInTerminal as an editor does, but runs the command itself with pipes for the terminal, so
   * a test can type into it and read its bytes: `this.terminal` = {child, stdout(), stderr(), exited}.
   */
  runInTerminalWithPipes() {
    this.terminalRequests = [];
    this.reverseHandlers.runInTerminal = (request) => {
      const args = request.arguments;
      this.terminalRequests.push(args);
      const env = { ...process.env };
      for (const [k, v] of Object.entries(args.env || {})) {
        if (v === null) delete env[k];
        else env[k] = v;
      }
      const child = cp.spawn(args.args[0], args.args.slice(1), { cwd: args.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
      track(child.pid);
      const out = [];
      const err = [];
      child.stdout.on('data', (d) => out.push(d));
      child.stderr.on('data', (d) => err.push(d));
      const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      this.terminal = { child, exited, stdout: () => Buffer.concat(out), stderr: () => Buffer.concat(err) };
      return { processId: child.pid };
    };
  }

  _record(dir, msg) {
    this.log.push({ dir, t: Date.now() - this.t0, msg });
    for (const w of this.waiters.slice()) w.check();
  }

  start() {
    return this.dc.start();
  }

  /** All messages received from the adapter. */
  received() {
    return this.log.filter((e) => e.dir === '<-').map((e) => e.msg);
  }

  events(name) {
    return this.received().filter((m) => m.type === 'event' && (!name || m.event === name));
  }

  /** Resolves with the result of `predicate()` once it is truthy (checked on every message). */
  waitUntil(predicate, description, timeout = DEFAULT_TIMEOUT) {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          let value;
          try {
            value = predicate();
          } catch (e) {
            cleanup();
            reject(e);
            return;
          }
          if (value) {
            cleanup();
            resolve(value);
          }
        },
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeout} ms waiting for ${description}`));
      }, timeout);
      waiter.cancel = () => {
        cleanup();
        reject(new Error(`stopped waiting for ${description}: the adapter was stopped`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      this.waiters.push(waiter);
      waiter.check();
    });
  }

  /** The first event `name` (received at index >= `from` among events) matching `filter`. */
  waitForEvent(name, filter = () => true, description = `event '${name}'`, timeout = DEFAULT_TIMEOUT) {
    return this.waitUntil(() => this.events(name).find(filter), description, timeout);
  }

  /** Sends a request and resolves with the whole response, success or not. */
  raw(command, args, timeout = DEFAULT_TIMEOUT) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no response to '${command}' within ${timeout} ms`)),
        timeout
      );
      this.dc.doSend(command, args, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  }

  /** Sends a request and resolves with the response; rejects (with the response) on success false. */
  async request(command, args, timeout) {
    const response = await this.raw(command, args, timeout);
    if (!response.success) {
      const err = new Error(`'${command}' failed: ${response.message} ${JSON.stringify(response.body || {})}`);
      err.response = response;
      throw err;
    }
    return response;
  }

  /** initialize, then (concurrently) `startCommand` and configurationDone once `initialized` came. */
  async begin(startCommand, startArgs, initializeExtra = {}) {
    const init = await this.request('initialize', {
      clientID: 'debugclient-suite',
      adapterID: 'dap-threads',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
      supportsRunInTerminalRequest: false,
      ...initializeExtra,
    });
    const configured = this.waitForEvent('initialized').then(() => this.request('configurationDone'));
    const started = this.request(startCommand, startArgs);
    const [startResponse, configResponse] = await Promise.all([started, configured]);
    return { init, startResponse, configResponse };
  }

  /** The transcript, one message a line, for failure reports. */
  transcript(last = 60) {
    const lines = this.log.map((e) => `${String(e.t).padStart(6)}ms ${e.dir} ${JSON.stringify(e.msg)}`);
    const cut = lines.length > last ? [`... (${lines.length - last} earlier messages)`] : [];
    return cut.concat(lines.slice(-last)).join('\n');
  }

  stopAdapter() {
    for (const w of this.waiters.slice()) w.cancel();
    this.dc.stopAdapter();
  }
}

/** Base-protocol shape of every message the adapter sent (DAP ProtocolMessage/Response/Event). */
function checkWireShapes(session) {
  let lastSeq = 0;
  for (const m of session.received()) {
    const where = JSON.stringify(m);
    assert.ok(Number.isInteger(m.seq) && m.seq > lastSeq, `seq must be a rising integer: ${where}`);
    lastSeq = m.seq;
    assert.ok(['response', 'event', 'request'].includes(m.type), `type must be response, event or (reverse) request: ${where}`);
    if (m.type === 'request') {
      assert.strictEqual(typeof m.command, 'string', `reverse request without command: ${where}`);
    } else if (m.type === 'response') {
      assert.strictEqual(typeof m.request_seq, 'number', `response without request_seq: ${where}`);
      assert.strictEqual(typeof m.success, 'boolean', `response without success: ${where}`);
      assert.strictEqual(typeof m.command, 'string', `response without command: ${where}`);
      if (!m.success) {
        assert.strictEqual(typeof m.message, 'string', `error response without message: ${where}`);
        // The schema's ErrorResponse requires `body` (an object).
        assert.ok(m.body && typeof m.body === 'object', `error response without body: ${where}`);
      }
    } else {
      assert.strictEqual(typeof m.event, 'string', `event without name: ${where}`);
      if (m.event === 'thread') {
        assert.ok(['started', 'exited'].includes(m.body.reason), `thread reason: ${where}`);
        assert.ok(Number.isInteger(m.body.threadId) && m.body.threadId > 0, `thread id: ${where}`);
      }
    }
  }
}

// ---- programs the tests start, and cleanup --------------------------------------------------

const tracked = new Set(); // pids of test programs (ours or the adapter's)

function track(pid) {
  if (Number.isInteger(pid) && pid > 0) tracked.add(pid);
}

/** Kills every tracked program still running (only if it is still one of our testdata programs). */
function killLeftovers() {
  for (const pid of tracked) {
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    } catch (e) {
      tracked.delete(pid);
      continue;
    }
    if (cmdline.startsWith(BUILD + path.sep)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (e) {
        /* already gone */
      }
    }
    tracked.delete(pid);
  }
}

/**
 * Spawns a testdata program with piped output; `proc.stdoutText()` is what it
 * printed so far, `proc.exited` resolves to {code, signal}.
 */
function spawnProgram(name, args) {
  const child = cp.spawn(program(name), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited, stdoutText: () => out, stderrText: () => err };
}

/** Polls `fn` every 20 ms until it returns a truthy value. */
async function poll(fn, description, timeout = DEFAULT_TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${description}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `promise`, or a rejection after `timeout` ms (the timer is cleared either way). */
async function withTimeout(promise, timeout, description) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms waiting for ${description}`)), timeout);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses seed's "process: PID, thread: TID" lines. */
function seedLines(text) {
  const lines = [];
  for (const m of text.matchAll(/^process: (\d+), thread: (\d+)$/gm)) {
    lines.push({ pid: Number(m[1]), tid: Number(m[2]) });
  }
  return lines;
}

module.exports = {
  PYTHON,
  LAUNCHER,
  BUILD,
  DEFAULT_TIMEOUT,
  program,
  buildTestdata,
  Session,
  checkWireShapes,
  track,
  killLeftovers,
  spawnProgram,
  poll,
  withTimeout,
  seedLines,
};
