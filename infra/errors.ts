/** The construct was given a combination that cannot work; the message lists every problem. */
export class DownloadHealthchecksError extends Error {
  override name = 'DownloadHealthchecksError';
}
