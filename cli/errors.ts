/** Errors the CLI turns into a message and an exit code, never a stack trace. */
export const EXIT = { healthy: 0, unhealthy: 1, usage: 2, internal: 3 } as const;

/** Bad config or usage: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
