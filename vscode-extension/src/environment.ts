// The adapter's private Python environment: on first use the extension finds a Python >= 3.11, makes a
// virtual environment in its global storage and installs dap-threads into it from the wheels the .vsix
// carries (build-wheel.sh), with no network. No `vscode` import, so plain node can test it.
import { execFile } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const MIN_PYTHON: [number, number] = [3, 11];

/** Names tried, in order: the system's default first, then the versions newest first. */
export const PYTHON_NAMES = ['python3', 'python3.14', 'python3.13', 'python3.12', 'python3.11'];

/** Folders searched besides PATH (an editor started from a desktop may have a short PATH). */
export const EXTRA_DIRS = ['/usr/local/bin', '/usr/bin', '/bin'];

export interface BundledWheels {
    dir: string;
    adapter: string;
    pip: string;
}

/** The wheels folder of an installed .vsix, or undefined (an extension run from a checkout without one). */
export function bundledWheels(extensionPath: string): BundledWheels | undefined {
    const dir = path.join(extensionPath, 'wheels');
    const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    const adapter = files.find((f) => /^dap_threads-.*\.whl$/.test(f));
    const pip = files.find((f) => /^pip-.*\.whl$/.test(f));
    return adapter && pip ? { dir, adapter: path.join(dir, adapter), pip: path.join(dir, pip) } : undefined;
}

export interface RunResult {
    code: number | string | null;
    stdout: string;
    stderr: string;
}

export type Runner = (command: string, args: string[], timeoutMs?: number) => Promise<RunResult>;

export const run: Runner = (command, args, timeoutMs = 120000) =>
    new Promise((resolve) => {
        execFile(command, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
            const code = err ? ((err as NodeJS.ErrnoException).code ?? 'error') : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        });
    });

export interface Interpreter {
    path: string;
    version: [number, number];
}

export interface Search {
    found?: Interpreter;
    /** What was found and why it did not do, for the message when nothing does. */
    rejected: string[];
}

const PROBE = 'import sys, venv; print("%d.%d" % sys.version_info[:2])';

/** The first Python >= 3.11 with the venv module, by PYTHON_NAMES, along PATH then EXTRA_DIRS. */
export async function findPython(searchPath: string, runner: Runner = run, extraDirs = EXTRA_DIRS): Promise<Search> {
    const dirs = [...searchPath.split(':').filter((d) => d !== ''), ...extraDirs];
    const seen = new Set<string>();
    const rejected: string[] = [];
    for (const name of PYTHON_NAMES) {
        for (const dir of dirs) {
            const candidate = path.join(dir, name);
            let real: string;
            try {
                fs.accessSync(candidate, fs.constants.X_OK);
                real = fs.realpathSync(candidate);
            } catch {
                continue;
            }
            if (seen.has(real)) {
                continue;
            }
            seen.add(real);
            const probe = await runner(candidate, ['-c', PROBE], 20000);
            const m = /^(\d+)\.(\d+)\s*$/.exec(probe.stdout);
            if (probe.code !== 0 || !m) {
                const why = /No module named .?venv/.test(probe.stderr) ? 'has no venv module' : `does not run (${probe.code})`;
                rejected.push(`${candidate} ${why}`);
                continue;
            }
            const version: [number, number] = [Number(m[1]), Number(m[2])];
            if (version[0] < MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] < MIN_PYTHON[1])) {
                rejected.push(`${candidate} is Python ${version.join('.')}`);
                continue;
            }
            return { found: { path: candidate, version }, rejected };
        }
    }
    return { rejected };
}

/** Where the environment lives, and the file that says what it was made from. */
export function environmentPaths(storagePath: string) {
    const root = path.join(storagePath, 'adapter-env');
    return { root, python: path.join(root, 'bin', 'python'), stamp: path.join(root, 'dap-threads-stamp.json') };
}

