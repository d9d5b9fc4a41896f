// Unit tests of the process picker's parsing, exclusions, formatting and filtering (plain node, no VS Code).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
    MAX_COMMAND_CHARS,
    ProcessRow,
    filterProcesses,
    formatProcess,
    isAdapterCommand,
    normalizePid,
    parseProcessList,
    parseServerAddress,
    pickerItems,
    selectableProcesses,
} from '../src/processes';

const rows: ProcessRow[] = [
    { pid: 4242, name: 'seed', threads: 5, command: '/work/testdata/build/seed 300 8 500' },
    { pid: 17, name: 'bash', threads: 1, command: '-bash' },
    { pid: 900, name: 'python3', threads: 2, command: '/usr/bin/python3 -m dap_threads --log-file /tmp/a.log' },
    { pid: 901, name: 'dap-threads', threads: 1, command: '/venv/bin/python /venv/bin/dap-threads ps --json' },
    { pid: 2, name: 'kthreadd', threads: 1, command: '' },
    { pid: 3100, name: 'python3', threads: 3, command: 'python3 server.py --port 8080' },
    { pid: 42, name: 'spin', threads: 9, command: './spin 8 -1' },
];

describe('parseProcessList', () => {
    it('reads the adapter JSON array', () => {
        const text = JSON.stringify([{ pid: 1, name: 'init', threads: 1, command: '/sbin/init' }]);
        assert.deepEqual(parseProcessList(text), [{ pid: 1, name: 'init', threads: 1, command: '/sbin/init' }]);
    });
    it('drops malformed rows and fills missing fields', () => {
        const text = JSON.stringify([null, 3, { pid: 'x' }, { pid: -1 }, { pid: 7 }]);
        assert.deepEqual(parseProcessList(text), [{ pid: 7, name: '', threads: 0, command: '' }]);
    });
    it('says what is wrong with output that is not a JSON array', () => {
        assert.throws(() => parseProcessList('Traceback (most recent call last):'), /printed no JSON/);
        assert.throws(() => parseProcessList('{"pid": 1}'), /no JSON array/);
    });
});

describe('selectableProcesses', () => {
    const picked = selectableProcesses(rows);
    it('leaves out kernel threads (no command line)', () => {
        assert.ok(!picked.some((r) => r.pid === 2));
    });
    it('leaves out the adapter itself, run as a module or as the dap-threads script', () => {
        assert.ok(!picked.some((r) => r.pid === 900 || r.pid === 901));
        assert.ok(isAdapterCommand('python -m dap_threads'));
        assert.ok(isAdapterCommand('/x/bin/dap-threads --listen 4711'));
        assert.ok(!isAdapterCommand('vim dap-threads.md'));
        assert.ok(!isAdapterCommand('python -m dap_threads_other'));
    });
    it('leaves out excluded pids', () => {
        assert.ok(!selectableProcesses(rows, [4242]).some((r) => r.pid === 4242));
    });
    it('sorts by name, then pid', () => {
        assert.deepEqual(
            picked.map((r) => `${r.name}:${r.pid}`),
            ['bash:17', 'python3:3100', 'seed:4242', 'spin:42'],
        );
    });
    it('does not modify its input', () => {
        assert.equal(rows[0].pid, 4242);
        assert.equal(rows.length, 7);
    });
});

describe('formatProcess', () => {
    it('shows name, pid, thread count and command line', () => {
        assert.deepEqual(formatProcess(rows[0]), {
            label: 'seed',
            description: 'pid 4242 · 5 threads',
            detail: '/work/testdata/build/seed 300 8 500',
            alwaysShow: true,
            pid: 4242,
        });
    });
    it('says "1 thread" in the singular', () => {
        assert.equal(formatProcess(rows[1]).description, 'pid 17 · 1 thread');
    });
    it('names a process without a name by its pid', () => {
        assert.equal(formatProcess({ pid: 5, name: '', threads: 1, command: 'x' }).label, 'pid 5');
    });
    it('cuts a very long command line with an ellipsis', () => {
        const detail = formatProcess({ pid: 5, name: 'java', threads: 40, command: 'java ' + '-Dx=y '.repeat(100) }).detail;
        assert.equal(detail.length, MAX_COMMAND_CHARS);
        assert.ok(detail.endsWith('…'));
    });
});

describe('filterProcesses', () => {
    const picked = selectableProcesses(rows);
    const pids = (text: string) => filterProcesses(picked, text).map((r) => r.pid);
    it('keeps everything for empty or blank text', () => {
        assert.equal(pids('').length, picked.length);
        assert.equal(pids('   ').length, picked.length);
    });
    it('matches the name, case-insensitively', () => {
        assert.deepEqual(pids('SEED'), [4242]);
    });
    it('matches the command line', () => {
        assert.deepEqual(pids('8080'), [3100]);
        assert.deepEqual(pids('testdata/build'), [4242]);
    });
    it('matches a pid exactly, by prefix, or written as "pid N"', () => {
        assert.deepEqual(pids('42'), [4242, 42]);
        assert.deepEqual(pids('pid 42'), [4242, 42]);
        assert.deepEqual(pids('310'), [3100]);
    });
    it('needs every word to match', () => {
        assert.deepEqual(pids('python server'), [3100]);
        assert.deepEqual(pids('python seed'), []);
    });
    it('formats what it keeps', () => {
        assert.deepEqual(
            pickerItems(picked, 'spin').map((i) => [i.label, i.description]),
            [['spin', 'pid 42 · 9 threads']],
        );
    });
});

describe('normalizePid', () => {
    it('accepts integers and the digit strings that ${command:pickProcess} yields', () => {
        assert.equal(normalizePid(1234), 1234);
        assert.equal(normalizePid('1234'), 1234);
        assert.equal(normalizePid(' 77 '), 77);
    });
    it('treats a missing pid as "ask"', () => {
        assert.equal(normalizePid(undefined), undefined);
        assert.equal(normalizePid(''), undefined);
    });
    it('refuses what is not a pid', () => {
        assert.throws(() => normalizePid('${command:pickProcess}'), /must be a process id/);
        assert.throws(() => normalizePid(0), /must be a process id/);
        assert.throws(() => normalizePid(1.5), /must be a process id/);
        assert.throws(() => normalizePid(2 ** 31), /must be a process id/);
    });
});

describe('parseServerAddress', () => {
    it('reads PORT, HOST:PORT and [IPv6]:PORT', () => {
        assert.equal(parseServerAddress(''), undefined);
        assert.deepEqual(parseServerAddress('4711'), { host: '127.0.0.1', port: 4711 });
        assert.deepEqual(parseServerAddress('box:4711'), { host: 'box', port: 4711 });
        assert.deepEqual(parseServerAddress('[::1]:4711'), { host: '::1', port: 4711 });
    });
    it('refuses anything else', () => {
        assert.throws(() => parseServerAddress('box'), /PORT or HOST:PORT/);
        assert.throws(() => parseServerAddress('box:70000'), /PORT or HOST:PORT/);
    });
});
