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

function row(pid: number, name: string, threads: number, command: string, more: Partial<ProcessRow> = {}): ProcessRow {
    return { pid, name, threads, command, user: 'alice', cpu: 0, traceable: true, reason: undefined, ...more };
}

const rows: ProcessRow[] = [
    row(4242, 'seed', 5, '/work/testdata/build/seed 300 8 500', { cpu: 12.46 }),
    row(17, 'bash', 1, '-bash'),
    row(900, 'python3', 2, '/usr/bin/python3 -m dap_threads --log-file /tmp/a.log'),
    row(901, 'dap-threads', 1, '/venv/bin/python /venv/bin/dap-threads ps --json'),
    row(2, 'kthreadd', 1, ''),
    row(3100, 'python3', 3, 'python3 server.py --port 8080', { cpu: 150 }),
    row(42, 'spin', 9, './spin 8 -1'),
    row(1, 'systemd', 1, '/sbin/init', { user: 'root', traceable: false, reason: 'it belongs to root: only that user or root may trace it' }),
];

describe('parseProcessList', () => {
    it('reads the adapter JSON array', () => {
        const reason = 'it belongs to root: only that user or root may trace it';
        const text = JSON.stringify([
            { pid: 1, name: 'init', threads: 1, command: '/sbin/init', user: 'root', cpu: 0.5, traceable: false, reason },
        ]);
        assert.deepEqual(parseProcessList(text), [
            { pid: 1, name: 'init', threads: 1, command: '/sbin/init', user: 'root', cpu: 0.5, traceable: false, reason },
        ]);
    });
    it('drops malformed rows and fills missing fields (an older adapter lists only traceable processes)', () => {
        const text = JSON.stringify([null, 3, { pid: 'x' }, { pid: -1 }, { pid: 7 }]);
        assert.deepEqual(parseProcessList(text), [
            { pid: 7, name: '', threads: 0, command: '', user: '', cpu: 0, traceable: true, reason: undefined },
        ]);
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
    it('sorts those it may trace first, then by name, then pid', () => {
        assert.deepEqual(
            picked.map((r) => `${r.name}:${r.pid}`),
            ['bash:17', 'python3:3100', 'seed:4242', 'spin:42', 'systemd:1'],
        );
    });
    it('does not modify its input', () => {
        assert.equal(rows[0].pid, 4242);
        assert.equal(rows.length, 8);
    });
});

describe('formatProcess', () => {
    it('shows name, pid, thread count, user, CPU% and command line', () => {
        assert.deepEqual(formatProcess(rows[0]), {
            label: 'seed',
            description: 'pid 4242 · 5 threads · alice · 12% CPU',
            detail: '/work/testdata/build/seed 300 8 500',
            alwaysShow: true,
            pid: 4242,
            traceable: true,
            reason: undefined,
        });
        assert.equal(formatProcess(rows[5]).description, 'pid 3100 · 3 threads · alice · 150% CPU');
        assert.equal(formatProcess(row(8, 'x', 1, 'x', { cpu: 0.25 })).description, 'pid 8 · 1 thread · alice · 0.3% CPU');
    });
    it('marks a process it may not trace, and says why before the pick', () => {
        const item = formatProcess(rows[7]);
        assert.equal(item.label, '$(lock) systemd');
        assert.equal(item.description, 'pid 1 · 1 thread · root · 0.0% CPU');
        assert.equal(item.detail, 'cannot trace: it belongs to root: only that user or root may trace it — /sbin/init');
        assert.equal(item.traceable, false);
    });
    it('says "1 thread" in the singular', () => {
        assert.equal(formatProcess(rows[1]).description, 'pid 17 · 1 thread · alice · 0.0% CPU');
    });
    it('names a process without a name by its pid', () => {
        assert.equal(formatProcess(row(5, '', 1, 'x')).label, 'pid 5');
    });
    it('cuts a very long command line with an ellipsis', () => {
        const detail = formatProcess(row(5, 'java', 40, 'java ' + '-Dx=y '.repeat(100))).detail;
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
    it('matches the user', () => {
        assert.deepEqual(pids('root'), [1]);
    });
    it('formats what it keeps', () => {
        assert.deepEqual(
            pickerItems(picked, 'spin').map((i) => [i.label, i.description]),
            [['spin', 'pid 42 · 9 threads · alice · 0.0% CPU']],
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
