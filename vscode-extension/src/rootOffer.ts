// When the kernel refuses to let the adapter trace a process: the offers of elevation.ts, made in VS Code
// (a warning with buttons, pkexec, sudo in a terminal, a dialog with the commands).
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { adapterPython } from './adapterPython';
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

/** A configuration field the extension sets itself: start the adapter through pkexec. */
export const ELEVATE = '__dapThreadsElevate';

let log: vscode.LogOutputChannel;

export function initRootOffer(output: vscode.LogOutputChannel): void {
    log = output;
}

/** Watches each session's answers for the adapter's ptrace permission error, and offers a way out. */
export class PermissionWatcher implements vscode.DebugAdapterTrackerFactory {
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
export async function elevate(
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
