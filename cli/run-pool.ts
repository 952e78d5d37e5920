/**
 * How many runs go at once, for `run` and `serve`: at most `concurrency` runs in all, and at most `perOrigin` of
 * them against any one origin (a `host:port` a target's checks connect to). A soak of `serve` with 200 targets that
 * all started at once opened 747 sockets, nginx dropped connections, and healthy targets paged: the monitor's own
 * burst must never be what it reports.
 *
 * A run waits until there is room for all of it (a place in the pool and at each of its origins) and then takes it
 * all at once, so that no run holds one origin while it waits for another (no deadlock, no origin held idle).
 * The runs waiting go first come, first served, but one that cannot start yet does not hold back those behind it
 * that can (a slow origin does not stall the others).
 */
import type { Target } from '../functions/config/schema.ts';
import { UsageError } from '../functions/contract/errors.ts';

/** How many runs go at once by default (`--concurrency`). */
export const DEFAULT_CONCURRENCY = 8;
/** The largest `--concurrency` accepted. */
export const MAX_CONCURRENCY = 100;

/**
 * At most this many runs at once against one origin. A run already opens up to 6 connections at once to an origin
 * (end to end's download, HEAD, range and internal probes, the app's GET and HEAD): as many as a browser opens per
 * origin. 4 runs (24 connections) keep the monitor's load at a few browsers' worth, which is enough to run a fleet on
 * one stack: on the sandbox (2 gunicorn workers), 1 run at a time makes 22 runs/s, 2 make 32, 4 make 33 and 8 make
 * 35, while each run takes 40, 59, 118 and 221 ms (median). Past 2 or 4 the stack does no more work, and a run only
 * waits longer inside it: the monitor's own queueing would show as the stack's latency. And with the default pool of
 * 8, an origin that times out holds at most half of it.
 */
export const PER_ORIGIN = 4;

/** A run that never started: the pool was closed while it waited (serve stops). */
export class RunNotStartedError extends Error {
  override name = 'RunNotStartedError';
}

/** `--concurrency N`, checked: a whole number from 1 to MAX_CONCURRENCY (absent: the default). */
export function concurrencyOf(value: string | number | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY)
    throw new UsageError(
      `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (got "${value}")`,
    );
  return n;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** `host:port` of a URL, the port its scheme's default when the URL names none. */
function originOf(url: string, connectTo?: string): string {
  const u = new URL(url);
  const port = u.port || DEFAULT_PORTS[u.protocol] || '';
  if (connectTo) {
    // "host", "host:port" or "[v6]:port": the URL's port when it names none.
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(connectTo);
    return `${(m?.[1] ?? connectTo).toLowerCase()}:${m?.[2] ?? port}`;
  }
  return `${u.hostname.toLowerCase()}:${port}`;
}

/**
 * The origins a run of the target connects to: its HTTP checks' (where `connectTo` sends them, else the URL's
 * host), and its S3 endpoint when it names one (S3 itself, with no endpoint, is no one's stack to spare).
 */
export function originsOf(t: Target): string[] {
  const origins = [
    originOf(t.endToEnd.url, t.endToEnd.connectTo),
    originOf(t.app.url, t.app.connectTo),
    ...(t.proxy ? [originOf(t.proxy.url, t.proxy.connectTo)] : []),
    ...(t.storage?.type === 's3' && t.storage.endpoint ? [originOf(t.storage.endpoint)] : []),
  ];
  return [...new Set(origins)].sort();
}

interface Waiting {
  origins: readonly string[];
  start: () => void;
  cancel: (err: Error) => void;
}

export class RunPool {
  private active = 0;
  private readonly atOrigin = new Map<string, number>();
  private readonly queue: Waiting[] = [];
  private closed = false;

  constructor(
    readonly concurrency: number = DEFAULT_CONCURRENCY,
    readonly perOrigin: number = PER_ORIGIN,
  ) {}

  /**
   * Runs `fn` once there is room for it (a place in the pool and at each of `origins`), and gives the room back
   * when it settles (`fn` is called as the run starts: a caller measures its wait there). Rejects with
   * RunNotStartedError, without calling `fn`, when the pool is closed before it could start.
   */
  async run<T>(origins: readonly string[], fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(origins)];
    await new Promise<void>((start, cancel) => {
      if (this.closed) return cancel(new RunNotStartedError('the pool is closed'));
      this.queue.push({ origins: unique, start, cancel });
      this.dispatch();
    });
    try {
      return await fn();
    } finally {
      this.active -= 1;
      for (const o of unique) {
        const n = (this.atOrigin.get(o) ?? 1) - 1;
        if (n === 0) this.atOrigin.delete(o);
        else this.atOrigin.set(o, n);
      }
      this.dispatch();
    }
  }

  private fits(w: Waiting): boolean {
    return w.origins.every((o) => (this.atOrigin.get(o) ?? 0) < this.perOrigin);
  }

  /** Starts every waiting run there is room for, in the order they came. */
  private dispatch(): void {
    for (let i = 0; i < this.queue.length && this.active < this.concurrency; ) {
      const w = this.queue[i] as Waiting;
      if (!this.fits(w)) {
        i += 1;
        continue;
      }
      this.queue.splice(i, 1);
      this.active += 1;
      for (const o of w.origins) this.atOrigin.set(o, (this.atOrigin.get(o) ?? 0) + 1);
      w.start();
    }
  }

  /** Runs under way. */
  get running(): number {
    return this.active;
  }

  /** Runs waiting for room. */
  get waiting(): number {
    return this.queue.length;
  }

  /** The runs under way against `origin`. */
  runningAt(origin: string): number {
    return this.atOrigin.get(origin) ?? 0;
  }

  /** No run starts any more: the waiting ones are rejected (RunNotStartedError); those under way go on. */
  close(): void {
    this.closed = true;
    for (const w of this.queue.splice(0)) w.cancel(new RunNotStartedError('serve is stopping'));
  }
}
