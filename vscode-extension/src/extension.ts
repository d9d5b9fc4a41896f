// dap-threads for VS Code: the `dap-threads` debug type, its process picker, how the adapter is installed
// (a private environment from the wheels in the .vsix) and started, and what it offers when ptrace is refused.
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
    PKEXEC,
    PTRACE_PERMISSION,
    Refusal,
    SHOW,
    SUDO,
    elevationActions,
    elevationCommands,
    rootAdapterCommand,
} from './elevation';
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
import {
    ProcessItem,
    ProcessRow,
    normalizePid,
    parseProcessList,
    parseServerAddress,
    pickerItems,
    selectableProcesses,
} from './processes';
import { withServerToken } from './serverToken';

const DEBUG_TYPE = 'dap-threads';
const PICK_COMMAND = 'dap-threads.pickProcess';
/** A configuration field the extension sets itself: start the adapter through pkexec. */
const ELEVATE = '__dapThreadsElevate';

let log: vscode.LogOutputChannel;
let extensionPath = '';
let storagePath = '';

export function activate(context: vscode.ExtensionContext): void {
    extensionPath = context.extensionPath;
    storagePath = context.globalStorageUri.fsPath;
    log = vscode.window.createOutputChannel('dap-threads', { log: true });
    context.subscriptions.push(
        log,
        vscode.commands.registerCommand(PICK_COMMAND, () => pickProcess()),
        vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
        vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory()),
        vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, new PermissionWatcher()),
        vscode.workspace.onDidChangeConfiguration((e) => {
            if (e.affectsConfiguration('dapThreads')) {
                checkedInterpreters.clear();
            }
        }),
    );
}

export function deactivate(): void {}

