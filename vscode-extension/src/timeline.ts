// "dap-threads: Thread timeline": a webview panel drawing the threads' lives of a dap-threads session, live.
//
// The adapter answers the custom request `dapThreads.timeline` with everything recorded so far and the
// drawing code that reads it (the same canvas code as `dap-threads run --record`: one <canvas>, no DOM
// node per thread, so a 20,000-thread storm stays smooth), then sends what it records next as custom
// `dapThreads.timeline` events, at most one a second, which the panel appends. Closing the panel asks the
// adapter to stop sending them.
import * as vscode from 'vscode';
import { pageHtml } from './timelinePage';

export const TIMELINE_COMMAND = 'dap-threads.showTimeline';
const DEBUG_TYPE = 'dap-threads';
const EVENT = 'dapThreads.timeline';

interface TimelineAnswer {
    data: unknown;
    script: string;
    style: string;
}

/** What the extension posts to the webview. */
export type PanelMessage =
    | { type: 'data'; data: unknown }
    | { type: 'batch'; batch: unknown }
    | { type: 'ended'; text: string };

class TimelinePanel {
    private ready = false;
    private queue: PanelMessage[] = [];
    private disposed = false;

    constructor(
        readonly session: vscode.DebugSession,
        private readonly panel: vscode.WebviewPanel,
        answer: TimelineAnswer,
        onDispose: () => void,
    ) {
        panel.webview.html = pageHtml(answer.script, answer.style, panel.webview.cspSource);
        panel.webview.onDidReceiveMessage((message: { type?: string }) => {
            if (message?.type === 'ready') {
                this.ready = true;
                const queued = this.queue;
                this.queue = [];
                queued.forEach((m) => void this.panel.webview.postMessage(m));
            }
        });
        panel.onDidDispose(() => {
            this.disposed = true;
            onDispose();
            // The adapter stops sending batches nobody draws (the session may be gone already).
            void Promise.resolve(this.session.customRequest(EVENT, { follow: false })).catch(() => undefined);
        });
        this.post({ type: 'data', data: answer.data });
    }

    post(message: PanelMessage): void {
        if (this.disposed) {
            return;
        }
        if (this.ready) {
            void this.panel.webview.postMessage(message);
        } else {
            this.queue.push(message);
        }
    }

    reveal(): void {
        this.panel.reveal();
    }
}

const panels = new Map<string, TimelinePanel>();

export function registerTimeline(context: vscode.ExtensionContext): void {
    context.subscriptions.push(
        vscode.commands.registerCommand(TIMELINE_COMMAND, () => showTimeline()),
        vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
            if (e.event === EVENT && e.session.type === DEBUG_TYPE) {
                panels.get(e.session.id)?.post({ type: 'batch', batch: e.body });
            }
        }),
        vscode.debug.onDidTerminateDebugSession((session) => {
            panels.get(session.id)?.post({ type: 'ended', text: 'the debug session has ended' });
        }),
    );
}

function sessionToShow(): vscode.DebugSession | undefined {
    const active = vscode.debug.activeDebugSession;
    return active?.type === DEBUG_TYPE ? active : undefined;
}

async function showTimeline(): Promise<void> {
    const session = sessionToShow();
    if (!session) {
        void vscode.window.showInformationMessage(
            'dap-threads: the thread timeline shows a dap-threads debug session: start one (Run and Debug), then run this command.',
        );
        return;
    }
    const open = panels.get(session.id);
    if (open) {
        open.reveal();
        return;
    }
    let answer: TimelineAnswer;
    try {
        answer = (await session.customRequest(EVENT, { follow: true })) as TimelineAnswer;
    } catch (err) {
        void vscode.window.showErrorMessage(`dap-threads: the adapter did not give the timeline: ${(err as Error).message}`);
        return;
    }
    const panel = vscode.window.createWebviewPanel(
        'dapThreads.timeline',
        `dap-threads: Thread timeline (${session.name})`,
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
        { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] },
    );
    panels.set(session.id, new TimelinePanel(session, panel, answer, () => panels.delete(session.id)));
}