/** What an environment made from these wheels records: the adapter wheel's name and content hash. */
export function stampOf(wheels: BundledWheels): string {
    const hash = crypto.createHash('sha256').update(fs.readFileSync(wheels.adapter)).digest('hex');
    return JSON.stringify({ wheel: path.basename(wheels.adapter), sha256: hash });
}

/** The environment's interpreter if it exists and was made from these very wheels; otherwise undefined. */
export function readyEnvironment(storagePath: string, wheels: BundledWheels): string | undefined {
    const env = environmentPaths(storagePath);
    try {
        return fs.readFileSync(env.stamp, 'utf8') === stampOf(wheels) && fs.existsSync(env.python) ? env.python : undefined;
    } catch {
        return undefined;
    }
}

export class EnvironmentError extends Error {
    constructor(
        message: string,
        /** A shell command that does the same by hand, for the user to run and read. */
        readonly command: string,
    ) {
        super(message);
    }
}

function q(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The shell commands that make the environment, as the extension runs them. */
export function setupCommands(python: string, storagePath: string, wheels: BundledWheels): string[][] {
    const env = environmentPaths(storagePath);
    const tmp = `${env.root}.partial`;
    return [
        [python, '-m', 'venv', '--without-pip', tmp],
        [
            path.join(tmp, 'bin', 'python'),
            path.join(wheels.pip, 'pip'),
            'install',
            '--no-index',
            '--find-links',
            wheels.dir,
            '--disable-pip-version-check',
            '--no-cache-dir',
            '--quiet',
            wheels.adapter,
        ],
        [path.join(tmp, 'bin', 'python'), '-c', 'import dap_threads.cli.main, dap_threads.session'],
    ];
}

/**
 * Makes the environment in a folder beside its place and moves it there only once it works, so an
 * interrupted setup (editor closed, disk full) leaves nothing half-made behind. Returns its interpreter.
 */
export async function createEnvironment(
    python: Interpreter,
    storagePath: string,
    wheels: BundledWheels,
    report: (step: string) => void,
    runner: Runner = run,
): Promise<string> {
    const env = environmentPaths(storagePath);
    const tmp = `${env.root}.partial`;
    fs.mkdirSync(storagePath, { recursive: true });
    fs.rmSync(tmp, { recursive: true, force: true });
    const commands = setupCommands(python.path, storagePath, wheels);
    const steps = [
        `creating a Python ${python.version.join('.')} environment`,
        'installing dap-threads and its dependencies from the extension (no network)',
        'checking the adapter',
    ];
    for (let i = 0; i < commands.length; i++) {
        report(steps[i]);
        const [command, ...args] = commands[i];
        const r = await runner(command, args, 300000);
        if (r.code !== 0) {
            const shown = commands.map((c) => c.map(q).join(' ')).join(' && ');
            const output = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' ');
            throw new EnvironmentError(
                `dap-threads could not set up its Python environment: ${steps[i]} failed (${r.code}): ${output}`,
                shown,
            );
        }
    }
    fs.rmSync(env.root, { recursive: true, force: true });
    fs.renameSync(tmp, env.root);
    // venv wrote paths of the .partial folder into its scripts; only bin/python (a symlink) is used.
    fs.writeFileSync(env.stamp, stampOf(wheels));
    return env.python;
}

/** The message (and the command in it) when no suitable Python was found. */
export function noPythonMessage(search: Search): { message: string; command: string } {
    const command = 'sudo apt-get install python3 python3-venv';
    const seen = search.rejected.length ? ` Found: ${search.rejected.join('; ')}.` : ' Found none on PATH.';
    return {
        message:
            `dap-threads needs Python ${MIN_PYTHON.join('.')} or newer to run its debug adapter, and found none it can use.` +
            `${seen} Install one (Debian 12, Ubuntu 24.04: \`${command}\`; Fedora: \`sudo dnf install python3\`), ` +
            `or set dapThreads.python to a Python ${MIN_PYTHON.join('.')}+ interpreter.`,
        command,
    };
}
