// Unit tests of the adapter's private environment: finding a Python >= 3.11, the offline setup commands, the
// stamp that says what an environment was made from (plain node); and one real setup from the bundled wheels.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
    BundledWheels,
    EnvironmentError,
    bundledWheels,
    createEnvironment,
    environmentPaths,
    findPython,
    noPythonMessage,
    readyEnvironment,
    run,
    setupCommands,
} from '../src/environment';

const EXT_DIR = path.resolve(__dirname, '..', '..');

/** A folder of fake interpreters: each prints the version it is given, or fails as told. */
function fakePythons(versions: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pythons-'));
    for (const [name, behaviour] of Object.entries(versions)) {
        const body =
            behaviour === 'no-venv'
                ? `echo "ModuleNotFoundError: No module named 'venv'" >&2; exit 1`
                : `echo ${behaviour}`;
        fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    }
    return dir;
}

function fakeWheels(): BundledWheels {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wheels-'));
    const adapter = path.join(dir, 'dap_threads-0.1.0-py3-none-any.whl');
    const pip = path.join(dir, 'pip-26.0-py3-none-any.whl');
    fs.writeFileSync(adapter, 'wheel one');
    fs.writeFileSync(pip, '');
    return { dir, adapter, pip };
}

describe('findPython', () => {
    it('takes python3 when it is 3.11 or newer', async () => {
        const dir = fakePythons({ python3: '3.12', 'python3.13': '3.13' });
        const search = await findPython(dir, run, []);
        assert.deepEqual(search.found, { path: path.join(dir, 'python3'), version: [3, 12] });
    });
    it('passes over an old python3 and one without venv, to a newer version, and says what it passed over', async () => {
        const dir = fakePythons({ python3: '3.9', 'python3.13': 'no-venv', 'python3.11': '3.11' });
        const search = await findPython(dir, run, []);
        assert.deepEqual(search.found, { path: path.join(dir, 'python3.11'), version: [3, 11] });
        assert.deepEqual(search.rejected, [`${dir}/python3 is Python 3.9`, `${dir}/python3.13 has no venv module`]);
    });
    it('finds nothing, and the message names what it saw and the command that fixes it', async () => {
        const dir = fakePythons({ python3: '3.8' });
        const search = await findPython(`${dir}:/nonexistent`, run, []);
        assert.equal(search.found, undefined);
        const { message, command } = noPythonMessage(search);
        assert.equal(command, 'sudo apt-get install python3 python3-venv');
        assert.match(message, /needs Python 3\.11 or newer/);
        assert.ok(message.includes(`${dir}/python3 is Python 3.8`), message);
        assert.ok(message.includes(command) && message.includes('dapThreads.python'), message);
    });
});

describe('the environment', () => {
    it('is made with no network: a venv without pip, then pip run from its own wheel with --no-index', () => {
        const wheels = fakeWheels();
        const [venv, install, check] = setupCommands('/usr/bin/python3.11', '/store', wheels);
        assert.deepEqual(venv, ['/usr/bin/python3.11', '-m', 'venv', '--without-pip', '/store/adapter-env.partial']);
        assert.equal(install[0], '/store/adapter-env.partial/bin/python');
        assert.equal(install[1], path.join(wheels.pip, 'pip'));
        assert.ok(install.includes('--no-index') && install.includes(wheels.dir) && install.at(-1) === wheels.adapter);
        assert.deepEqual(check.slice(1), ['-c', 'import dap_threads.cli.main, dap_threads.session']);
    });

    it('is used again only while it was made from the same wheel', async () => {
        const wheels = fakeWheels();
        const store = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
        const steps: string[] = [];
        const fakeRunner = async (command: string, args: string[]) => {
            if (args[1] === 'venv') {
                fs.mkdirSync(path.join(args[3], 'bin'), { recursive: true });
                fs.writeFileSync(path.join(args[3], 'bin', 'python'), '');
            }
            return { code: 0, stdout: '', stderr: '' };
        };
        const python = await createEnvironment({ path: '/usr/bin/python3', version: [3, 11] }, store, wheels, (s) => steps.push(s), fakeRunner);
        assert.equal(python, environmentPaths(store).python);
        assert.equal(steps.length, 3);
        assert.ok(!fs.existsSync(`${environmentPaths(store).root}.partial`), 'made in a side folder, then moved');
        assert.equal(readyEnvironment(store, wheels), python);
        fs.writeFileSync(wheels.adapter, 'wheel two'); // a new extension version
        assert.equal(readyEnvironment(store, wheels), undefined);
    });

    it('failing, says which step and gives the commands to run by hand', async () => {
        const wheels = fakeWheels();
        const store = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
        const failing = async () => ({ code: 1, stdout: '', stderr: 'Error: [Errno 28] No space left on device' });
        await assert.rejects(
            createEnvironment({ path: '/usr/bin/python3', version: [3, 11] }, store, wheels, () => undefined, failing),
            (err: unknown) =>
                err instanceof EnvironmentError &&
                /creating a Python 3\.11 environment failed \(1\): Error: \[Errno 28\] No space left on device/.test(err.message) &&
                err.command.startsWith(`'/usr/bin/python3' '-m' 'venv' '--without-pip'`),
        );
        assert.equal(readyEnvironment(store, wheels), undefined, 'nothing half-made is taken for an environment');
    });

    it('is really made from the wheels the .vsix carries, and runs the adapter', async (t) => {
        const wheels = bundledWheels(EXT_DIR);
        if (!wheels) {
            t.skip('no wheels/ here: `npm run wheel` (or `npm run package`) builds them');
            return;
        }
        const search = await findPython(process.env.PATH ?? '');
        if (!search.found) {
            t.skip(`no Python 3.11+ here: ${search.rejected.join('; ')}`);
            return;
        }
        const store = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
        try {
            const python = await createEnvironment(search.found, store, wheels, () => undefined);
            const ps = await run(python, ['-m', 'dap_threads', 'ps', '--json']);
            assert.equal(ps.code, 0, ps.stderr);
            assert.ok(Array.isArray(JSON.parse(ps.stdout)));
            const where = await run(python, ['-c', 'import dap_threads, sys; print(dap_threads.__file__, sys.prefix)']);
            assert.ok(where.stdout.startsWith(path.join(store, 'adapter-env')), `imported from ${where.stdout}`);
        } finally {
            fs.rmSync(store, { recursive: true, force: true });
        }
    });
});
