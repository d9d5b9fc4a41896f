// What the extension offers when the kernel will not let the adapter trace a process (the adapter's error
// id 2001, or a process the picker marks "cannot trace"): what cppdbg offers, restarting the adapter as
// root, or the exact commands. Pure functions, no `vscode` import, so plain node can test them.

/** `body.error.id` of the adapter's ptrace permission error (dap_threads/dap/requests.py, ErrorIds). */
export const PTRACE_PERMISSION = 2001;

export const PKEXEC = 'Attach as Root (pkexec)';
export const SUDO = 'Attach as Root in a Terminal (sudo)';
export const SHOW = 'Show the Commands';

/** The error's variables (all strings), or what the picker knows of a process it marked. */
export interface Refusal {
    pid: string;
    /** "user", "ptrace_scope", "capability", or "" when not known (a picker row) */
    cause: string;
    /** Yama's ptrace_scope, "" without Yama or when not known */
    scope: string;
    /** the words the adapter (or `ps`) used */
    reason: string;
}

export interface Machine {
    hasPkexec: boolean;
    hasSudo: boolean;
    /** a graphical session, where pkexec can ask for the password in a window */
    hasDisplay: boolean;
}

/** The buttons to offer: pkexec needs a display for its password dialog, sudo a terminal (always there). */
export function elevationActions(refusal: Refusal, machine: Machine): string[] {
    const actions: string[] = [];
    // Root cannot help when even root was refused, nor with ptrace_scope 3.
    const rootHelps = refusal.cause !== 'capability' && refusal.scope !== '3';
    if (rootHelps && machine.hasPkexec && machine.hasDisplay) {
        actions.push(PKEXEC);
    }
    if (rootHelps && machine.hasSudo) {
        actions.push(SUDO);
    }
    actions.push(SHOW);
    return actions;
}

function shellQuote(text: string): string {
    return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The command that runs the adapter as root, serving `user` on a loopback port (the README's recipe). */
export function rootAdapterCommand(python: string, user: string, port: number): string {
    return `sudo ${shellQuote(python)} -m dap_threads --listen 127.0.0.1:${port} --allow-user ${shellQuote(user)}`;
}

/** The commands that would let this attach work, each with a line saying what it does. */
export function elevationCommands(refusal: Refusal, python: string, user: string, port: number): string[] {
    const lines: string[] = [];
    const scope = Number(refusal.scope);
    if (refusal.cause === 'ptrace_scope' || (refusal.cause === '' && /ptrace_scope is [12]/.test(refusal.reason))) {
        if (scope === 1 || /ptrace_scope is 1/.test(refusal.reason)) {
            lines.push('Let any program of yours trace your others until the next boot:', '  sudo sysctl kernel.yama.ptrace_scope=0');
        } else if (scope === 2 || /ptrace_scope is 2/.test(refusal.reason)) {
            lines.push('Let programs trace their own user\'s others until the next boot:', '  sudo sysctl kernel.yama.ptrace_scope=1');
        }
    }
    if (refusal.cause !== 'capability' && refusal.scope !== '3') {
        lines.push(
            `${lines.length ? 'Or run' : 'Run'} the adapter as root, serving you, and attach through it:`,
            `  ${rootAdapterCommand(python, user, port)}`,
            `  then add "debugServer": ${port} to the launch configuration (or set dapThreads.server to 127.0.0.1:${port})`,
        );
    }
    if (lines.length === 0) {
        lines.push('Even root may not trace it:', `  ${refusal.reason}`);
    }
    return lines;
}
