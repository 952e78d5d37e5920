/**
 * `serve`'s history, in an embedded SQLite database (Node 22's `node:sqlite`), so that a restart keeps the alarm
 * states, the latest reports, the uptime and the incidents:
 *   - every run (its outcome, each layer's latency), kept for `retention.runs`; the full report of the latest
 *     REPORTS_KEPT runs of each target;
 *   - hourly and daily rollups (./rollups.ts), kept up to date as runs come, for `retention.hours` and `.days`;
 *   - the incidents (functions/alerting/history.ts), each alarm's memory, and the pages and notices.
 * Every query reads one target's rows through an index (test/cli/store.test.ts reads the query plans), and the
 * latest run of each target is kept in memory: a page of 500 targets reads a few rows per target, never a
 * target's whole history.
 *
 * `node:sqlite` prints an ExperimentalWarning when it loads (Node 22). That one warning, and only while the
 * module loads, is filtered out (openStore): the feature is used knowingly, and every other warning still shows.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AlarmMemory } from '../../functions/alerting/alarms.ts';
import {
  coveredSpan,
  DAY_MS,
  emptyTotals,
  HOUR_MS,
  type Incident,
  TIME_STATES,
  type TimeState,
  type TimeTotals,
  timeStateOf,
} from '../../functions/alerting/history.ts';
import type { AlarmState, Period } from '../../functions/alerting/rules.ts';
import type { Fault, Layer, Status } from '../../functions/contract/names.ts';
import type { LocationOutcome, LocationSeen, Report } from '../../functions/contract/types.ts';
import { parseReport } from '../../functions/contract/wire.ts';
import { type HistorySlice, RUN_OUTCOMES, type RunOutcome } from './outcome.ts';
import { BucketRing, RECENT_DAYS, RECENT_HOURS, type Recent, stateIndex, totalsOf } from './recent.ts';
import {
  ALL_COLUMNS,
  addRows,
  type DayTime,
  emptyRow,
  ROLLUP_SCHEMA,
  ROLLUPS,
  type Rollup,
  type RollupRow,
  rowOf,
  rowValues,
  SUM_COLUMNS,
  spanShares,
  TIME_COLUMNS,
  upsertSql,
} from './rollups.ts';
import type { StatusNotification } from './views/status.ts';

/** The database's name in the state directory (cli/state-dir.ts). */
export const DB_FILE = 'serve.db';

/** How long each level of detail is kept. */
export interface Retention {
  /** Each run's outcome and latencies (the 24-hour strip, the latest runs). */
  runs: number;
  /** Hourly rollups (uptime to the hour, the latency chart). */
  hours: number;
  /** Daily rollups and closed incidents (the 90-day strip, `report --since`). */
  days: number;
}
export const DEFAULT_RETENTION: Retention = { runs: 7 * DAY_MS, hours: 90 * DAY_MS, days: 400 * DAY_MS };
/** How many full reports are kept per target (the latest); older runs keep their outcome only. */
export const REPORTS_KEPT = 20;
/** How many pages and notices are kept. */
export const NOTIFICATIONS_KEPT = 200;
/** Compaction deletes at most this many rows at a time, so that it never holds the event loop for long. */
const COMPACT_BATCH = 2_000;

/**
 * The database's layout version (SQLite's user_version): 2 added the rollups, the incidents, the reports' table and
 * each run's interval.
 */
