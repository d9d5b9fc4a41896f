// E2E scenarios of issue 15 (the thread pane), run by run.ts with its helpers:
//
// "thread states": launch testdata's threadstates with a thread that sleeps, then spins (role "wake"); the
//    Call Stack pane must show it as "S … nanosleep", then, without any pause, as "R …": the adapter's
//    `invalidated` event made VS Code ask for the threads again while the program runs.
// "timeline": launch a 20,000-thread storm (64 alive at a time, each living 100 ms); while it runs, the
//    Call Stack pane's title button opens the "dap-threads: Thread timeline" panel; its canvas must draw
//    thousands of threads, and more as the storm goes on (batches of custom events). Screenshots of both.
import * as fs from 'fs';
import * as path from 'path';
import { BrowserContext, Frame, Page } from 'playwright-core';

export interface Harness {
    context: BrowserContext;
    base: string;
    scratch: string;
    repo: string;
    artifacts: string;
    stepTimeout: number;
    say(msg: string): void;
    check(name: string, ok: boolean, detail?: string): void;
    shot(page: Page, name: string): Promise<void>;
    waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
    writeFolder(dir: string, configuration: object, folderSettings?: object): void;
    openAndStart(context: BrowserContext, url: string, configName: string, tag: string): Promise<Page>;
    callStackRows(page: Page, atEnd?: boolean): Promise<string[]>;
    stopDebugging(page: Page, tag: string): Promise<void>;
}

export async function threadPaneScenarios(h: Harness): Promise<void> {
    await threadStates(h);
    await timeline(h);
    // Not a check: the figures behind the adapter's threadRefreshLimit (README). E2E_MEASURE_REFRESH=1000,10000
    for (const n of (process.env.E2E_MEASURE_REFRESH ?? '').split(',').filter(Boolean).map(Number)) {
        await measureRefresh(h, n);
    }
}

async function threadStates(h: Harness): Promise<void> {
    const tag = 'states';
    const dir = path.join(h.scratch, 'states-folder');
    h.writeFolder(dir, {
        type: 'dap-threads',
        request: 'launch',
        name: 'Launch threadstates (e2e)',
        program: path.join(h.repo, 'testdata', 'build', 'threadstates'),
        args: ['wake', 'read', 'futex', 'sleep', 'spin'],
        // long enough for a slow first start to show it asleep first
        env: { THREADSTATES_WAKE_MS: '25000' },
    });
    try {
        const page = await h.openAndStart(h.context, `${h.base}/?folder=${encodeURIComponent(dir)}`, 'Launch threadstates (e2e)', tag);
        await widenSideBar(page);
        const wakeRow = (rows: string[]) => rows.find((r) => /^wake \(\d+\)/.test(r.trim()));
        const asleep = await h.waitFor('the "wake" thread asleep in the Call Stack pane', async () => {
            const row = wakeRow(await h.callStackRows(page));
            return row && /· S \d+% nanosleep/.test(row) ? row : false;
        });
        const rows = await h.callStackRows(page);
        h.say(`${tag}: Call Stack rows: ${JSON.stringify(rows)}`);
        const states = ['read \\(\\d+\\) · S \\d+% read', 'futex \\(\\d+\\) · S \\d+% futex', 'spin \\(\\d+\\) · R'];
        h.check(
            'states: the Call Stack pane names threads with their state, CPU and wait',
            states.every((s) => rows.some((r) => new RegExp(s).test(r))),
            JSON.stringify(rows),
        );
        await h.shot(page, 'states-1-thread-states');
        const awake = await h.waitFor('the "wake" thread running, without a pause', async () => {
            const row = wakeRow(await h.callStackRows(page));
            return row && /· R \d+%/.test(row) ? row : false;
        }, 60000).catch((err) => `${err}`);
        const paused = (await h.callStackRows(page)).some((r) => /PAUSED/i.test(r));
        h.check(
            'states: the thread list shows a changed state without any stop (invalidated while running)',
            /· R \d+%/.test(awake) && !paused,
            `before: ${asleep}; after: ${awake}; paused: ${paused}`,
        );
        await h.shot(page, 'states-2-changed-while-running');
        await part(h, page, '.part.sidebar', 'readme-thread-states');
        await threadScope(h, page);
        await h.stopDebugging(page, tag);
        await page.close();
    } catch (err) {
        h.check('states scenario', false, String(err));
        for (const p of h.context.pages()) {
            await h.shot(p, 'states-FAILED');
        }
    }
}

/** A screenshot of one part of the workbench (for the README: vscode-extension/media/). */
async function part(h: Harness, page: Page, selector: string, name: string): Promise<void> {
    await page.locator(selector).first().screenshot({ path: path.join(h.artifacts, `${name}.png`) }).catch((e) => h.say(`${name}: ${e}`));
}

