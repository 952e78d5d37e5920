/** The exit codes of every command: 0 healthy, 1 degraded or failed, 2 bad config or usage, 3 the monitor itself failed. */
export const EXIT = { healthy: 0, unhealthy: 1, usage: 2, internal: 3 } as const;
