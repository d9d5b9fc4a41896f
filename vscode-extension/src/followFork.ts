// The "Set Follow-Fork Mode" command: gdb's follow-fork-mode, switched during a session through the
// adapter's debug console command (an `evaluate` request), so the Debug Console and the command agree.

export const FOLLOW_FORK_MODES = ['parent', 'child', 'both', 'ask'] as const;
export type FollowForkMode = (typeof FOLLOW_FORK_MODES)[number];

export interface ModeItem {
    label: FollowForkMode;
    description: string;
}

export function followForkItems(): ModeItem[] {
    return [
        { label: 'parent', description: 'forked children are detached and run untraced (default)' },
        { label: 'child', description: 'follow the child; the parent is detached and runs on' },
        { label: 'both', description: 'each child opens in a debug session of its own' },
        { label: 'ask', description: 'stop at each fork; continue follows the parent' },
    ];
}

/** The evaluate request that switches the mode (the adapter answers in gdb's words). */
export function followForkRequest(mode: FollowForkMode): { expression: string; context: string } {
    return { expression: `set follow-fork-mode ${mode}`, context: 'repl' };
}
