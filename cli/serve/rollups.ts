/**
 * `serve`'s hourly and daily rollups of the history (tables `hours` and `days`, one row per target and UTC hour or
 * day): the time in each state (functions/alerting/history.ts: time-weighted from runs), the runs by outcome, and
 * each layer's latency (count, sum, max). They are kept up to date as each run is recorded, so that the status page,
 * /metrics and `report --since` read a few rows per target, whatever the history's length: per-run detail is kept for
 * days, the rollups for months (the retention is a setting).
 */
import {
  type BucketShare,
  DAY_MS,
  emptyTotals,
  HOUR_MS,
  splitByBucket,
  TIME_STATES,
  type TimeState,
  type TimeTotals,
} from '../../functions/alerting/history.ts';
import { LAYERS, type Layer } from '../../functions/contract/names.ts';
import type { RunOutcome } from './outcome.ts';

export const ROLLUPS = { hours: HOUR_MS, days: DAY_MS } as const;
export type Rollup = keyof typeof ROLLUPS;

/** SQL column names: `no_verdict_ms`, `e2e_sum`. */
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const TIME_COLUMNS = TIME_STATES.map((s) => `${snake(s)}_ms`);
const RUN_COLUMNS = ['healthy_runs', 'degraded_runs', 'failed_runs', 'error_runs', 'flapped'] as const;
const LAYER_PREFIX: Record<Layer, string> = {
  'end-to-end': 'e2e',
  app: 'app',
  storage: 'storage',
  proxy: 'proxy',
};
const LAYER_COLUMNS = LAYERS.flatMap((l) => ['n', 'sum', 'max'].map((x) => `${LAYER_PREFIX[l]}_${x}`));
const COLUMNS = [...TIME_COLUMNS, ...RUN_COLUMNS, ...LAYER_COLUMNS];

export const ROLLUP_SCHEMA = Object.keys(ROLLUPS)
  .map(
    (table) => `CREATE TABLE IF NOT EXISTS ${table} (
  target TEXT NOT NULL,
  start INTEGER NOT NULL,
  ${COLUMNS.map((c) => `${c} REAL NOT NULL DEFAULT 0`).join(',\n  ')},
  PRIMARY KEY (target, start)
) WITHOUT ROWID;`,
  )
  .join('\n');

/** One upsert adds to a row: sums add, maxima take the larger. */
export const upsertSql = (table: Rollup) =>
  `INSERT INTO ${table} (target, start, ${COLUMNS.join(', ')}) VALUES (?, ?, ${COLUMNS.map(() => '?').join(', ')})
   ON CONFLICT (target, start) DO UPDATE SET ${COLUMNS.map((c) =>
     c.endsWith('_max') ? `${c} = MAX(${c}, excluded.${c})` : `${c} = ${c} + excluded.${c}`,
   ).join(', ')}`;

/** What one run adds to its bucket: its outcome's count and its layers' latencies. */
export interface RunContribution {
  outcome: RunOutcome;
  flapped: boolean;
  latency: Partial<Record<Layer, number>>;
}

/** An upsert's values: time by state, runs, latency. */
export function rowValues(time: Partial<TimeTotals>, run?: RunContribution): number[] {
  const runs = RUN_COLUMNS.map((c) =>
    run && (c === 'flapped' ? run.flapped : c === `${run.outcome}_runs`) ? 1 : 0,
  );
  const layers = LAYERS.flatMap((l) => {
    const ms = run?.latency[l];
    return ms === undefined ? [0, 0, 0] : [1, ms, ms];
  });
  return [...TIME_STATES.map((s) => time[s] ?? 0), ...runs, ...layers];
}

/** A span of time in one state, split into the buckets of `table`. */
export const spanShares = (table: Rollup, from: number, to: number): BucketShare[] =>
  splitByBucket(from, to, ROLLUPS[table]);

/** A day's time by state (the strip). */
export interface DayTime {
  start: number;
  time: TimeTotals;
}

/** The runs by outcome, as the store and the views count them. */
export type RunCounts = Record<RunOutcome | 'flapped', number>;

/** A rollup row (or a sum of rows) as data. */
export interface RollupRow {
  start: number;
  time: TimeTotals;
  runs: RunCounts;
  latency: Partial<Record<Layer, { n: number; meanMs: number; maxMs: number }>>;
}

/** SELECT list of the sums over rows (SUM of each column; MAX of the maxima). */
export const SUM_COLUMNS = COLUMNS.map((c) => `${c.endsWith('_max') ? 'MAX' : 'SUM'}(${c}) AS ${c}`).join(
  ', ',
);
export const ALL_COLUMNS = COLUMNS.join(', ');

export function rowOf(row: Record<string, unknown>): RollupRow {
  const n = (c: string) => Number(row[c] ?? 0);
  const time = emptyTotals();
  for (const [i, s] of TIME_STATES.entries()) time[s as TimeState] = n(TIME_COLUMNS[i] ?? '');
  const latency: RollupRow['latency'] = {};
  for (const l of LAYERS) {
    const p = LAYER_PREFIX[l];
    const count = n(`${p}_n`);
    if (count > 0) latency[l] = { n: count, meanMs: n(`${p}_sum`) / count, maxMs: n(`${p}_max`) };
  }
  return {
    start: n('start'),
    time,
    runs: {
      healthy: n('healthy_runs'),
      degraded: n('degraded_runs'),
      failed: n('failed_runs'),
      error: n('error_runs'),
      flapped: n('flapped'),
    },
    latency,
  };
}

/** Adds rows' sums (time and runs; latency is not summed across queries). */
export function addRows(a: RollupRow, b: RollupRow): RollupRow {
  const time = emptyTotals();
  for (const s of TIME_STATES) time[s] = a.time[s] + b.time[s];
  const runs = { ...a.runs };
  for (const k of Object.keys(runs) as (keyof RunCounts)[]) runs[k] += b.runs[k];
  return { start: Math.min(a.start, b.start), time, runs, latency: { ...b.latency, ...a.latency } };
}

export const emptyRow = (start = 0): RollupRow => rowOf({ start });
