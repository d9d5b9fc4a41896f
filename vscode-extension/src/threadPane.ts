// The thread list's names: the `dapThreads.threadName` setting becomes the `threadName` attach/launch
// argument (a configuration's own `threadName` wins), and the timeline panel registers its command.
import * as vscode from 'vscode';
import { withThreadName } from './threadName';
import { registerTimeline } from './timeline';

const DEBUG_TYPE = 'dap-threads';

class ThreadNameProvider implements vscode.DebugConfigurationProvider {
    // After variable substitution: every provider's resolveDebugConfiguration has run (one of them may
    // replace an empty configuration), so what is added here is not lost.
    resolveDebugConfigurationWithSubstitutedVariables(
        _folder: vscode.WorkspaceFolder | undefined,
        config: vscode.DebugConfiguration,
    ): vscode.DebugConfiguration {
        const setting = vscode.workspace.getConfiguration('dapThreads').get<string>('threadName', '');
        return withThreadName(config, setting);
    }
}

export function registerThreadPane(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ThreadNameProvider()));
    registerTimeline(context);
}
