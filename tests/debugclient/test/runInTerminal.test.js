'use strict';
// launch with "console": "integratedTerminal": the adapter sends the runInTerminal reverse request; this
// client answers it as an editor would, running the command itself, with pipes standing in for the terminal.

const assert = require('assert');
const h = require('./helpers');

// What a person might type: a non-UTF-8 byte, CR LF, a NUL, an escape sequence, and no final newline.
const INPUT = Buffer.from('hello from DebugClient\n\xff\xfe raw\r\n\x00\x1b[1mbold\x1b[0m\nend', 'latin1');
const PROMPT = 'say something: ';

describe('dap-threads launches in the client terminal (runInTerminal)', function () {
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

  it('a stdin-echo program reads what is typed; its bytes and exit status pass exactly', async function () {
    s = new h.Session();
    s.runInTerminalWithPipes();
    await s.start();
    const { startResponse } = await s.begin(
      'launch',
      { program: h.program('echo_stdin'), args: [PROMPT], console: 'integratedTerminal', cwd: '/tmp' },
      { supportsRunInTerminalRequest: true }
    );
    assert.strictEqual(startResponse.success, true);
    const [request] = s.terminalRequests;
    assert.strictEqual(request.kind, 'integrated');
    assert.strictEqual(request.cwd, '/tmp');
    assert.deepStrictEqual(request.args.slice(-3), [h.program('echo_stdin'), h.program('echo_stdin'), PROMPT]);

    const proc = await s.waitForEvent('process');
    assert.strictEqual(proc.body.systemProcessId, s.terminal.child.pid, 'the program is the process the terminal ran');
    await s.waitUntil(() => s.events('thread').filter((e) => e.body.reason === 'started').length === 2, 'main and reader threads');

    s.terminal.child.stdin.end(INPUT);
    const exited = await s.waitForEvent('exited', () => true, "'exited'", 30000);
    await s.waitForEvent('terminated');
    const { code } = await h.withTimeout(s.terminal.exited, 10000, 'the terminal command to end');

    assert.ok(s.terminal.stdout().equals(Buffer.concat([Buffer.from(PROMPT), INPUT])), `stdout: ${JSON.stringify(s.terminal.stdout().toString('latin1'))}`);
    assert.strictEqual(s.terminal.stderr().toString(), `echo_stdin: ${INPUT.length} bytes, 3 lines\n`);
    assert.strictEqual(code, 3);
    assert.strictEqual(exited.body.exitCode, 3);
    const programOutput = s.events('output').filter((e) => ['stdout', 'stderr'].includes(e.body.category));
    assert.deepStrictEqual(programOutput, [], 'in a terminal, the program output is not sent as output events');
    h.checkWireShapes(s);
  });
});
