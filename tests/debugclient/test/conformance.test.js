'use strict';
// The second, independent DAP conformance suite: dap-threads driven by VS Code's
// DebugClient (@vscode/debugadapter-testsupport) over stdin/stdout.

const assert = require('assert');
const fs = require('fs');
const h = require('./helpers');

/** started/exited thread events: no duplicates, no exit before start. */
function checkThreadEventOrder(s) {
  const started = new Set();
  const exited = new Set();
  for (const ev of s.events('thread')) {
    const { reason, threadId } = ev.body;
    if (reason === 'started') {
      assert.ok(!started.has(threadId), `second 'started' for thread ${threadId}: ${JSON.stringify(ev)}`);
      started.add(threadId);
    } else if (reason === 'exited') {
      assert.ok(started.has(threadId), `'exited' before 'started' for thread ${threadId}: ${JSON.stringify(ev)}`);
      assert.ok(!exited.has(threadId), `second 'exited' for thread ${threadId}: ${JSON.stringify(ev)}`);
      exited.add(threadId);
    }
  }
  return { started, exited };
}

function startedIds(s) {
  return new Set(s.events('thread').filter((e) => e.body.reason === 'started').map((e) => e.body.threadId));
}

describe('dap-threads under DebugClient', function () {
  let s = null;

  before(function () {
    this.timeout(120000);
    h.buildTestdata();
  });

  afterEach(function () {
    if (s) {
      if (this.currentTest && this.currentTest.state === 'failed') {
        console.log(`\n--- DAP exchange of the failed test "${this.currentTest.title}" ---\n${s.transcript()}\n---`);
      }
      s.stopAdapter();
      s = null;
    }
    h.killLeftovers();
  });

  after(function () {
    h.killLeftovers();
  });

  it('attach: thread events for every thread, threads, pause/continue, disconnect leaves it running', async function () {
    s = new h.Session();
    await s.start();
    const init = await s.request('initialize', {
      clientID: 'debugclient-suite',
      adapterID: 'dap-threads',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
    });
    assert.strictEqual(init.body.supportsConfigurationDoneRequest, true, 'supportsConfigurationDoneRequest');

    // 6 workers, one every 250 ms, each alive 1.5 s (so a thread made before the
    // attach completes is still there to be found); main lingers 2.5 s after the loop.
    const prog = h.spawnProgram('seed', ['250', '6', '2500', '1500']);
    const pid = prog.child.pid;
    await h.poll(() => h.seedLines(prog.stdoutText()).length >= 1, "seed's first line");
    assert.deepStrictEqual(h.seedLines(prog.stdoutText())[0], { pid, tid: pid });

    // attach and configurationDone concurrently (configurationDone once `initialized` came).
    const configured = s.waitForEvent('initialized').then(() => s.request('configurationDone'));
    const [attach] = await Promise.all([s.request('attach', { pid }), configured]);
    assert.strictEqual(attach.success, true);

    const proc = await s.waitForEvent('process');
    assert.strictEqual(proc.body.systemProcessId, pid, 'process event systemProcessId');
    await s.waitForEvent('thread', (e) => e.body.reason === 'started' && e.body.threadId === pid, `started for main ${pid}`);

    const threads = await s.request('threads');
    const main = threads.body.threads.find((t) => t.id === pid);
    assert.ok(main, `threads lists the main thread ${pid}: ${JSON.stringify(threads.body)}`);
    assert.strictEqual(typeof main.name, 'string');

    // Wait until two workers are printed and announced, then pause while the
    // program is still creating threads.
    const announced = (n) => () => {
      const printed = h.seedLines(prog.stdoutText());
      const ids = startedIds(s);
      return printed.length >= n + 1 && printed.every((l) => ids.has(l.tid));
    };
    await s.waitUntil(announced(2), 'two workers printed and announced as started');

    const pause = await s.request('pause', { threadId: pid });
    assert.strictEqual(pause.success, true);
    const stopped = await s.waitForEvent('stopped');
    assert.strictEqual(stopped.body.allThreadsStopped, true, `allThreadsStopped: ${JSON.stringify(stopped)}`);
    assert.strictEqual(stopped.body.reason, 'pause');
    assert.ok(Number.isInteger(stopped.body.threadId), 'stopped names a thread');

    const whilePaused = await s.request('threads');
    const listed = new Set(whilePaused.body.threads.map((t) => t.id));
    assert.ok(listed.has(pid), 'main thread listed while paused');
    assert.ok(listed.has(stopped.body.threadId), `the stopped thread ${stopped.body.threadId} is listed`);

    const cont = await s.request('continue', { threadId: stopped.body.threadId });
    assert.strictEqual(cont.success, true);

    // Every printed tid (main + 6 workers) gets a started event.
    await s.waitUntil(announced(6), 'all 6 workers printed and announced as started');
    const printed = h.seedLines(prog.stdoutText());
    assert.strictEqual(printed.length, 7);
    const ids = startedIds(s);
    for (const line of printed) {
      assert.strictEqual(line.pid, pid);
      assert.ok(ids.has(line.tid), `thread ${line.tid} printed by the program has a started event`);
    }
    checkThreadEventOrder(s);

    // disconnect (no terminateDebuggee: an attached program is left running).
    assert.strictEqual(prog.child.exitCode, null, 'the program is still running before disconnect');
    const disconnect = await s.request('disconnect', { restart: false });
    assert.strictEqual(disconnect.success, true);
    h.checkWireShapes(s);
    s.stopAdapter();

    const { code, signal } = await h.withTimeout(prog.exited, 20000, 'seed to exit after disconnect');
    assert.strictEqual(signal, null, `seed killed by ${signal}; stderr: ${prog.stderrText()}`);
    assert.strictEqual(code, 0, `seed exit code; stderr: ${prog.stderrText()}`);
    const out = prog.stdoutText();
    assert.strictEqual(h.seedLines(out).length, 7, out);
    assert.match(out, /^done$/m);
  });

  it('launch: storm 500 8 runs to exited 0 and terminated with 501 distinct started threads', async function () {
    s = new h.Session();
    await s.start();
    const { startResponse } = await s.begin('launch', { program: h.program('storm'), args: ['500', '8'] });
    assert.strictEqual(startResponse.success, true);
    const proc = await s.waitForEvent('process');
    h.track(proc.body.systemProcessId);

    await s.waitForEvent('terminated', () => true, "'terminated'", 50000);
    const exited = s.events('exited');
    assert.strictEqual(exited.length, 1, `one exited event: ${JSON.stringify(exited)}`);
    assert.strictEqual(exited[0].body.exitCode, 0);
    const all = s.received();
    assert.ok(all.indexOf(exited[0]) < all.indexOf(s.events('terminated')[0]), "'exited' comes before 'terminated'");

    const started = s.events('thread').filter((e) => e.body.reason === 'started').map((e) => e.body.threadId);
    const distinct = new Set(started);
    assert.strictEqual(distinct.size, started.length, `duplicate started ids (${started.length} events, ${distinct.size} ids)`);
    assert.strictEqual(distinct.size, 501, 'main thread + 500 workers');
    assert.ok(distinct.has(proc.body.systemProcessId), 'the main thread is announced');
    checkThreadEventOrder(s);

    const stdout = s
      .events('output')
      .filter((e) => e.body.category === 'stdout')
      .map((e) => e.body.output)
      .join('');
    assert.match(stdout, /storm: threads=500 sum=124750/);

    const disconnect = await s.request('disconnect');
    assert.strictEqual(disconnect.success, true);
    h.checkWireShapes(s);
  });

  it('attach to a pid that does not exist gives an error response naming the pid', async function () {
    const pid = 4000000;
    assert.ok(!fs.existsSync(`/proc/${pid}`), `pid ${pid} exists on this machine`);
    s = new h.Session();
    await s.start();
    await s.request('initialize', { adapterID: 'dap-threads', linesStartAt1: true, columnsStartAt1: true });
    const response = await s.raw('attach', { pid });
    assert.strictEqual(response.success, false, JSON.stringify(response));
    assert.strictEqual(response.command, 'attach');
    assert.match(response.message, /4000000/, JSON.stringify(response));
    // The adapter still answers afterwards.
    const disconnect = await s.request('disconnect');
    assert.strictEqual(disconnect.success, true);
    h.checkWireShapes(s);
  });

  it('an unknown command gets an error response', async function () {
    s = new h.Session();
    await s.start();
    await s.request('initialize', { adapterID: 'dap-threads', linesStartAt1: true, columnsStartAt1: true });
    const sent = s.log.length;
    const response = await s.raw('noSuchCommandForDapThreads', { some: 'argument' });
    const request = s.log[sent].msg;
    assert.strictEqual(response.success, false, JSON.stringify(response));
    assert.strictEqual(response.request_seq, request.seq);
    assert.strictEqual(response.command, 'noSuchCommandForDapThreads');
    assert.ok(response.message && response.message.length > 0, 'error message');
    const disconnect = await s.request('disconnect');
    assert.strictEqual(disconnect.success, true);
    h.checkWireShapes(s);
  });
});
