import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { FOLLOW_FORK_MODES, followForkItems, followForkRequest } from '../src/followFork';

test('every mode is offered, parent first', () => {
    assert.deepEqual(
        followForkItems().map((i) => i.label),
        [...FOLLOW_FORK_MODES],
    );
});

test('the command sends the debug console command in gdb words', () => {
    assert.deepEqual(followForkRequest('both'), { expression: 'set follow-fork-mode both', context: 'repl' });
});
