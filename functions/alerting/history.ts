/**
 * Uptime and incidents, as data: what `serve`'s status page and `download-doctor report --since` read, whatever
 * keeps the history (`serve`'s database; on AWS, what the deployed instance stores). Pure.
 *
 * **Availability is time-weighted from runs.** A run's outcome holds from its start until the next run starts, for
 * at most two of the target's intervals (a longer gap is time without data). Of that time:
 *   - `healthy` and `degraded` are up (downloads work), `failed` is down;
 *   - `noVerdict` (the run produced no verdict: the monitor failed, not the target) and `maintenance` (the run was in
 *     a maintenance window of the target, whatever its verdict) count neither way.
 * availability = (healthy + degraded) / (healthy + degraded + failed): Datadog's "(period − time in alert) /
 * period" with the period reduced to the time observed outside maintenance, and "in alert" the time failed (a single
 * failed run counts, though it pages no one). `undefined` when nothing was observed.
 *
 * **An incident** is a span from the first page (an alarm of the `page` topic going to ALARM, sent) to the recovery
 * notice (the same alarm back to OK): its verdict, the layer at fault and the evidence as of the page, and how long
 * it lasted.
 */
import type { Fault, Status } from '../contract/names.ts';

/** How a span of a target's time is counted. */
export const TIME_STATES = ['healthy', 'degraded', 'failed', 'noVerdict', 'maintenance'] as const;
export type TimeState = (typeof TIME_STATES)[number];
/** Milliseconds spent in each state. */
export type TimeTotals = Record<TimeState, number>;

export const emptyTotals = (): TimeTotals => ({
  healthy: 0,
  degraded: 0,
  failed: 0,
  noVerdict: 0,
  maintenance: 0,
});

export function addTotals(a: TimeTotals, b: Partial<TimeTotals>): TimeTotals {
  const out = { ...a };
  for (const s of TIME_STATES) out[s] += b[s] ?? 0;
  return out;
}

/** How a run counts: its verdict's status, unless it was in a maintenance window or produced no verdict. */
export function timeStateOf(run: { status?: Status | undefined; maintenance?: boolean }): TimeState {
  if (run.maintenance) return 'maintenance';
  return run.status ?? 'noVerdict';
}

/** The time a run's outcome covers: until the next run, at most two intervals. */
export const coverMs = (everyMs: number) => 2 * everyMs;

/** Time observed outside maintenance and with a verdict: the denominator of availability. */
export const observedMs = (t: TimeTotals) => t.healthy + t.degraded + t.failed;

/** The share of the observed time that downloads worked, 0 to 1; undefined when nothing was observed. */
export function availability(t: TimeTotals): number | undefined {
  const observed = observedMs(t);
  return observed > 0 ? (t.healthy + t.degraded) / observed : undefined;
}

/** One bucket's share of a span: `[from, to)` cut at multiples of `bucketMs` since the epoch (UTC hours, days). */
export interface BucketShare {
  start: number;
  ms: number;
}

export function splitByBucket(from: number, to: number, bucketMs: number): BucketShare[] {
  const out: BucketShare[] = [];
  for (let start = Math.floor(from / bucketMs) * bucketMs; start < to; start += bucketMs) {
    const ms = Math.min(to, start + bucketMs) - Math.max(from, start);
    if (ms > 0) out.push({ start, ms });
  }
  return out;
}

/**
 * The span a run's outcome covers, once the next run's start is known (or `now`, for the latest run): from its start
 * to the next, at most coverMs. Empty when the next run is not later (runs recorded out of order).
 */
export function coveredSpan(runAt: number, nextAt: number, everyMs: number): { from: number; to: number } {
  return { from: runAt, to: Math.max(runAt, Math.min(nextAt, runAt + coverMs(everyMs))) };
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** An incident: the first page to the recovery notice. */
export interface Incident {
  target: string;
  /** The alarm that paged (`download-doctor-local-prod-down`) and its rule (`down`, `degraded`). */
  alarm: string;
  rule: string;
  openedAt: Date;
  /** When the recovery notice went; absent while the incident is open. */
  closedAt?: Date | undefined;
  /** The verdict of the run that paged. */
  status: Status;
  faults: Fault[];
  summary: string;
  evidence: string[];
}

/** How long an incident lasted (an open one: so far). */
export const incidentMs = (i: Incident, now: Date) => (i.closedAt ?? now).getTime() - i.openedAt.getTime();

/** Milliseconds as people read them: the two largest units (`2 d 3 h`, `1 h 5 min`, `4 min 10 s`, `12 s`). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const units: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = units.findIndex(([n]) => n > 0);
  if (first === -1) return '0 s';
  return units
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n} ${u}`)
    .join(' ');
}

/** A share as a percentage people compare: 99.95 %, never 100 % unless it is exactly. */
export function percent(share: number | undefined): string {
  if (share === undefined) return 'no data';
  if (share === 1) return '100%';
  const p = Math.floor(share * 10_000) / 100;
  return `${p.toFixed(2)}%`;
}

/**
 * Where a report's history comes from: `serve`'s database (cli/serve/store.ts) or, on AWS, the instance's stored
 * per-day history and incidents. Both fill the same model, so the report is computed and printed once.
 */
export interface HistorySource {
  /** What it reads, for the report's header (`serve's database at …`, `instance prod on AWS`). */
  readonly name: string;
  /** The targets it has history of. */
  targets(): Promise<string[]>;
  /** A target's time by state over `[from, to)`, as exactly as the source keeps it (say, to the hour). */
  totals(target: string, from: Date, to: Date): Promise<TimeTotals>;
  /** The incidents that overlap `[from, to)`, oldest first. */
  incidents(target: string, from: Date, to: Date): Promise<Incident[]>;
}

/** One target's line of an SLO report. */
export interface SloTarget {
  target: string;
  time: TimeTotals;
  availability?: number | undefined;
  /** The incidents that overlap the report's span, oldest first. */
  incidents: Incident[];
}

/** The SLO report over `[from, to)`: availability per target, the time degraded, the incidents. */
export interface SloReport {
  source: string;
  from: Date;
  to: Date;
  /** The availability objective (0.999), when one was given. */
  objective?: number | undefined;
  targets: SloTarget[];
}

/** The report, from any source of history (the same computation for serve's database and for AWS). */
export async function sloReport(
  source: HistorySource,
  from: Date,
  to: Date,
  objective?: number,
): Promise<SloReport> {
  const targets = await Promise.all(
    (await source.targets()).map(async (target) => {
      const time = await source.totals(target, from, to);
      return {
        target,
        time,
        availability: availability(time),
        incidents: await source.incidents(target, from, to),
      };
    }),
  );
  return { source: source.name, from, to, objective, targets };
}

/**
 * The error budget of a target under `objective`: the time it may be down over what was observed, and what is left
 * of it (negative when spent).
 */
export function errorBudget(t: SloTarget, objective: number): { budgetMs: number; leftMs: number } {
  const budgetMs = (1 - objective) * observedMs(t.time);
  return { budgetMs, leftMs: budgetMs - t.time.failed };
}

/** Whether a target meets the objective (a target never observed does not fail it). */
export const meetsObjective = (t: SloTarget, objective: number) =>
  t.availability === undefined || t.availability >= objective;
