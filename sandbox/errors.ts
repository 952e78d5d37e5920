/** The sandbox's own error: it could not start or change state; the message carries the last lines of the relevant logs. */
export class SandboxError extends Error {
  override name = 'SandboxError';
}
