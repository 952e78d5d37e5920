/**
 * What an instance keeps of a target's past on AWS, for an uptime report (issue 21's `report --since`): per day,
 * its runs by outcome, and its incidents (first page to recovery). The report function writes them beside the
 * target's alarm memory (./target-state.ts); uptimeOf reads them back into the figures a report prints. Pure.
 */
import * as z from 'zod/mini';

const runs = z.int().check(z.nonnegative());

/** One day (UTC) of a target: its runs by outcome, and its period then (time degraded = degraded × period). */
export const dayStatsSchema = z.object({
  /** `YYYY-MM-DD`, UTC. */
  date: z.string(),
  healthy: runs,
  degraded: runs,
  failed: runs,
  /** Of the healthy runs, those whose stage 1 failed, then passed on its confirmation. */
  flapped: runs,
  periodMs: z.int().check(z.positive()),
});
export type DayStats = z.output<typeof dayStatsSchema>;

/** From the first page of a paging rule to its recovery notice. `end` absent: still open. */
export const incidentSchema = z.object({
  rule: z.string(),
  start: z.string(),
  end: z.optional(z.string()),
  /** The layer the verdict put at fault when it paged (null: unknown). */
  layer: z.nullable(z.string()),
  summary: z.string(),
});
export type Incident = z.output<typeof incidentSchema>;

/** The UTC day of a time. */
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/** An empty day for a target of this period. */
export const emptyDay = (date: string, periodMs: number): DayStats => ({
  date,
  healthy: 0,
  degraded: 0,
  failed: 0,
  flapped: 0,
  periodMs,
});

/** A day with one more run of this outcome. */
export function countRun(
  day: DayStats,
  status: 'healthy' | 'degraded' | 'failed',
  flapped: boolean,
): DayStats {
  return { ...day, [status]: day[status] + 1, flapped: day.flapped + (flapped ? 1 : 0) };
}

export interface Uptime {
  target: string;
  runs: { healthy: number; degraded: number; failed: number; flapped: number; total: number };
  /** Share of runs whose downloads worked (healthy or degraded), 0 to 1; undefined without runs. */
  availability: number | undefined;
  /** Time spent degraded, in milliseconds: each degraded run counts its period. */
  degradedMs: number;
  /** Time spent failed, in milliseconds: each failed run counts its period. */
  failedMs: number;
  /** The incidents that overlap the span, oldest first (an open one has no end). */
  incidents: Incident[];
}

/**
 * A target's uptime over [since, until): the days that fall in it (by date), the incidents that overlap it. The
 * day of `until` counts whole when it is in the data: a report of the last 30 days includes today so far.
 */
export function uptimeOf(
  target: string,
  days: readonly DayStats[],
  incidents: readonly Incident[],
  since: Date,
  until: Date,
): Uptime {
  const from = dayOf(since);
  const to = dayOf(until);
  const kept = days.filter((d) => d.date >= from && d.date <= to);
  const sum = (key: 'healthy' | 'degraded' | 'failed' | 'flapped') => kept.reduce((n, d) => n + d[key], 0);
  const total = sum('healthy') + sum('degraded') + sum('failed');
  const overlaps = (i: Incident) =>
    Date.parse(i.start) < until.getTime() && (i.end === undefined || Date.parse(i.end) >= since.getTime());
  return {
    target,
    runs: {
      healthy: sum('healthy'),
      degraded: sum('degraded'),
      failed: sum('failed'),
      flapped: sum('flapped'),
      total,
    },
    availability: total ? (sum('healthy') + sum('degraded')) / total : undefined,
    degradedMs: kept.reduce((n, d) => n + d.degraded * d.periodMs, 0),
    failedMs: kept.reduce((n, d) => n + d.failed * d.periodMs, 0),
    incidents: incidents.filter(overlaps).sort((a, b) => a.start.localeCompare(b.start)),
  };
}
