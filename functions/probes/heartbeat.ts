/**
 * The heartbeat: a GET of the construct's `heartbeatUrl` after every completed run, a dead-man's switch outside
 * AWS (healthchecks.io, Cronitor, Better Stack...): when runs stop (the region's Lambda, Step Functions or
 * SNS down, the schedule deleted), the pings stop and the outside service pages. A ping has a deadline and
 * never fails the run: the outside service notices a missed ping by itself.
 */
export const HEARTBEAT_DEADLINE_MS = 5_000;

/** Pings `url`; resolves in all cases, with what happened (logged by the caller). */
export function heartbeat(url: string, deadlineMs = HEARTBEAT_DEADLINE_MS): () => Promise<string> {
  const where = new URL(url);
  // The path and query often carry the check's token: only the origin is ever printed.
  const printable = where.origin;
  return async () => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(deadlineMs), redirect: 'follow' });
      await res.body?.cancel();
      return res.ok ? `heartbeat sent to ${printable}` : `heartbeat to ${printable}: HTTP ${res.status}`;
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${deadlineMs} ms` : e.message;
      return `heartbeat to ${printable} failed: ${why}`;
    }
  };
}