const SCHEMA_VERSION = 2;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  at INTEGER NOT NULL,
  source TEXT NOT NULL,
  outcome TEXT NOT NULL,
  flapped INTEGER NOT NULL,
  maintenance INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  error TEXT,
  every_ms REAL
);
CREATE INDEX IF NOT EXISTS runs_by_target ON runs (target, at);
CREATE TABLE IF NOT EXISTS targets (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reports (
  run_id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_target ON reports (target, run_id);
${ROLLUP_SCHEMA}
CREATE TABLE IF NOT EXISTS incidents (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  alarm TEXT NOT NULL,
  rule TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  status TEXT NOT NULL,
  faults TEXT NOT NULL,
  summary TEXT NOT NULL,
  evidence TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_by_target ON incidents (target, opened_at);
CREATE INDEX IF NOT EXISTS incidents_open ON incidents (alarm) WHERE closed_at IS NULL;
CREATE TABLE IF NOT EXISTS alarms (
  name TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  state TEXT NOT NULL,
  periods TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alarms_by_target ON alarms (target);
CREATE TABLE IF NOT EXISTS location_runs (
  target TEXT NOT NULL,
  location TEXT NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  kind TEXT,
  total_ms REAL
);
CREATE INDEX IF NOT EXISTS location_runs_by_target ON location_runs (target, at);
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  target TEXT NOT NULL,
  alarm TEXT NOT NULL,
  state TEXT NOT NULL,
  subject TEXT NOT NULL,
  sent_to TEXT,
  held TEXT
);
`;

export interface RunRecord {
  target: string;
  at: Date;
  source: 'schedule' | 'probe';
  durationMs: number;
  /** The target's interval: a run's outcome covers the time until the next run, at most two intervals. */
  everyMs: number;
  report?: Report | undefined;
  /** Why the run produced no report (the monitor failed, not the target). */
  error?: string | undefined;
}

/** A location's slots of a target over a span (several locations). */
export interface LocationSummary {
  location: string;
  counts: Record<LocationOutcome, number>;
  medianMs?: number;
  worstMs?: number;
}

export interface LatestRun {
  at: Date;
  durationMs: number;
  report?: Report | undefined;
  error?: string | undefined;
}

/** Loads node:sqlite without its ExperimentalWarning (that one only; see the module's comment). */
async function loadSqlite(): Promise<typeof import('node:sqlite')> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/^SQLite is an experimental feature/.test(text)) return;
    return (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
}

/** An interval for runs stored before their interval was (the default schedule's). */
const DEFAULT_EVERY_MS = 300_000;

/** Opens the history; `readOnly`, as `report` reads it while serve writes it (no schema made, nothing written). */
export async function openStore(
  path: string,
  retention: Retention = DEFAULT_RETENTION,
  readOnly = false,
): Promise<Store> {
  const { DatabaseSync } = await loadSqlite();
  return new Store(new DatabaseSync(path, { readOnly }), retention, readOnly);
}

const num = (v: unknown) => Number(v);
const str = (v: unknown) => (v === null || v === undefined ? undefined : String(v));

/** What the store remembers of a target's latest run: the state its time is counted in, from when, how long. */
interface Last {
  at: number;
  state: TimeState;
  everyMs: number;
  run: LatestRun;
}

export class Store {
  /** Each statement is prepared once (a fixed set of SQL texts). */
  private readonly statements = new Map<string, StatementSync>();
  /** Each target's latest run, read once from the database, then kept as runs come. */
  private readonly last = new Map<string, Last | null>();
  /** Each target's recent hours and days (./recent.ts), read once, then kept as runs come. */
  private readonly recent = new Map<string, Recent>();
  /** Each target's alarm states, read once, then kept as they are saved. */
  private readonly alarmStatesKept = new Map<string, Record<string, { state: AlarmState }>>();

  private stmt(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  constructor(
    private readonly db: DatabaseSync,
    readonly retention: Retention = DEFAULT_RETENTION,
    readOnly = false,
  ) {
    db.exec('PRAGMA busy_timeout = 5000;');
    if (readOnly) return;
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    db.exec(SCHEMA);
    this.migrate();
  }

  /**
   * A database of an earlier serve: its reports move to their table, its targets are listed. Its runs are not
   * rolled up (the uptime starts with this version).
   */
  private migrate(): void {
    if (Number(this.db.prepare('PRAGMA user_version').get()?.user_version ?? 0) >= SCHEMA_VERSION) return;
    const columns = this.db
      .prepare('PRAGMA table_info(runs)')
      .all()
      .map((row) => String(row.name));
    if (!columns.includes('every_ms')) this.db.exec('ALTER TABLE runs ADD COLUMN every_ms REAL');
    if (columns.includes('report'))
      this.db.exec(`INSERT OR IGNORE INTO reports (run_id, target, report)
          SELECT id, target, report FROM runs WHERE report IS NOT NULL;
        UPDATE runs SET report = NULL WHERE report IS NOT NULL;`);
    if (!this.db.prepare('SELECT 1 FROM targets LIMIT 1').get())
      this.db.exec('INSERT OR IGNORE INTO targets (name) SELECT DISTINCT target FROM runs');
    this.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  }

  /** Every SQL text the store has prepared, for the tests that read their query plans. */
  preparedSql(): string[] {
    return [...this.statements.keys()];
  }

  /** The query plan of a statement, for the tests that prove every query uses an index. */
  queryPlan(sql: string, ...params: (string | number)[]): string[] {
    return this.db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => String(row.detail));
  }

  private transaction<T>(work: () => T): T {
    this.db.exec('BEGIN');
    try {
      const out = work();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  recordRun(r: RunRecord): void {
    const outcome: RunOutcome = r.report?.verdict.status ?? 'error';
    const at = r.at.getTime();
    const state = timeStateOf({ status: r.report?.verdict.status, maintenance: !!r.report?.maintenance });
    const latency: Partial<Record<Layer, number>> = {};
    for (const x of r.report?.results ?? []) latency[x.layer] = x.timings.totalMs;
    const flapped = !!r.report?.confirmation?.flapped;
    const previous = this.lastOf(r.target);
    this.transaction(() => {
      this.stmt('INSERT OR IGNORE INTO targets (name) VALUES (?)').run(r.target);
      const id = this.stmt(
        'INSERT INTO runs (target, at, source, outcome, flapped, maintenance, duration_ms, error, every_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        r.target,
        at,
        r.source,
        outcome,
        flapped ? 1 : 0,
        r.report?.maintenance ? 1 : 0,
        r.durationMs,
        r.error ?? null,
        r.everyMs,
      ).lastInsertRowid;
      if (r.report) {
        this.stmt('INSERT INTO reports (run_id, target, report) VALUES (?, ?, ?)').run(
          id,
          r.target,
          JSON.stringify(r.report),
        );
        this.stmt(
          `DELETE FROM reports WHERE target = ? AND run_id <= (
             SELECT run_id FROM reports WHERE target = ? ORDER BY run_id DESC LIMIT 1 OFFSET ?)`,
        ).run(r.target, r.target, REPORTS_KEPT);
      }
      const recent = this.recent.get(r.target);
      for (const table of ['hours', 'days'] as const) {
        const upsert = this.stmt(upsertSql(table));
        const size = ROLLUPS[table];
        upsert.run(r.target, Math.floor(at / size) * size, ...rowValues({}, { outcome, flapped, latency }));
        // The previous run's outcome held until this one (at most two intervals): its time is now known.
        if (previous && at > previous.at) {
          const span = coveredSpan(previous.at, at, previous.everyMs);
          for (const share of spanShares(table, span.from, span.to)) {
            upsert.run(r.target, share.start, ...rowValues({ [previous.state]: share.ms }));
            recent?.[table].add(share.start, previous.state, share.ms);
          }
        }
      }
    });
    if (!previous || at >= previous.at)
      this.last.set(r.target, {
        at,
        state,
        everyMs: r.everyMs,
        run: { at: r.at, durationMs: r.durationMs, report: r.report, error: r.error },
      });
  }

  private lastOf(target: string): Last | undefined {
    if (!this.last.has(target)) {
      const row = this.stmt(
        'SELECT id, at, duration_ms, error, outcome, maintenance, every_ms FROM runs WHERE target = ? ORDER BY at DESC, id DESC LIMIT 1',
      ).get(target);
      if (!row) this.last.set(target, null);
      else {
        const stored = str(this.stmt('SELECT report FROM reports WHERE run_id = ?').get(num(row.id))?.report);
        const report =
          stored === undefined
            ? undefined
            : parseReport(JSON.parse(stored), `the stored report of ${target}`);
        const outcome = String(row.outcome);
        this.last.set(target, {
          at: num(row.at),
          state: timeStateOf({
            status: outcome === 'error' ? undefined : (outcome as Status),
            maintenance: num(row.maintenance) === 1,
          }),
          everyMs: row.every_ms === null ? DEFAULT_EVERY_MS : num(row.every_ms),
          run: { at: new Date(num(row.at)), durationMs: num(row.duration_ms), report, error: str(row.error) },
        });
      }
    }
    return this.last.get(target) ?? undefined;
  }

  /** The latest run of a target (kept in memory), its report read with the wire contract. */
  latest(target: string): LatestRun | undefined {
    return this.lastOf(target)?.run;
  }

  /** The latest run's outcome, counted until `now` (at most two intervals): the time no rollup holds yet. */
  private openSpan(target: string, now: number): { state: TimeState; from: number; to: number } | undefined {
    const l = this.lastOf(target);
    return l && { state: l.state, ...coveredSpan(l.at, now, l.everyMs) };
  }

  private sumRows(table: Rollup, target: string, from: number, to: number): RollupRow {
    const row = this.stmt(
      `SELECT ${SUM_COLUMNS} FROM ${table} WHERE target = ? AND start >= ? AND start < ?`,
    ).get(target, from, to);
    return row ? rowOf({ ...row, start: from }) : emptyRow(from);
  }

  /**
   * A target's time and runs over `[from, to)`, to the hour (the hour `from` falls in counts whole; past the hourly
   * retention, to the day): whole days from the daily rollups, the edges from the hourly ones, and the latest run's
   * time until `to`, which no rollup holds yet. Latency is not summed here.
   */
  totals(target: string, from: Date, to: Date): RollupRow {
    const start = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
    const end = to.getTime();
    const firstDay = Math.ceil(start / DAY_MS) * DAY_MS;
    const lastDay = Math.floor(end / DAY_MS) * DAY_MS;
    let sum: RollupRow;
    if (firstDay < lastDay)
      sum = [
        this.sumRows('hours', target, start, firstDay),
        this.sumRows('days', target, firstDay, lastDay),
        this.sumRows('hours', target, lastDay, end),
      ].reduce(addRows);
    else sum = this.sumRows('hours', target, start, end);
    const open = this.openSpan(target, end);
    if (open) sum.time[open.state] += Math.max(0, Math.min(open.to, end) - Math.max(open.from, start));
    return sum;
  }

  /** Rows of a rollup over `[from, to)`, oldest first, the latest run's time until `to` added to its buckets. */
  rows(table: Rollup, target: string, from: Date, to: Date): RollupRow[] {
    const rows = this.stmt(
      `SELECT start, ${ALL_COLUMNS} FROM ${table} WHERE target = ? AND start >= ? AND start < ? ORDER BY start`,
    )
      .all(target, from.getTime(), to.getTime())
      .map(rowOf);
    const open = this.openSpan(target, to.getTime());
    if (open) {
      const size = table === 'hours' ? HOUR_MS : DAY_MS;
      for (let b = Math.floor(open.from / size) * size; b < open.to; b += size) {
        const ms = Math.min(open.to, b + size) - Math.max(open.from, b);
        if (b < from.getTime() || ms <= 0) continue;
        let row = rows.find((x) => x.start === b);
        if (!row) {
          row = emptyRow(b);
          rows.push(row);
        }
        row.time[open.state] += ms;
      }
      rows.sort((a, b) => a.start - b.start);
    }
    return rows;
  }

  /** A target's recent rings, filled from its rollups the first time. */
  private recentOf(target: string, now: number): Recent {
    let r = this.recent.get(target);
    if (!r) {
      r = { hours: new BucketRing(HOUR_MS, RECENT_HOURS), days: new BucketRing(DAY_MS, RECENT_DAYS) };
      for (const table of ['hours', 'days'] as const) {
        const size = ROLLUPS[table];
        const from = Math.floor(now / size) * size - (r[table].count - 1) * size;
        for (const row of this.stmt(
          `SELECT start, ${TIME_COLUMNS.join(', ')} FROM ${table} WHERE target = ? AND start >= ?`,
        ).all(target, from)) {
          const t = rowOf(row);
          for (const state of TIME_STATES) if (t.time[state] > 0) r[table].add(t.start, state, t.time[state]);
        }
      }
      this.recent.set(target, r);
    }
    return r;
  }

  /** Reads the targets' recent rings ahead of the first page, a target at a time between other work. */
  async warm(targets: readonly string[], now = new Date()): Promise<void> {
    for (const t of targets) {
      this.recentOf(t, now.getTime());
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * A target's time by state over `[from, to)`, as totals() counts it, from memory when the span is recent (within
   * the last 31 days), else from the rollups.
   */
  uptime(target: string, from: Date, to: Date): TimeTotals {
    const start = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
    const end = to.getTime();
    const reach = Math.floor(end / HOUR_MS) * HOUR_MS - (RECENT_HOURS - 24) * HOUR_MS;
    if (start < reach) return this.totals(target, from, to).time;
    const r = this.recentOf(target, end);
    const acc = new Float64Array(TIME_STATES.length);
    const firstDay = Math.ceil(start / DAY_MS) * DAY_MS;
    const lastDay = Math.floor(end / DAY_MS) * DAY_MS;
    if (firstDay < lastDay) {
      r.hours.sumInto(acc, start, firstDay);
      r.days.sumInto(acc, firstDay, lastDay);
      r.hours.sumInto(acc, lastDay, end);
    } else r.hours.sumInto(acc, start, end);
    const sum = totalsOf(acc);
    const open = this.openSpan(target, end);
    if (open) sum[open.state] += Math.max(0, Math.min(open.to, end) - Math.max(open.from, start));
    return sum;
  }

  /**
   * A target's last `days` days (UTC, oldest first; today so far), each as the first state of `worstFirst` it spent
   * time in (undefined: none), from memory without a row or an object per day: the status page's strip.
   */
  recentDayStates(
    target: string,
    now: Date,
    days: number,
    worstFirst: readonly TimeState[],
  ): (TimeState | undefined)[] {
    const end = now.getTime();
    const r = this.recentOf(target, end);
    const today = Math.floor(end / DAY_MS) * DAY_MS;
    const open = this.openSpan(target, end);
    const order = worstFirst.map(stateIndex);
    return Array.from({ length: days }, (_, i) => {
      const start = today - (days - 1 - i) * DAY_MS;
      const n = r.days.firstOf(start, order);
      const inOpen = open !== undefined && Math.min(open.to, start + DAY_MS) > Math.max(open.from, start);
      // The latest run's time counts in the day(s) it covers: its state, if worse than what the day had.
      const m = inOpen ? worstFirst.indexOf(open.state) : -1;
      const best = n === -1 ? m : m === -1 ? n : Math.min(n, m);
      return best === -1 ? undefined : worstFirst[best];
    });
  }

  /** A target's last `days` days (UTC, oldest first; today so far), from memory: the status page's strip. */
  recentDays(target: string, now: Date, days: number): DayTime[] {
    const end = now.getTime();
    const r = this.recentOf(target, end);
    const today = Math.floor(end / DAY_MS) * DAY_MS;
    const open = this.openSpan(target, end);
    return Array.from({ length: days }, (_, i) => {
      const start = today - (days - 1 - i) * DAY_MS;
      const time = r.days.get(start) ?? emptyTotals();
      if (open)
        time[open.state] += Math.max(0, Math.min(open.to, start + DAY_MS) - Math.max(open.from, start));
      return { start, time };
    });
  }

  /** The history since `since`, in slices of `sliceMs`: each slice's worst run and its number of runs. */
  history(target: string, since: Date, sliceMs: number): HistorySlice[] {
    // Each outcome's rank is its place in RUN_OUTCOMES (best first): MAX is the worst.
    const rank = `CASE outcome ${RUN_OUTCOMES.map((o, r) => `WHEN '${o}' THEN ${r}`).join(' ')} END`;
    const rows = this.stmt(
      // Integer division: node:sqlite binds a JS number as a REAL, which would make a slice of each run.
      `SELECT (at - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS slice, MAX(${rank}) AS worst, COUNT(*) AS runs FROM runs
         WHERE target = ? AND at >= ? GROUP BY slice ORDER BY slice`,
    ).all(since.getTime(), sliceMs, target, since.getTime());
    return rows.map((row) => ({
      start: new Date(since.getTime() + Math.floor(num(row.slice)) * sliceMs),
      worst: RUN_OUTCOMES[num(row.worst)] ?? 'error',
      runs: num(row.runs),
    }));
  }

  /**
   * After a transition of a paging alarm was sent: an ALARM opens an incident (with the verdict of the run that
   * paged), an OK closes the alarm's open one. Returns the incident it opened or closed.
   */
  noteIncident(
    t: { target: string; alarm: string; rule: string; state: AlarmState; at: Date },
    report: Report | undefined,
  ): Incident | undefined {
    const open = this.openIncident(t.alarm);
    if (t.state === 'OK') {
      if (!open) return undefined;
      this.stmt('UPDATE incidents SET closed_at = ? WHERE alarm = ? AND closed_at IS NULL').run(
        t.at.getTime(),
        t.alarm,
      );
      return { ...open, closedAt: t.at };
    }
    if (open) return open;
    const v = report?.verdict;
    const incident: Incident = {
      target: t.target,
      alarm: t.alarm,
      rule: t.rule,
      openedAt: t.at,
      status: v?.status ?? 'failed',
      faults: v?.faults ?? [],
      summary: v?.summary ?? 'no verdict: the runs produced none',
      evidence: v?.evidence ?? [],
    };
    this.stmt(
      'INSERT INTO incidents (target, alarm, rule, opened_at, status, faults, summary, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      t.target,
      t.alarm,
      t.rule,
      t.at.getTime(),
      incident.status,
      JSON.stringify(incident.faults),
      incident.summary,
      JSON.stringify(incident.evidence),
    );
    return incident;
  }

  /** The open incident of an alarm, if any. */
  openIncident(alarm: string): Incident | undefined {
    const row = this.stmt('SELECT * FROM incidents WHERE alarm = ? AND closed_at IS NULL').get(alarm);
    return row && incidentOf(row);
  }

  /** Every open incident, oldest first (one query for a page of the whole fleet). */
  openIncidents(): Incident[] {
    return this.stmt('SELECT * FROM incidents WHERE closed_at IS NULL ORDER BY opened_at')
      .all()
      .map(incidentOf);
  }

  /** A target's incidents that overlap `[from, to)`, newest first. */
  incidents(target: string, from: Date, to: Date): Incident[] {
    return this.stmt(
      'SELECT * FROM incidents WHERE target = ? AND opened_at < ? AND (closed_at IS NULL OR closed_at >= ?) ORDER BY opened_at DESC',
    )
      .all(target, to.getTime(), from.getTime())
      .map(incidentOf);
  }

  /** The targets the history holds (each with a run, whether or not the config still names it). */
  targets(): string[] {
    return this.stmt('SELECT name FROM targets ORDER BY name')
      .all()
      .map((row) => String(row.name));
  }

  /**
   * Deletes what is past its retention: runs, then hourly rows, then daily rows and closed incidents, a batch at a
   * time. Returns how many rows went; call again while it returns COMPACT_BATCH or more (serve does, between other
   * work).
   */
  compactStep(now: Date): number {
    const t = now.getTime();
    let deleted = 0;
    for (const target of this.targets()) {
      const steps: [string, number][] = [
        [
          'DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE target = ? AND at < ? LIMIT ?)',
          this.retention.runs,
        ],
        [
          'DELETE FROM hours WHERE (target, start) IN (SELECT target, start FROM hours WHERE target = ? AND start < ? LIMIT ?)',
          this.retention.hours,
        ],
        [
          'DELETE FROM days WHERE (target, start) IN (SELECT target, start FROM days WHERE target = ? AND start < ? LIMIT ?)',
          this.retention.days,
        ],
        [
          'DELETE FROM location_runs WHERE rowid IN (SELECT rowid FROM location_runs WHERE target = ? AND at < ? LIMIT ?)',
          this.retention.runs,
        ],
        [
          'DELETE FROM incidents WHERE id IN (SELECT id FROM incidents WHERE target = ? AND opened_at < ? AND closed_at IS NOT NULL LIMIT ?)',
          this.retention.days,
        ],
      ];
      for (const [sql, keep] of steps) {
        deleted += Number(this.stmt(sql).run(target, t - keep, COMPACT_BATCH - deleted).changes);
        if (deleted >= COMPACT_BATCH) return deleted;
      }
    }
    return deleted;
  }

  /** Compacts until nothing is past its retention, yielding to other work between batches. */
  async compact(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const n = this.compactStep(now);
      total += n;
      if (n < COMPACT_BATCH) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Each location's outcome of a slot of the target (several locations), kept as long as runs are. */
  recordLocations(target: string, at: Date, seen: readonly LocationSeen[]): void {
    const insert = this.stmt(
      'INSERT INTO location_runs (target, location, at, outcome, kind, total_ms) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.transaction(() => {
      for (const s of seen)
        insert.run(target, s.location, at.getTime(), s.outcome, s.kind ?? null, s.totalMs ?? null);
    });
  }

  /**
   * Each location's slots of the target since `from`: how many by outcome, and the end-to-end time's median and
   * worst (of the slots where the download came through: passed or slow), oldest location first as they were
   * recorded.
   */
  locationSummary(target: string, from: Date): LocationSummary[] {
    const rows = this.stmt(
      'SELECT location, outcome, total_ms FROM location_runs WHERE target = ? AND at >= ? ORDER BY at',
    ).all(target, from.getTime());
    const by = new Map<string, { counts: Record<LocationOutcome, number>; ms: number[] }>();
    for (const row of rows) {
      const location = String(row.location);
      const s = by.get(location) ?? { counts: { fail: 0, slow: 0, pass: 0, unknown: 0 }, ms: [] };
      by.set(location, s);
      s.counts[String(row.outcome) as LocationOutcome] += 1;
      // A download's time only where it came through: a refused or timed-out one says nothing of the path's speed.
      if (row.total_ms !== null && (row.outcome === 'pass' || row.outcome === 'slow'))
        s.ms.push(num(row.total_ms));
    }
    return [...by].map(([location, s]) => {
      const sorted = s.ms.sort((a, b) => a - b);
      return {
        location,
        counts: s.counts,
        ...(sorted.length
          ? {
              medianMs: sorted[Math.floor((sorted.length - 1) / 2)] as number,
              worstMs: sorted.at(-1) as number,
            }
          : {}),
      };
    });
  }

  /**
   * Each location's mean end-to-end time per hour of the target since `from` (of the slots where the download came
   * through), oldest location first as they were recorded: the target page's chart.
   */
  locationHours(
    target: string,
    from: Date,
    hourMs = 3_600_000,
  ): { location: string; points: { start: number; ms: number }[] }[] {
    const rows = this.stmt(
      `SELECT location, (at / ${hourMs}) * ${hourMs} AS hour, AVG(total_ms) AS ms, MIN(rowid) AS first FROM location_runs
       WHERE target = ? AND at >= ? AND outcome IN ('pass', 'slow') AND total_ms IS NOT NULL
       GROUP BY location, hour ORDER BY hour`,
    ).all(target, from.getTime());
    const by = new Map<string, { first: number; points: { start: number; ms: number }[] }>();
    for (const row of rows) {
      const location = String(row.location);
      const l = by.get(location) ?? { first: num(row.first), points: [] };
      l.first = Math.min(l.first, num(row.first));
      by.set(location, l);
      l.points.push({ start: num(row.hour), ms: num(row.ms) });
    }
    return [...by]
      .sort(([, a], [, b]) => a.first - b.first)
      .map(([location, l]) => ({ location, points: l.points }));
  }

  alarmMemory(target: string): AlarmMemory {
    const rows = this.stmt('SELECT name, state, periods FROM alarms WHERE target = ?').all(target);
    return Object.fromEntries(
      rows.map((row) => [
        String(row.name),
        {
          state: String(row.state) as AlarmState,
          // JSON has no undefined: a period without data is kept as null.
          periods: (JSON.parse(String(row.periods)) as (number | null)[]).map((p): Period => p ?? undefined),
        },
      ]),
    );
  }

  /** A target's alarm states (kept in memory once read): what the status page shows. */
  alarmStates(target: string): Record<string, { state: AlarmState }> {
    let states = this.alarmStatesKept.get(target);
    if (!states) {
      states = Object.fromEntries(
        this.stmt('SELECT name, state FROM alarms WHERE target = ?')
          .all(target)
          .map((row) => [String(row.name), { state: String(row.state) as AlarmState }]),
      );
      this.alarmStatesKept.set(target, states);
    }
    return states;
  }

  saveAlarms(target: string, memory: AlarmMemory): void {
    const states = this.alarmStatesKept.get(target);
    if (states) for (const [name, m] of Object.entries(memory)) states[name] = { state: m.state };
    const upsert = this.stmt(
      'INSERT INTO alarms (name, target, state, periods) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state, periods = excluded.periods',
    );
    for (const [name, m] of Object.entries(memory))
      upsert.run(name, target, m.state, JSON.stringify(m.periods.map((p) => p ?? null)));
  }

  recordNotification(target: string, n: StatusNotification): void {
    this.stmt(
      'INSERT INTO notifications (at, target, alarm, state, subject, sent_to, held) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(n.at.getTime(), target, n.alarm, n.state, n.subject, n.sentTo ?? null, n.held ?? null);
    this.stmt(
      'DELETE FROM notifications WHERE id <= (SELECT id FROM notifications ORDER BY id DESC LIMIT 1 OFFSET ?)',
    ).run(NOTIFICATIONS_KEPT);
  }

  /** The latest pages and notices, newest first. */
  notifications(limit: number): StatusNotification[] {
    return this.stmt(
      'SELECT at, alarm, state, subject, sent_to, held FROM notifications ORDER BY id DESC LIMIT ?',
    )
      .all(limit)
      .map((row) => ({
        at: new Date(num(row.at)),
        alarm: String(row.alarm),
        state: String(row.state) as AlarmState,
        subject: String(row.subject),
        sentTo: str(row.sent_to),
        held: str(row.held),
      }));
  }

  close(): void {
    this.db.close();
  }
}

function incidentOf(row: Record<string, unknown>): Incident {
  return {
    target: String(row.target),
    alarm: String(row.alarm),
    rule: String(row.rule),
    openedAt: new Date(num(row.opened_at)),
    closedAt: row.closed_at === null ? undefined : new Date(num(row.closed_at)),
    status: String(row.status) as Status,
    faults: JSON.parse(String(row.faults)) as Fault[],
    summary: String(row.summary),
    evidence: JSON.parse(String(row.evidence)) as string[],
  };
}
