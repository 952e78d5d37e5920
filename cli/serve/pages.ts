/**
 * What the status pages show, read from the store and the monitor for each target: its uptime windows and the strip
 * of its days (from the store's memory of recent hours and days: no row read), its open incidents; for its own page,
 * the last 24 hours, the hourly latency and its incidents (a few rows, through indexes: ./store.ts).
 */
import { DAY_MS, type Incident } from '../../functions/alerting/history.ts';
import { formatDuration } from '../../functions/config/duration.ts';
import { periodMs } from '../../functions/config/schedule.ts';
import type { Target } from '../../functions/config/schema.ts';
import type { Monitor } from './monitor.ts';
import type { Store } from './store.ts';
import { DAY_CLASSES } from './views/charts.ts';
import type { StatusTarget } from './views/status.ts';
import type { TargetPageInput } from './views/target.ts';

/** The uptime windows every page shows. */
export const UPTIME_WINDOWS = [
  ['24 h', DAY_MS],
  ['7 d', 7 * DAY_MS],
  ['30 d', 30 * DAY_MS],
] as const;
/** The strip's days, and the latency chart's span. */
export const STRIP_DAYS = 90;
const CHART_SPAN_MS = 7 * DAY_MS;
const SLICE_MS = 15 * 60_000;

export function statusTarget(
  store: Store,
  monitor: Monitor,
  t: Target,
  now: Date,
  open: readonly Incident[] = store.openIncidents(),
): StatusTarget {
  const every = periodMs(t);
  const latest = store.latest(t.name);
  return {
    name: t.name,
    description: t.description,
    every: formatDuration(every),
    latest,
    uptime: UPTIME_WINDOWS.map(([label, span]) => ({
      label,
      time: store.uptime(t.name, new Date(now.getTime() - span), now),
    })),
    strip: store.recentDayStates(t.name, now, STRIP_DAYS, DAY_CLASSES).map((s) => s ?? ('none' as const)),
    open: open.filter((i) => i.target === t.name),
    alarms: monitor.alarms(t.name),
    maintenance: monitor.maintenance(t),
  };
}

export function targetPageInput(
  store: Store,
  monitor: Monitor,
  t: Target,
  now: Date,
): Omit<TargetPageInput, 'viewer' | 'session' | 'refreshSeconds'> {
  const since = new Date(now.getTime() - DAY_MS);
  const chartFrom = new Date(now.getTime() - CHART_SPAN_MS);
  return {
    target: statusTarget(store, monitor, t, now),
    days: store.recentDays(t.name, now, STRIP_DAYS),
    slices: store.history(t.name, since, SLICE_MS),
    sliceMs: SLICE_MS,
    counts: store.totals(t.name, since, now).runs,
    hours: store.rows('hours', t.name, chartFrom, now),
    chartFrom,
    incidents: store.incidents(t.name, new Date(now.getTime() - STRIP_DAYS * DAY_MS), now),
    ...(monitor.inbox
      ? {
          locations: store.locationSummary(t.name, since),
          locationHours: store.locationHours(t.name, chartFrom),
        }
      : {}),
    now,
  };
}
