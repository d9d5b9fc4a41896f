// Which Python runs the adapter: dapThreads.python when set, else the extension's own environment, made on
// first use from the wheels in the .vsix (environment.ts) with a progress notification; and what the user is
// told, with buttons, when neither works.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
    BundledWheels,
    EnvironmentError,
    RunResult,
    bundledWheels,
    createEnvironment,
    findPython,
    noPythonMessage,
    readyEnvironment,
    run,
} from './environment';
import { installAdvice, packageSource } from './install';

let log: vscode.LogOutputChannel;
let extensionPath = '';
let storagePath = '';

/** Where the extension is installed, where its global storage is, and its log. */
export function initInterpreters(output: vscode.LogOutputChannel, extension: string, storage: string): void {
    log = output;
    extensionPath = extension;
    storagePath = storage;
}

export function settings() {
    const c = vscode.workspace.getConfiguration('dapThreads');
    return {
        /** '' (the default): the extension's own environment */
        python: c.get<string>('python', '').trim(),
        server: c.get<string>('server', ''),
        serverToken: c.get<string>('serverToken', ''),
        logFile: c.get<string>('logFile', ''),
        logLevel: c.get<string>('logLevel', 'info'),
    };
}

// ---- the interpreter that runs the adapter ---------------------------------------------------

/** Interpreters known to have the package, so each session does not pay for the check. */
export const checkedInterpreters = new Set<string>();

/**
 * The Python that runs `-m dap_threads`: dapThreads.python when set, else the extension's own environment,
 * made on first use. Undefined once the user has been told why there is none (nothing fails silently).
 */
export async function adapterPython(): Promise<string | undefined> {
    const { python } = settings();
    if (python) {
        return (await ensureAdapterInstalled(python)) ? python : undefined;
    }
    const wheels = bundledWheels(extensionPath);
    if (!wheels) {
        // An extension run from a checkout (no .vsix): that checkout's virtual environment, if made.
        const checkout = path.join(path.dirname(extensionPath), '.venv', 'bin', 'python');
        const fallback = fs.existsSync(checkout) ? checkout : 'python3';
        return (await ensureAdapterInstalled(fallback)) ? fallback : undefined;
    }
    return readyEnvironment(storagePath, wheels) ?? privateEnvironment(wheels);
}

let preparing: Promise<string | undefined> | undefined;

/** One setup at a time: a picker and a session asking at once share it. */
function privateEnvironment(wheels: BundledWheels): Promise<string | undefined> {
    if (!preparing) {
        preparing = Promise.resolve(setUpEnvironment(wheels)).finally(() => {
            preparing = undefined;
        });
    }
    return preparing;
}

function setUpEnvironment(wheels: BundledWheels): Thenable<string | undefined> {
    const title = 'dap-threads: setting up its debug adapter (first use)';
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async (progress) => {
        progress.report({ message: 'looking for Python 3.11 or newer…' });
        const search = await findPython(process.env.PATH ?? '');
        if (!search.found) {
            const { message, command } = noPythonMessage(search);
            log.error(message);
            void offerFixes(message, command);
            return undefined;
        }
        log.info(`setting up the adapter's environment in ${storagePath} with ${search.found.path}`);
        try {
            const python = await createEnvironment(search.found, storagePath, wheels, (step) => {
                log.info(step);
                progress.report({ message: `${step}…` });
            });
            log.info(`the adapter runs with ${python}`);
            return python;
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            log.error(message);
            void offerFixes(message, err instanceof EnvironmentError ? err.command : undefined);
            return undefined;
        }
    });
}

async function offerFixes(message: string, command?: string): Promise<void> {
    const openSettings = 'Open Settings';
    const copy = 'Copy Command';
    const choice = await vscode.window.showErrorMessage(message, ...(command ? [copy] : []), openSettings);
    if (choice === openSettings) {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'dapThreads.python');
    } else if (choice === copy && command) {
        void vscode.env.clipboard.writeText(command);
    }
}

export function runPython(python: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
    return run(python, args, timeoutMs);
}

/**
 * Whether `python -m dap_threads` can run with an interpreter the user named. If not, tells the user how
 * to install it (with buttons) and returns false.
 */
async function ensureAdapterInstalled(python: string): Promise<boolean> {
    if (checkedInterpreters.has(python)) {
        return true;
    }
    const r = await runPython(python, ['-c', 'import dap_threads.cli.main']);
    if (r.code === 0) {
        checkedInterpreters.add(python);
        return true;
    }
    let problem: string;
    if (r.code === 'ENOENT') {
        problem = `the Python interpreter "${python}" (setting dapThreads.python) was not found.`;
    } else if (/ModuleNotFoundError|No module named/.test(r.stderr)) {
        problem = `the Python package is not installed for "${python}".`;
    } else {
        problem = `"${python} -c 'import dap_threads'" failed: ${r.stderr.trim().split('\n').pop() ?? r.code}`;
    }
    const advice = installAdvice(python, packageSource(extensionPath), os.homedir());
    const message =
        `dap-threads: ${problem} Install it with: ${advice.command}` +
        (advice.python ? ` and then set dapThreads.python to ${advice.python}.` : '.') +
        ` Or clear dapThreads.python: the extension then sets up an environment of its own.`;
    log.error(message);
    void offerFixes(message, advice.command);
    return false;
}
