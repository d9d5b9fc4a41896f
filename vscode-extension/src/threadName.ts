// The dapThreads.threadName setting as the threadName argument (no VS Code API: plain node tests).

/** The configuration with the setting's threadName added, unless it has one (or the setting is empty). */
export function withThreadName<T extends object>(config: T, setting: string): T {
    if ('threadName' in config || setting.trim() === '') {
        return config;
    }
    return { ...config, threadName: setting };
}
