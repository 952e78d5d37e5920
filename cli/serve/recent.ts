/**
 * The recent time by state of each target, in memory: the last RECENT_HOURS hours and RECENT_DAYS days, in fixed
 * rings of numbers (a Float64Array per target and level, about 35 KiB a target). The store fills a target's rings
 * from its rollups once, then adds to them what it adds to the rollups, so that the status page of a fleet reads no
 * row at all: 500 targets' uptime over 24 h, 7 and 30 days and their 90-day strips are sums over these rings.
 */
import {
  emptyTotals,
  TIME_STATES,
  type TimeState,
  type TimeTotals,
} from '../../functions/alerting/history.ts';

export const RECENT_HOURS = 32 * 24;
export const RECENT_DAYS = 92;
const N = TIME_STATES.length;
const INDEX = Object.fromEntries(TIME_STATES.map((s, i) => [s, i])) as Record<TimeState, number>;

/** A ring of `count` buckets of `size` ms: each slot knows which bucket it holds, so that old ones are dropped. */
export class BucketRing {
  private readonly starts: Float64Array;
  private readonly values: Float64Array;

  constructor(
    readonly size: number,
    readonly count: number,
  ) {
    this.starts = new Float64Array(count).fill(Number.NaN);
    this.values = new Float64Array(count * N);
  }

  private slot(start: number): number {
    return ((Math.floor(start / this.size) % this.count) + this.count) % this.count;
  }

  /** Adds `ms` in `state` to the bucket that starts at `start` (a bucket older than the slot's is ignored). */
  add(start: number, state: TimeState, ms: number): void {
    const i = this.slot(start);
    const held = this.starts[i] ?? Number.NaN;
    if (held !== start) {
      if (held > start) return;
      this.starts[i] = start;
      this.values.fill(0, i * N, i * N + N);
    }
    this.values[i * N + INDEX[state]] = (this.values[i * N + INDEX[state]] ?? 0) + ms;
  }

  /** The bucket's totals, or undefined when the ring holds none for it. */
  get(start: number): TimeTotals | undefined {
    const i = this.slot(start);
    if (this.starts[i] !== start) return undefined;
    const t = emptyTotals();
    for (const s of TIME_STATES) t[s] = this.values[i * N + INDEX[s]] ?? 0;
    return t;
  }

  /** Adds into `into` (one number per state, in TIME_STATES' order) the buckets that start in `[from, to)`. */
  sumInto(into: Float64Array, from: number, to: number): void {
    for (let b = from; b < to; b += this.size) {
      const i = this.slot(b);
      if (this.starts[i] !== b) continue;
      for (let k = 0; k < N; k++) into[k] = (into[k] ?? 0) + (this.values[i * N + k] ?? 0);
    }
  }

  /** The first state of `order` (indexes of TIME_STATES) with time in the bucket, -1 for none (or no bucket). */
  firstOf(start: number, order: readonly number[]): number {
    const i = this.slot(start);
    if (this.starts[i] !== start) return -1;
    for (const [n, k] of order.entries()) if ((this.values[i * N + k] ?? 0) > 0) return n;
    return -1;
  }
}

/** Numbers in TIME_STATES' order as totals. */
export function totalsOf(values: Float64Array): TimeTotals {
  const t = emptyTotals();
  for (const [k, s] of TIME_STATES.entries()) t[s] = values[k] ?? 0;
  return t;
}

export const stateIndex = (s: TimeState) => INDEX[s];

/** A target's recent hours and days. */
export interface Recent {
  hours: BucketRing;
  days: BucketRing;
}
