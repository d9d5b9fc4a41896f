// The timeline panel's page (no VS Code API here, so plain node tests can read it).
import * as crypto from 'crypto';

/**
 * The webview's page: the adapter's drawing code and style inline (a nonce lets only them run; nothing is
 * fetched), and a small glue script that feeds it the messages the extension posts.
 */
export function pageHtml(script: string, style: string, cspSource: string): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const csp = [
        "default-src 'none'",
        `style-src ${cspSource} 'unsafe-inline'`,
        `script-src 'nonce-${nonce}'`,
    ].join('; ');
    // Inside <script>, "</" would end the element early.
    const inline = (code: string) => code.replace(/<\//g, '<\\/');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${style.replace(/<\//g, '<\\/')}
html, body { height: 100vh; padding: 0; }</style>
</head>
<body>
<div id="app"><p style="padding: 1em">Waiting for the adapter's timeline…</p></div>
<script nonce="${nonce}">${inline(script)}</script>
<script nonce="${nonce}">${inline(GLUE)}</script>
</body>
</html>`;
}

/**
 * Runs in the webview: builds the view from the first data, appends batches; counts in data-* for tests.
 * While the user has not zoomed, panned or scrolled, the view follows the recording (fits it all after
 * each batch); "Fit" (or the f key) follows again.
 */
const GLUE = `
(function () {
  "use strict";
  const vscode = acquireVsCodeApi();
  const root = document.getElementById("app");
  let view = null, batches = 0, follow = true;
  const stop = () => { follow = false; };
  root.addEventListener("wheel", stop, { capture: true, passive: true });
  root.addEventListener("mousedown", (e) => { if (!(e.target instanceof HTMLButtonElement)) stop(); }, { capture: true });
  root.addEventListener("keydown", (e) => { if (e.key === "f" || e.key === "0") follow = true; else stop(); }, { capture: true });
  root.addEventListener("click", (e) => {
    const b = e.target instanceof HTMLButtonElement ? e.target : null;
    if (b) follow = b.title.startsWith("show everything");
  }, { capture: true });
  function count() {
    if (!view) return;
    document.body.dataset.threads = String(view.model.lanes.length);
    document.body.dataset.changes = String(view.model.changes);
    document.body.dataset.batches = String(batches);
  }
  window.addEventListener("message", (event) => {
    const message = event.data || {};
    if (message.type === "data") {
      root.textContent = "";
      const started = performance.now();
      view = new DapThreadsTimeline.TimelineView(root, message.data);
      window.timelineView = view;
      document.body.dataset.renderMs = (performance.now() - started).toFixed(1);
      view.note("live: updated each second while the program runs");
    } else if (message.type === "batch" && view) {
      batches++;
      view.append(message.batch);
      if (follow) { view.fit(); view.schedule(); }
    } else if (message.type === "ended" && view) {
      view.note(message.text);
    }
    count();
  });
  vscode.postMessage({ type: "ready" });
})();
`;
