// The process picker's data: parsing `dap-threads ps --json`, what to leave out, how each row reads,
// and how typed text filters the rows. Pure functions, no `vscode` import, so plain node can test them.

/** One row of `dap-threads ps --json` (dap_threads/cli/ps.py). */
export interface ProcessRow {
    pid: number;
    name: string;
    threads: number;
    command: string;
    /** the owner's user name */
    user: string;
    /** CPU use over `ps`'s short sample, in % of one CPU */
    cpu: number;
    /** false when the kernel would refuse the attach; `reason` says why */
    traceable: boolean;
    reason?: string;
}

/** What the QuickPick shows for one process (a structural subset of vscode.QuickPickItem). */
export interface ProcessItem {
    label: string;
    description: string;
    detail: string;
    /** Our own filter decides what is shown, so VS Code's must not hide anything. */
    alwaysShow: true;
    pid: number;
    traceable: boolean;
    reason?: string;
}

/** Longest command line shown in a row's detail line; the rest is cut with an ellipsis. */
export const MAX_COMMAND_CHARS = 200;

/**
 * Parses the adapter's JSON listing. Throws an Error naming what is wrong if it is not
 * an array of {pid, name, threads, command}; drops malformed rows silently otherwise.
 */
export function parseProcessList(text: string): ProcessRow[] {
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (err) {
        throw new Error(`dap-threads ps --json printed no JSON: ${String(text).slice(0, 200)}`);
    }
    if (!Array.isArray(data)) {
        throw new Error('dap-threads ps --json printed no JSON array');
    }
    const rows: ProcessRow[] = [];
    for (const raw of data) {
        if (raw === null || typeof raw !== 'object') {
            continue;
        }
        const r = raw as Record<string, unknown>;
        if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 0) {
            continue;
        }
        rows.push({
            pid: r.pid,
            name: typeof r.name === 'string' ? r.name : '',
            threads: typeof r.threads === 'number' ? r.threads : 0,
            command: typeof r.command === 'string' ? r.command : '',
            user: typeof r.user === 'string' ? r.user : '',
            cpu: typeof r.cpu === 'number' && Number.isFinite(r.cpu) ? r.cpu : 0,
            // an older adapter lists only what it may trace, and says nothing
            traceable: r.traceable !== false,
            reason: typeof r.reason === 'string' ? r.reason : undefined,
        });
    }
    return rows;
}

/** True for a command line that runs the dap-threads adapter (or its `ps`) itself. */
export function isAdapterCommand(command: string): boolean {
    return /(^|[\s/])(-m\s+dap_threads|dap-threads)(\s|$)/.test(command);
}

/**
 * The rows a user may pick: leaves out kernel threads (no command line), the adapter's own
 * processes (tracing your debugger is never what you meant), and any pids in `exclude`;
 * those that can be traced first, each part sorted by name, then pid.
 */
export function selectableProcesses(rows: readonly ProcessRow[], exclude: Iterable<number> = []): ProcessRow[] {
    const skip = new Set(exclude);
    return rows
        .filter((r) => r.command.trim() !== '' && !isAdapterCommand(r.command) && !skip.has(r.pid))
        .sort((a, b) => Number(b.traceable) - Number(a.traceable) || a.name.localeCompare(b.name) || a.pid - b.pid);
}

export function threadCount(n: number): string {
    return n === 1 ? '1 thread' : `${n} threads`;
}

export function truncate(text: string, max: number): string {
    return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

export function cpuText(cpu: number): string {
    return `${cpu < 10 ? cpu.toFixed(1) : Math.round(cpu)}% CPU`;
}

/**
 * One QuickPick row: "name" / "pid 1234 · 5 threads · alice · 12.5% CPU" / "the command line"; one that
 * cannot be traced has a lock before its name and the reason before its command line.
 */
export function formatProcess(row: ProcessRow): ProcessItem {
    const who = row.user ? ` · ${row.user}` : '';
    const command = truncate(row.command, MAX_COMMAND_CHARS);
    return {
        label: row.traceable ? row.name || `pid ${row.pid}` : `$(lock) ${row.name || `pid ${row.pid}`}`,
        description: `pid ${row.pid} · ${threadCount(row.threads)}${who} · ${cpuText(row.cpu)}`,
        detail: row.traceable ? command : `cannot trace: ${row.reason ?? 'not allowed'} — ${command}`,
        alwaysShow: true,
        pid: row.pid,
        traceable: row.traceable,
        reason: row.reason,
    };
}

/**
 * Rows matching what the user typed: every whitespace-separated word must occur, case-insensitively,
 * in the name, the command line or the pid ("1234", "pid 1234"). A word that is all digits also matches
 * a pid that starts with it. Empty text matches everything.
 */
export function filterProcesses(rows: readonly ProcessRow[], text: string): ProcessRow[] {
    const words = text.toLowerCase().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) {
        return rows.slice();
    }
    return rows.filter((row) => {
        const haystack = `${row.name}\n${row.command}\npid ${row.pid}\n${row.user}`.toLowerCase();
        const pid = String(row.pid);
        return words.every((w) => haystack.includes(w) || (/^\d+$/.test(w) && pid.startsWith(w)));
    });
}

/** The items for the current text: filtered, then formatted. */
export function pickerItems(rows: readonly ProcessRow[], text: string): ProcessItem[] {
    return filterProcesses(rows, text).map(formatProcess);
}

/**
 * A launch configuration's `pid` after variable substitution: `${command:pickProcess}` yields a string.
 * Returns the integer pid, or undefined if it is missing; throws for anything that is not a pid.
 */
export function normalizePid(value: unknown): number | undefined {
    if (value === undefined || value === null || value === '') {
        return undefined;
    }
    if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 2 ** 31) {
        return value;
    }
    if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) {
        const n = Number(value.trim());
        if (n > 0 && n < 2 ** 31) {
            return n;
        }
    }
    throw new Error(`"pid" must be a process id (a positive integer), got ${JSON.stringify(value)}`);
}

/** Parses the `dapThreads.server` setting: "PORT" or "HOST:PORT" ("[::1]:PORT" for IPv6). */
export function parseServerAddress(value: string): { host: string; port: number } | undefined {
    const text = value.trim();
    if (text === '') {
        return undefined;
    }
    const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d{1,5})$/.exec(text);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port < 1 || port > 65535) {
        throw new Error(`dapThreads.server must be PORT or HOST:PORT, got "${value}"`);
    }
    return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}
