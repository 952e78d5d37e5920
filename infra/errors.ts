/** The construct was given a combination that cannot work; the message lists every problem. */
export class DownloadHealthchecksError extends Error {
  override name = 'DownloadHealthchecksError';

  constructor(message: string) {
    super(message);
    // What to fix is the message: a user's `cdk synth` prints it without a stack of the construct's internals.
    this.stack = `${this.name}: ${message}`;
  }
}
