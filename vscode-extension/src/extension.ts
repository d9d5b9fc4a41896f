// dap-threads for VS Code: the `dap-threads` debug type, its process picker, and how the adapter is started.
import { execFile } from 'child_process';
import * as os from 'os';
import * as vscode from 'vscode';
import { installAdvice, packageSource } from './install';
import {
    ProcessRow,
    normalizePid,
    parseProcessList,
    parseServerAddress,
    pickerItems,
    selectableProcesses,
} from './processes';
import { withServerToken } from './serverToken';
import { registerThreadPane } from './threadPane';

const DEBUG_TYPE = 'dap-threads';
const PICK_COMMAND = 'dap-threads.pickProcess';

let log: vscode.LogOutputChannel;
let extensionPath = '';

export function activate(context: vscode.ExtensionContext): void {
    extensionPath = context.extensionPath;
    log = vscode.window.createOutputChannel('dap-threads', { log: true });
    context.subscriptions.push(
        log,
        vscode.commands.registerCommand(PICK_COMMAND, () => pickProcess()),
        vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
        vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory()),
        vscode.workspace.onDidChangeConfiguration((e) => {
            if (e.affectsConfiguration('dapThreads')) {
                checkedInterpreters.clear();
            }
        }),
    );
    registerThreadPane(context); // thread names setting, timeline panel (threadPane.ts, timeline.ts)
}

export function deactivate(): void {}

function settings() {
    const c = vscode.workspace.getConfiguration('dapThreads');
    return {
        python: c.get<string>('python', 'python3').trim() || 'python3',
        server: c.get<string>('server', ''),
        serverToken: c.get<string>('serverToken', ''),
        logFile: c.get<string>('logFile', ''),
        logLevel: c.get<string>('logLevel', 'info'),
    };
}

// ---- running the Python package -------------------------------------------------------------

interface RunResult {
    code: number | string | null;
    stdout: string;
    stderr: string;
}

function runPython(python: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
    return new Promise((resolve) => {
        execFile(python, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
            const code = err ? ((err as NodeJS.ErrnoException).code ?? 'error') : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        });
    });
}

/** Interpreters known to have the package, so each session does not pay for the check. */
const checkedInterpreters = new Set<string>();

/**
 * Whether `python -m dap_threads` can run. If not, tells the user how to install it (with buttons)
 * and returns false, so nothing fails silently.
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
        ` Or set dapThreads.python to an interpreter that has it, e.g. a virtual environment's bin/python.`;
    log.error(message);
    const openSettings = 'Open Settings';
    const copy = 'Copy Install Command';
    void vscode.window.showErrorMessage(message, openSettings, copy).then((choice) => {
        if (choice === openSettings) {
            void vscode.commands.executeCommand('workbench.action.openSettings', 'dapThreads.python');
        } else if (choice === copy) {
            void vscode.env.clipboard.writeText(advice.command);
        }
    });
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

/**
 * `${command:pickProcess}`: a QuickPick of the processes the user may trace, filtered by what they type.
 * Resolves to the pid as a string (what VS Code substitutes), or undefined if cancelled.
 */
async function pickProcess(): Promise<string | undefined> {
    const { python } = settings();
    if (!(await ensureAdapterInstalled(python))) {
        return undefined;
    }
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { pid: number }>();
    quickPick.title = 'Attach to process (dap-threads)';
    quickPick.placeholder = 'Type to filter by name, pid or command line';
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
    return new Promise<string | undefined>((resolve) => {
        let done = false;
        const finish = (value: string | undefined) => {
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
                finish(String(item.pid));
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
        _folder: vscode.WorkspaceFolder | undefined,
        config: vscode.DebugConfiguration,
    ): Promise<vscode.DebugConfiguration | null | undefined> {
        const s = settings();
        const usesServer = typeof config.debugServer === 'number' || s.server.trim() !== '';
        if (!usesServer && !(await ensureAdapterInstalled(s.python))) {
            return undefined; // the user has been told how to install it
        }
        if (config.request === 'attach') {
            let pid: number | undefined;
            try {
                pid = normalizePid(config.pid ?? config.processId);
            } catch (err) {
                void vscode.window.showErrorMessage(`dap-threads: ${(err as Error).message}`);
                return null; // opens launch.json
            }
            if (pid === undefined) {
                const picked = await pickProcess();
                if (picked === undefined) {
                    return undefined;
                }
                pid = Number(picked);
            }
            const { processId: _unused, ...rest } = config;
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
    createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
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
        const args = ['-m', 'dap_threads'];
        if (s.logFile.trim()) {
            args.push('--log-file', s.logFile.trim(), '--log-level', s.logLevel);
        }
        log.info(`session "${session.name}": starting ${s.python} ${args.join(' ')}`);
        return new vscode.DebugAdapterExecutable(s.python, args);
    }
}
