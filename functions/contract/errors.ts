/**
 * Every error download-doctor raises, in one place. Callers tell them apart with `instanceof`, never by name.
 *
 * Two families decide the CLI's exit code: a `UsageError` is the caller's to fix (bad usage, a bad config: exit
 * 2); any other error means the monitor itself failed (exit 3). A failed *check* is never an error: it is a
 * result with `ok: false`.
 */

/** Bad usage or a bad config: the message says what to change. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A config file that cannot be read or does not validate; the message lists every problem with its field. */
export class ConfigError extends UsageError {
  override name = 'ConfigError';
}

/** No target of that name (the message lists the names that exist), or several and none chosen. */
export class TargetNotFoundError extends UsageError {
  override name = 'TargetNotFoundError';
}

/** A referenced secret cannot be read. Its message names the reference, never a value. */
export class SecretMissingError extends Error {
  override name = 'SecretMissingError';
}

/**
 * A referenced secret cannot be read because the monitor's own credentials (or signing) failed: the check could
 * not run, and the monitor needs fixing (kind `monitor-credentials` or `monitor-signing`).
 */
export class MonitorCredentialsError extends SecretMissingError {
  override name = 'MonitorCredentialsError';
  constructor(
    message: string,
    readonly kind: 'monitor-credentials' | 'monitor-signing',
  ) {
    super(message);
  }
}

/** A Lambda function was deployed without a setting it needs (its config file, an environment variable). */
export class ConfigMissingError extends Error {
  override name = 'ConfigMissingError';
}

/** A value that is not what its boundary expects. `problems` has one line per bad field, with its path. */
export class WireFormatError extends Error {
  override name = 'WireFormatError';
  constructor(
    readonly what: string,
    readonly problems: readonly string[],
  ) {
    super(`${what} is malformed: ${problems.join('; ')}`);
  }
}

/** A Task state's event is not what the workflow sends: a bug or a hand-made execution input, never retried. */
export class InvalidEventError extends WireFormatError {
  override name = 'InvalidEventError';
}

/** A workflow execution (local or deployed) ended without a verdict. */
export class ExecutionFailedError extends Error {
  override name = 'ExecutionFailedError';
}

/** A deployed execution succeeded, but its output is not a download-doctor report. */
export class NotAReportError extends Error {
  override name = 'NotAReportError';
}

/** A deployed execution did not end within the caller's deadline. */
export class InvokeTimeoutError extends Error {
  override name = 'InvokeTimeoutError';
}
