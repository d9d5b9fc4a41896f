// Unit tests of what the extension offers when ptrace is refused (plain node, no VS Code).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PKEXEC, Refusal, SHOW, SUDO, elevationActions, elevationCommands, rootAdapterCommand } from '../src/elevation';

const user: Refusal = { pid: '42', cause: 'user', scope: '', reason: 'it belongs to user root (uid 0)' };
const scope1: Refusal = { pid: '42', cause: 'ptrace_scope', scope: '1', reason: 'kernel.yama.ptrace_scope is 1: ...' };
const even: Refusal = { pid: '42', cause: 'capability', scope: '', reason: 'even root was refused: ...' };
const all = { hasPkexec: true, hasSudo: true, hasDisplay: true };

describe('elevationActions', () => {
    it('offers pkexec (with a display for its password dialog), sudo in a terminal, and the commands', () => {
        assert.deepEqual(elevationActions(user, all), [PKEXEC, SUDO, SHOW]);
        assert.deepEqual(elevationActions(user, { ...all, hasDisplay: false }), [SUDO, SHOW]);
        assert.deepEqual(elevationActions(user, { hasPkexec: false, hasSudo: false, hasDisplay: true }), [SHOW]);
    });
    it('offers no restart as root where root would be refused too', () => {
        assert.deepEqual(elevationActions(even, all), [SHOW]);
        assert.deepEqual(elevationActions({ ...scope1, scope: '3' }, all), [SHOW]);
    });
});

describe('elevationCommands', () => {
    it('for ptrace_scope 1: the sysctl that relaxes it, and the root adapter with debugServer', () => {
        const lines = elevationCommands(scope1, '/home/me/.venv/bin/python', 'me', 4711);
        assert.ok(lines.includes('  sudo sysctl kernel.yama.ptrace_scope=0'), lines.join('\n'));
        assert.ok(lines.includes('  sudo /home/me/.venv/bin/python -m dap_threads --listen 127.0.0.1:4711 --allow-user me'));
        assert.ok(lines.some((l) => l.includes('"debugServer": 4711')));
    });
    it('for another user\'s process: only the root adapter (no sysctl helps)', () => {
        const lines = elevationCommands(user, 'python3', 'me', 4711);
        assert.ok(!lines.some((l) => l.includes('sysctl')));
        assert.ok(lines.some((l) => l.includes('--allow-user me')));
    });
    it('a picker row (cause unknown) is read from its reason', () => {
        const row: Refusal = { pid: '7', cause: '', scope: '', reason: 'kernel.yama.ptrace_scope is 2: only root (CAP_SYS_PTRACE) may attach' };
        assert.ok(elevationCommands(row, 'python3', 'me', 4711).includes('  sudo sysctl kernel.yama.ptrace_scope=1'));
    });
    it('when even root is refused, says so', () => {
        assert.deepEqual(elevationCommands(even, 'python3', 'me', 4711), ['Even root may not trace it:', '  even root was refused: ...']);
    });
    it('quotes what a shell would split', () => {
        assert.equal(
            rootAdapterCommand('/home/me/My Env/bin/python', "o'brien", 9),
            `sudo '/home/me/My Env/bin/python' -m dap_threads --listen 127.0.0.1:9 --allow-user 'o'\\''brien'`,
        );
    });
});
