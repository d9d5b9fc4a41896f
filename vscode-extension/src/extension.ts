// dap-threads for VS Code: the `dap-threads` debug type, its process picker, and how the adapter is started.
// Which Python runs it: adapterPython.ts; what is offered when ptrace is refused: rootOffer.ts.
import * as vscode from 'vscode';
import { adapterPython, checkedInterpreters, initInterpreters, runPython, settings } from './adapterPython';
import {
    ProcessItem,
    ProcessRow,
    normalizePid,
    parseProcessList,
    parseServerAddress,
    pickerItems,
    selectableProcesses,
} from './processes';
import { followForkItems, followForkRequest } from './followFork';
import { ELEVATE, PermissionWatcher, elevate, initRootOffer } from './rootOffer';
import { withServerToken } from './serverToken';

const DEBUG_TYPE = 'dap-threads';
const PICK_COMMAND = 'dap-threads.pickProcess';
const FOLLOW_FORK_COMMAND = 'dap-threads.setFollowForkMode';

let log: vscode.LogOutputChannel;

export function activate(context: vscode.ExtensionContext): void {
    log = vscode.window.createOutputChannel('dap-threads', { log: true });
    initInterpreters(log, context.extensionPath, context.globalStorageUri.fsPath);
    initRootOffer(log);
    context.subscriptions.push(
        log,
        vscode.commands.registerCommand(PICK_COMMAND, () => pickProcess()),
        vscode.commands.registerCommand(FOLLOW_FORK_COMMAND, () => setFollowForkMode()),
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

// ---- follow-fork-mode ------------------------------------------------------------------------

/** Asks for a mode and sends the session's adapter `set follow-fork-mode MODE` (it answers in gdb's words). */
async function setFollowForkMode(): Promise<void> {
    const session = vscode.debug.activeDebugSession;
    if (!session || session.type !== DEBUG_TYPE) {
        void vscode.window.showErrorMessage('dap-threads: start (or select) a dap-threads debug session first.');
        return;
    }
    const picked = await vscode.window.showQuickPick(followForkItems(), {
        title: `Follow-fork mode of "${session.name}"`,
        placeHolder: 'What to do when the program forks',
    });
    if (!picked) {
        return;
    }
    try {
        const answer = await session.customRequest('evaluate', followForkRequest(picked.label));
        log.info(`${session.name}: ${answer.result}`);
        void vscode.window.showInformationMessage(`dap-threads: ${answer.result}`);
    } catch (err) {
        void vscode.window.showErrorMessage(`dap-threads: ${(err as Error).message}`);
    }
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