/** Drags the side bar's edge to the right, so that the Call Stack pane shows whole names. */
async function widenSideBar(page: Page): Promise<void> {
    const box = await page.locator('.part.sidebar').boundingBox().catch(() => null);
    if (!box) {
        return;
    }
    const x = box.x + box.width + 1, y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 360, y, { steps: 8 });
    await page.mouse.up();
}

/** Pause, select the futex thread's top frame: the Variables pane must show its Thread scope. */
async function threadScope(h: Harness, page: Page): Promise<void> {
    await page.locator('.debug-toolbar .codicon-debug-pause').first().click();
    await h.waitFor('the threads paused', async () => (await h.callStackRows(page)).some((r) => /PAUSED/i.test(r)));
    const futex = page.locator('.debug-call-stack .monaco-list-row', { hasText: /^futex \(/ }).first();
    await futex.locator('.monaco-tl-twistie').click().catch(() => futex.click());
    const frame = await h.waitFor("the futex thread's frames", async () => {
        const rows = await h.callStackRows(page);
        const at = rows.findIndex((r) => /^futex \(/.test(r.trim()));
        return at >= 0 && rows[at + 1] && !/\(\d+\)/.test(rows[at + 1]) ? rows[at + 1] : false;
    });
    await page.locator('.debug-call-stack .monaco-list-row', { hasText: frame.split('\n')[0] }).first().click();
    const variables = await h.waitFor('the Thread scope in the Variables pane', async () => {
        const rows = await page.locator('.debug-variables .monaco-list-row').allInnerTexts();
        return rows.some((r) => /waits in/.test(r)) ? rows : false;
    }).catch(async () => page.locator('.debug-variables .monaco-list-row').allInnerTexts());
    const text = variables.join('\n');
    h.say(`states: Variables pane: ${JSON.stringify(variables)}`);
    h.check(
        'states: a paused thread\'s Thread scope shows its wait, CPU, creator and creation site',
        /^Thread/m.test(text) && /futex\(0x[0-9a-f]+, FUTEX_WAIT_PRIVATE\)/.test(text) && /main \(threadstates\.c:\d+\)/.test(text),
        text,
    );
    await h.shot(page, 'states-3-thread-scope');
    await part(h, page, '.part.sidebar', 'readme-thread-scope');
}

/** The timeline webview's frame: the one whose document holds the view (webviews are nested iframes). */
async function timelineFrame(page: Page): Promise<Frame | undefined> {
    for (const frame of page.frames()) {
        const threads = await frame.evaluate<string | undefined>('document.body?.dataset?.threads').catch(() => undefined);
        if (threads !== undefined) {
            return frame;
        }
    }
    return undefined;
}

async function shown(frame: Frame): Promise<{ threads: number; batches: number; changes: number }> {
    // (a string: this runs in the webview, whose DOM types this Node program does not have)
    return frame.evaluate(`({
        threads: Number(document.body.dataset.threads ?? 0),
        batches: Number(document.body.dataset.batches ?? 0),
        changes: Number(document.body.dataset.changes ?? 0),
    })`);
}

async function openTimeline(h: Harness, page: Page): Promise<string> {
    // The Call Stack pane's title bar shows its actions while the pointer is over it.
    const header = page.locator('.pane-header', { hasText: /call stack/i }).first();
    await header.hover().catch(() => undefined);
    const button = header.locator('.action-label[aria-label*="Thread Timeline"]').first();
    if (await button.isVisible().catch(() => false)) {
        await button.click();
        return 'the Call Stack title button';
    }
    await page.keyboard.press('Control+Shift+P');
    await page.locator('.quick-input-widget input').fill('>dap-threads: Thread Timeline');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Thread Timeline' }).first().click();
    return 'the command palette (no title button was visible)';
}

async function timeline(h: Harness): Promise<void> {
    const tag = 'timeline';
    const dir = path.join(h.scratch, 'timeline-folder');
    h.writeFolder(dir, {
        type: 'dap-threads',
        request: 'launch',
        name: 'Launch a storm (e2e)',
        program: path.join(h.repo, 'testdata', 'build', 'storm'),
        args: ['20000', '64', '100'],
    });
    try {
        const page = await h.openAndStart(h.context, `${h.base}/?folder=${encodeURIComponent(dir)}`, 'Launch a storm (e2e)', tag);
        await h.waitFor('storm threads in the Call Stack pane', async () => (await h.callStackRows(page)).some((r) => /storm \(\d+\)/.test(r)));
        const how = await openTimeline(h, page);
        h.say(`${tag}: opened the panel from ${how}`);
        h.check('timeline: a button in the Call Stack pane title bar opens the panel', how === 'the Call Stack title button', how);
        const frame = await h.waitFor('the timeline panel drawing threads', async () => {
            const f = await timelineFrame(page);
            return f && (await shown(f)).threads > 0 ? f : false;
        });
        const first = await shown(frame);
        await page.waitForTimeout(4000);
        const later = await shown(frame);
        h.say(`${tag}: panel showed ${JSON.stringify(first)}, 4 s later ${JSON.stringify(later)}`);
        const canvas = await frame.evaluate<number[]>(
            "(() => { const c = document.querySelector('canvas'); return c ? [c.width, c.height] : [0, 0]; })()",
        );
        h.check(
            'timeline: the panel draws the storm on a canvas, live (batches of custom events add threads)',
            canvas[0] > 200 && canvas[1] > 100 && later.threads > first.threads && later.batches > first.batches,
            `canvas ${canvas}, first ${JSON.stringify(first)}, later ${JSON.stringify(later)}`,
        );
        const tab = page.locator('.tab', { hasText: 'Thread timeline' }).first();
        h.check('timeline: the panel is titled "dap-threads: Thread timeline"', await tab.isVisible().catch(() => false));
        await h.shot(page, 'timeline-1-storm-panel');
        await part(h, page, '.part.editor', 'readme-timeline-panel');
        fs.writeFileSync(path.join(h.artifacts, 'timeline-panel.json'), JSON.stringify({ first, later, canvas }, null, 1));
        await h.stopDebugging(page, tag);
        await page.close();
    } catch (err) {
        h.check('timeline scenario', false, String(err));
        for (const p of h.context.pages()) {
            await h.shot(p, 'timeline-FAILED');
        }
    }
}

// ---- what a refresh costs VS Code (opt-in measurement) ------------------------------------------------

/** CPU seconds used so far by each process whose command line matches ``pattern`` (utime + stime), by pid. */
function cpuSeconds(pattern: RegExp): Map<string, number> {
    const found = new Map<string, number>();
    for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            if (!pattern.test(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) {
                continue;
            }
            const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
            found.set(entry, (Number(fields[11]) + Number(fields[12])) / 100); // utime, stime in USER_HZ ticks
        } catch {
            /* gone */
        }
    }
    return found;
}

/** CPU ms per second used by the processes there at both readings (one that ended in between is not counted). */
function cpuRate(before: Map<string, number>, after: Map<string, number>, seconds: number): number {
    let used = 0;
    for (const [pid, cpu] of after) {
        used += cpu - (before.get(pid) ?? cpu);
    }
    return (used * 1000) / seconds;
}

/** Messages the adapter logged since ``from`` (its debug log): invalidated events and threads requests. */
function logged(file: string, from: number): { invalidated: number; threads: number } {
    const text = fs.readFileSync(file, 'utf8').slice(from);
    return {
        invalidated: (text.match(/--> .*"event":"invalidated"/g) ?? []).length,
        threads: (text.match(/<-- .*"command": ?"threads"/g) ?? []).length,
    };
}

async function measureRefresh(h: Harness, n: number): Promise<void> {
    const results: Record<string, unknown> = {};
    for (const [mode, limit] of [['refreshed', 1e9], ['not refreshed', 0]] as const) {
        const tag = `refresh-${n}-${mode.replace(' ', '-')}`;
        const dir = path.join(h.scratch, `${tag}-folder`);
        h.writeFolder(dir, {
            type: 'dap-threads', request: 'launch', name: `Launch flip ${n} (${mode})`,
            program: path.join(h.repo, 'testdata', 'build', 'flip'), args: [String(n)],
            threadRefreshLimit: limit, creationStacks: false,
        });
        const page = await h.openAndStart(h.context, `${h.base}/?folder=${encodeURIComponent(dir)}`, `Launch flip ${n} (${mode})`, tag);
        try {
            await h.waitFor(`flip's threads in the Call Stack pane`, async () => (await h.callStackRows(page)).length > 5, 180000);
            await page.waitForTimeout(15000); // the storm of `thread` events at its start settles
            const cdp = await page.context().newCDPSession(page);
            await cdp.send('Performance.enable');
            const metric = async () => {
                const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
                return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
            };
            const log = path.join(h.artifacts, 'adapter.log');
            const logFrom = fs.statSync(log).size;
            const before = { renderer: await metric(), host: cpuSeconds(/extensionHost/), adapter: cpuSeconds(/-m dap_threads/) };
            const seconds = 20;
            await page.waitForTimeout(seconds * 1000);
            const after = { renderer: await metric(), host: cpuSeconds(/extensionHost/), adapter: cpuSeconds(/-m dap_threads/) };
            const counts = logged(log, logFrom);
            results[mode] = {
                seconds,
                ...counts,
                renderer_ms_per_s: ((after.renderer - before.renderer) * 1000) / seconds,
                extension_host_ms_per_s: cpuRate(before.host, after.host, seconds),
                adapter_ms_per_s: cpuRate(before.adapter, after.adapter, seconds),
            };
            h.say(`${tag}: ${JSON.stringify(results[mode])}`);
            await h.shot(page, tag);
        } catch (err) {
            h.say(`${tag}: not measured: ${err}`);
        }
        await h.stopDebugging(page, tag);
        await page.close();
    }
    fs.writeFileSync(path.join(h.artifacts, `refresh-cost-${n}.json`), JSON.stringify(results, null, 1));
}
