// The adapter's token for a `--listen` adapter: from the dapThreads.serverToken setting into the
// configuration, whose attach/launch arguments carry it as "token". Plain functions (no vscode import)
// so node --test can check them.

/** The settings the decision reads. */
export interface TokenSettings {
    server: string;
    serverToken: string;
}

/** Whether this configuration talks to an adapter started with --listen (debugServer, or dapThreads.server). */
export function usesServer(config: object, settings: TokenSettings): boolean {
    return typeof (config as ServerFields).debugServer === 'number' || settings.server.trim() !== '';
}

interface ServerFields {
    debugServer?: unknown;
    token?: unknown;
}

/**
 * The configuration with `token` set from dapThreads.serverToken when it goes to a `--listen` adapter and
 * does not name a token itself. An adapter the extension starts over stdio runs as the user, who needs
 * no token, so the secret is not handed to it.
 */
export function withServerToken<T extends object>(config: T, settings: TokenSettings): T {
    const token = settings.serverToken.trim();
    const named = (config as ServerFields).token;
    const own = typeof named === 'string' && named !== '';
    if (own || token === '' || !usesServer(config, settings)) {
        return config;
    }
    return { ...config, token };
}