function settings() {
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
const checkedInterpreters = new Set<string>();

/**
 * The Python that runs `-m dap_threads`: dapThreads.python when set, else the extension's own environment,
 * made on first use. Undefined once the user has been told why there is none (nothing fails silently).
 */
async function adapterPython(): Promise<string | undefined> {
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

function runPython(python: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
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

async function listProcesses(python: string): Promise<ProcessRow[]> {
    const r = await runPython(python, ['-m', 'dap_threads', 'ps', '--json']);
    if (r.code !== 0) {
        throw new Error(`"${python} -m dap_threads ps --json" failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    }
    return selectableProcesses(parseProcessList(r.stdout));
}

// ---- the process picker ---------------------------------------------------------------------

interface Picked {
    pid: number;
    traceable: boolean;
    reason?: string;
}

/** What the picker last returned: VS Code substitutes only the pid, the rest is looked up here. */
let lastPicked: Picked | undefined;

/** `${command:pickProcess}`: resolves to the pid as a string (what VS Code substitutes), or undefined. */
async function pickProcess(): Promise<string | undefined> {
    const picked = await pickProcessRow();
    lastPicked = picked;
    return picked ? String(picked.pid) : undefined;
}

/**
 * A QuickPick of the processes, filtered by what the user types; those that cannot be traced are marked
 * with the reason (the choice is still theirs: an elevated adapter may trace them).
 */
async function pickProcessRow(): Promise<Picked | undefined> {
    const python = await adapterPython();
    if (!python) {
        return undefined;
    }
    const quickPick = vscode.window.createQuickPick<ProcessItem>();
    quickPick.title = 'Attach to process (dap-threads)';
    quickPick.placeholder = 'Type to filter by name, pid, user or command line';
    quickPick.matchOnDescription = true;
    quickPick.matchOnDetail = true;
    const refresh: vscode.QuickInputButton = {
        iconPath: new vscode.ThemeIcon('refresh'),
        tooltip: 'Refresh the list',
    };
    quickPick.buttons = [refresh];
    let rows: ProcessRow[] = [];
    const show = () => {
        quickPick.items = pickerItems(rows, quickPick.value);
    };
    const load = async () => {
        quickPick.busy = true;
        try {
            rows = await listProcesses(python);
            show();
        } catch (err) {
            log.error(String(err));
            void vscode.window.showErrorMessage(`dap-threads: could not list processes: ${(err as Error).message}`);
            quickPick.hide();
        } finally {
            quickPick.busy = false;
        }
    };
    return new Promise<Picked | undefined>((resolve) => {
        let done = false;
        const finish = (value: Picked | undefined) => {
            if (!done) {
                done = true;
                resolve(value);
                quickPick.dispose();
            }
        };
        quickPick.onDidChangeValue(show);
        quickPick.onDidTriggerButton((b) => {
            if (b === refresh) {
                void load();
            }
        });
        quickPick.onDidAccept(() => {
            const item = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
            if (item) {
                log.info(`picked ${item.label} (pid ${item.pid}, ${item.description})`);
                finish({ pid: item.pid, traceable: item.traceable, reason: item.reason });
            }
        });
        quickPick.onDidHide(() => finish(undefined));
        quickPick.show();
        void load();
    });
}

// ---- configurations -------------------------------------------------------------------------

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
    /** F5 without a launch.json: attach to a picked process. */
    resolveDebugConfiguration(
        _folder: vscode.WorkspaceFolder | undefined,
        config: vscode.DebugConfiguration,
    ): vscode.DebugConfiguration {
        if (!config.type && !config.request && !config.name) {
            return {
                type: DEBUG_TYPE,
                request: 'attach',
                name: 'Attach to process (threads)',
                pid: '${command:pickProcess}',
            };
        }
        return config;
    }

    async resolveDebugConfigurationWithSubstitutedVariables(
        folder: vscode.WorkspaceFolder | undefined,
        config: vscode.DebugConfiguration,
    ): Promise<vscode.DebugConfiguration | null | undefined> {
        const s = settings();
        const usesServer = typeof config.debugServer === 'number' || s.server.trim() !== '';
        if (!usesServer && !(await adapterPython())) {
            return undefined; // the user has been told why
        }
        if (config.request === 'attach') {
            let pid: number | undefined;
            try {
                pid = normalizePid(config.pid ?? config.processId);
            } catch (err) {
                void vscode.window.showErrorMessage(`dap-threads: ${(err as Error).message}`);
                return null; // opens launch.json
            }
            const { processId: _unused, ...rest } = config;
            let picked = pid !== undefined && lastPicked?.pid === pid ? lastPicked : undefined;
            lastPicked = undefined;
            if (pid === undefined) {
                picked = await pickProcessRow();
                if (picked === undefined) {
                    return undefined;
                }
                pid = picked.pid;
            }
            if (picked && !picked.traceable && !usesServer && !config[ELEVATE]) {
                // Marked in the list: offer what would work instead of letting the attach fail.
                const refusal = { pid: String(pid), cause: '', scope: '', reason: picked.reason ?? '' };
                const elevated = await elevate({ ...rest, pid } as vscode.DebugConfiguration, refusal, folder, false);
                return elevated ? withServerToken(elevated, s) : undefined;
            }
            return withServerToken({ ...rest, pid }, s);
        }
        if (config.request === 'launch' && !config.program) {
            void vscode.window.showErrorMessage('dap-threads: a launch configuration needs "program".');
            return null;
        }
        // A --listen adapter lets in only its own user unless the client brings its token.
        return withServerToken(config, s);
    }
}

// ---- starting (or reaching) the adapter -----------------------------------------------------

class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
    async createDebugAdapterDescriptor(session: vscode.DebugSession): Promise<vscode.DebugAdapterDescriptor | undefined> {
        const s = settings();
        if (typeof session.configuration.debugServer === 'number') {
            log.info(`session "${session.name}": connecting to the adapter on port ${session.configuration.debugServer}`);
            return new vscode.DebugAdapterServer(session.configuration.debugServer);
        }
        const server = parseServerAddress(s.server);
        if (server) {
            log.info(`session "${session.name}": connecting to the adapter at ${server.host}:${server.port}`);
            return new vscode.DebugAdapterServer(server.port, server.host);
        }
        const python = await adapterPython();
        if (!python) {
            return undefined;
        }
        const args = ['-m', 'dap_threads'];
        if (s.logFile.trim()) {
            args.push('--log-file', s.logFile.trim(), '--log-level', s.logLevel);
        }
        if (session.configuration[ELEVATE] === 'pkexec') {
            log.info(`session "${session.name}": starting pkexec ${python} ${args.join(' ')}`);
            return new vscode.DebugAdapterExecutable('pkexec', [python, ...args]);
        }
        log.info(`session "${session.name}": starting ${python} ${args.join(' ')}`);
        return new vscode.DebugAdapterExecutable(python, args);
    }
}

// ---- when the kernel refuses the attach -------------------------------------------------------

/** Watches each session's answers for the adapter's ptrace permission error, and offers a way out. */
class PermissionWatcher implements vscode.DebugAdapterTrackerFactory {
    createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
        return {
            onDidSendMessage: (m: { type?: string; command?: string; success?: boolean; message?: string; body?: any }) => {
                const error = m?.body?.error;
                if (m?.type === 'response' && m.command === 'attach' && m.success === false && error?.id === PTRACE_PERMISSION) {
                    const v = (error.variables ?? {}) as Record<string, string>;
                    const refusal: Refusal = { pid: v.pid ?? '', cause: v.cause ?? '', scope: v.scope ?? '', reason: m.message ?? '' };
                    const config = { ...session.configuration, pid: Number(refusal.pid) || session.configuration.pid };
                    void elevate(config, refusal, session.workspaceFolder, true);
                }
            },
        };
    }
}

function onPath(name: string): boolean {
    return (process.env.PATH ?? '')
        .split(':')
        .some((dir) => dir !== '' && fs.existsSync(path.join(dir, name)));
}

/**
 * Offers what cppdbg offers when ptrace is refused: the adapter restarted as root (pkexec, or sudo in a
 * terminal), or the exact commands. Returns the configuration to run (when `start` is false, for the picker),
 * or starts it itself (after a failed session). Undefined when the user chose no restart.
 */
async function elevate(
    config: vscode.DebugConfiguration,
    refusal: Refusal,
    folder: vscode.WorkspaceFolder | undefined,
    start: boolean,
): Promise<vscode.DebugConfiguration | undefined> {
    const machine = { hasPkexec: onPath('pkexec'), hasSudo: onPath('sudo'), hasDisplay: !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) };
    const actions = elevationActions(refusal, machine);
    const reason = refusal.reason.replace(/^permission denied to trace process \d+: /, '').split(';')[0];
    log.warn(`attach to ${refusal.pid} refused: ${refusal.reason}`);
    const choice = await vscode.window.showWarningMessage(
        `dap-threads may not trace process ${refusal.pid}: ${reason}.`,
        ...actions,
    );
    const python = (await adapterPython()) ?? 'python3';
    const user = os.userInfo().username;
    let next: vscode.DebugConfiguration | undefined;
    if (choice === PKEXEC) {
        next = { ...config, [ELEVATE]: 'pkexec' };
    } else if (choice === SUDO) {
        next = await rootAdapterInTerminal(config, python, user);
    } else if (choice === SHOW) {
        const port = 4711;
        const text = elevationCommands(refusal, python, user, port).join('\n');
        log.info(`to attach to ${refusal.pid}:\n${text}`);
        const copy = 'Copy Root Adapter Command';
        const shown = await vscode.window.showInformationMessage(text, { modal: true }, copy);
        if (shown === copy) {
            void vscode.env.clipboard.writeText(rootAdapterCommand(python, user, port));
        }
    }
    if (next && start) {
        await vscode.debug.startDebugging(folder, next);
        return undefined;
    }
    return next;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, '127.0.0.1', () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
        srv.on('error', reject);
    });
}

function portOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const sock = net.connect(port, '127.0.0.1', () => {
            sock.destroy();
            resolve(true);
        });
        sock.on('error', () => resolve(false));
    });
}

/**
 * Runs the adapter as root with sudo in a terminal (where the user types the password), serving this user
 * on a free loopback port, and returns the configuration that connects to it. The terminal closes with
 * the session.
 */
async function rootAdapterInTerminal(
    config: vscode.DebugConfiguration,
    python: string,
    user: string,
): Promise<vscode.DebugConfiguration | undefined> {
    const port = await freePort();
    const terminal = vscode.window.createTerminal({ name: 'dap-threads (root)' });
    terminal.show();
    terminal.sendText(rootAdapterCommand(python, user, port));
    const ready = await vscode.window.withProgress(
        {
            location: vscode.ProgressLocation.Notification,
            title: `dap-threads: waiting for the root adapter on port ${port} (type your password in the terminal)`,
            cancellable: true,
        },
        async (_progress, cancel) => {
            const deadline = Date.now() + 180000;
            while (!cancel.isCancellationRequested && Date.now() < deadline) {
                if (await portOpen(port)) {
                    return true;
                }
                await new Promise((r) => setTimeout(r, 300));
            }
            return false;
        },
    );
    if (!ready) {
        terminal.dispose();
        return undefined;
    }
    const name = `${config.name} (root)`;
    const ended = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.name === name) {
            ended.dispose();
            terminal.dispose(); // its sudo, and so the root adapter, end with it
        }
    });
    return { ...config, name, debugServer: port };
}
