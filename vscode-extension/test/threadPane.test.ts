// Unit tests of the thread pane's pieces that need no VS Code: the threadName setting, the timeline page.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { withThreadName } from '../src/threadName';
import { pageHtml } from '../src/timelinePage';

describe('threadName setting', () => {
    const config = { type: 'dap-threads', request: 'attach', pid: 1 };
    it('fills threadName where the configuration has none', () => {
        assert.deepEqual(withThreadName(config, '{name} {state}'), { ...config, threadName: '{name} {state}' });
    });
    it("leaves a configuration's own threadName, and adds nothing for an empty setting", () => {
        assert.deepEqual(withThreadName({ ...config, threadName: '{tid}' }, '{name}'), { ...config, threadName: '{tid}' });
        assert.equal(withThreadName(config, '  '), config);
    });
});

describe('timeline page', () => {
    it('runs only its own inline scripts (nonce), fetches nothing, and keeps "</script>" in code from ending them', () => {
        const html = pageHtml('var DapThreadsTimeline = {}; const s = "</script>";', '.tl-plot {}', 'vscode-resource:');
        const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
        assert.ok(nonce);
        assert.match(html, /default-src 'none'/);
        assert.equal((html.match(new RegExp(`<script nonce="${nonce.replace(/[+/=]/g, '\\$&')}">`, 'g')) ?? []).length, 2);
        assert.ok(!html.includes('"</script>"') && html.includes('"<\\/script>"'));
        assert.ok(!/src="http|href="http/.test(html));
        assert.match(html, /acquireVsCodeApi\(\)/);
    });
});
