/**
 * Uptime and incidents, as data: the one definition of both, for `serve`'s status page and for `download-doctor
 * report --since`, whatever keeps the history (`serve`'s database; on AWS, what the deployed instance stores). Pure.
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
 * On AWS the instance keeps no run, only each target's runs per UTC day by outcome (DayStats): there each run counts
 * its target's period (dayTotals), a run-weighted approximation of the same figures, exact when the target ran once
 * every period, and read by whole days.
 *
 * **An incident** is a span from the first page (an alarm of the `page` topic going to ALARM, sent) to the recovery
 * notice (the same alarm back to OK, sent or held back by a maintenance window): its verdict, the layer at fault and
 * the evidence as of the page, and how long it lasted. On AWS it is kept as a StoredIncident.
 */

import * as z from 'zod/mini';
import { mapLimit } from '../contract/concurrency.ts';
import { FAULTS, type Fault, STATUSES, type Status } from '../contract/names.ts';
import { safeText } from '../contract/text.ts';
import { type AlarmRule, RULE_IDS } from './rules.ts';

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

/** Targets read at once by the SLO report. */
export const SLO_CONCURRENCY = 16;

/** The report, from any source of history (the same computation for serve's database and for AWS). */
export async function sloReport(
  source: HistorySource,
  from: Date,
  to: Date,
  objective?: number,
): Promise<SloReport> {
  // A few targets at once: every read has its deadline from when it is sent, and a thousand at once would wait for
  // the client's sockets until the last ones timed out.
  const targets = await mapLimit(await source.targets(), SLO_CONCURRENCY, async (target) => {
    const time = await source.totals(target, from, to);
    return {
      target,
      time,
      availability: availability(time),
      incidents: await source.incidents(target, from, to),
    };
  });
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

/** Whether an incident overlaps `[from, to)`. */
export const overlaps = (i: Incident, from: Date, to: Date) =>
  i.openedAt.getTime() < to.getTime() && (i.closedAt === undefined || i.closedAt.getTime() >= from.getTime());

/** The incidents that overlap `[from, to)`, oldest first. */
export const incidentsIn = (incidents: readonly Incident[], from: Date, to: Date): Incident[] =>
  incidents.filter((i) => overlaps(i, from, to)).sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime());

// ---- What an instance stores on AWS (functions/probes/target-store.ts), read back through the same model. ----

const runs = z.int().check(z.nonnegative());

/**
 * One UTC day of a target on AWS: its runs by how they count (timeStateOf), and its period then. A run without a
 * verdict never reaches the report function (the plan counts the silence as the monitor's): no `noVerdict` here.
 */
export const dayStatsSchema = z.object({
  /** `YYYY-MM-DD`, UTC. */
  date: z.string(),
  healthy: runs,
  degraded: runs,
  failed: runs,
  /** Runs in a maintenance window of the target, whatever their verdict. */
  maintenance: runs,
  /** Of the healthy runs, those whose stage 1 failed, then passed on its confirmation. */
  flapped: runs,
  periodMs: z.int().check(z.positive()),
});
export type DayStats = z.output<typeof dayStatsSchema>;

/** The UTC day of a time. */
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/** An empty day for a target of this period. */
export const emptyDay = (date: string, periodMs: number): DayStats => ({
  date,
  healthy: 0,
  degraded: 0,
  failed: 0,
  maintenance: 0,
  flapped: 0,
  periodMs,
});

/** A day with one more run, counted as timeStateOf counts it. */
export function countRun(
  day: DayStats,
  run: { status: Status; maintenance?: boolean },
  flapped: boolean,
): DayStats {
  const state = timeStateOf(run) as Exclude<TimeState, 'noVerdict'>;
  return { ...day, [state]: day[state] + 1, flapped: day.flapped + (flapped ? 1 : 0) };
}

/**
 * A target's time by state from its days on AWS: each run counts its period (run-weighted: the time-weighted
 * figures' approximation, exact when the target ran once every period). By whole UTC days: every day `[from, to)`
 * touches counts whole (a report of the last 30 days includes today so far, and all of the first day).
 */
export function dayTotals(days: readonly DayStats[], from: Date, to: Date): TimeTotals {
  const first = dayOf(from);
  const last = dayOf(new Date(Math.max(from.getTime(), to.getTime() - 1)));
  const t = emptyTotals();
  for (const d of days) {
    if (d.date < first || d.date > last) continue;
    t.healthy += d.healthy * d.periodMs;
    t.degraded += d.degraded * d.periodMs;
    t.failed += d.failed * d.periodMs;
    t.maintenance += d.maintenance * d.periodMs;
  }
  return t;
}

/** The most evidence lines an incident keeps on AWS, and their length: it lives in the target's state item. */
const STORED_EVIDENCE = 5;
const STORED_EVIDENCE_CHARS = 240;

/** An incident as the instance keeps it on AWS (in the target's state while open, an item of its own once closed). */
export const storedIncidentSchema = z.object({
  /** The paging rule (`down`, `degraded`). */
  rule: z.enum(RULE_IDS),
  /** The first page (ISO 8601). */
  start: z.string(),
  /** The recovery notice; absent while open. */
  end: z.optional(z.string()),
  /** The verdict of the run that paged. */
  status: z.enum(STATUSES),
  faults: z.array(z.enum(FAULTS)),
  summary: z.string(),
  /** Its first few lines, each cut (the whole is in the report stored then). */
  evidence: z.array(z.string()),
});
export type StoredIncident = z.output<typeof storedIncidentSchema>;

/** The incident a page opens, as kept on AWS. */
export function storedIncident(
  rule: AlarmRule['id'],
  at: Date,
  verdict: { status: Status; faults: Fault[]; summary: string; evidence: string[] },
): StoredIncident {
  return {
    rule,
    start: at.toISOString(),
    status: verdict.status,
    faults: verdict.faults,
    summary: verdict.summary,
    evidence: verdict.evidence.slice(0, STORED_EVIDENCE).map((e) => safeText(e, STORED_EVIDENCE_CHARS)),
  };
}

/** A stored incident in the model every source fills; `alarm` is its alarm's name (instanceNames().alarm). */
export const incidentOfStored = (target: string, alarm: string, s: StoredIncident): Incident => ({
  target,
  alarm,
  rule: s.rule,
  openedAt: new Date(s.start),
  closedAt: s.end === undefined ? undefined : new Date(s.end),
  status: s.status,
  faults: s.faults,
  summary: s.summary,
  evidence: s.evidence,
});
