/**
 * `serve`'s history, in an embedded SQLite database (Node 22's `node:sqlite`), so that a restart keeps the alarm
 * states, the latest reports and the trends: every run (its outcome, kept for RETENTION_MS; its full report for
 * the latest REPORTS_KEPT runs of each target), each alarm's memory, and the pages and notices (sent or held).
 *
 * `node:sqlite` prints an ExperimentalWarning when it loads (Node 22). That one warning, and only while the
 * module loads, is filtered out (openStore): the feature is used knowingly, and every other warning still shows.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AlarmMemory } from '../../functions/alerting/alarms.ts';
import type { AlarmState, Period } from '../../functions/alerting/rules.ts';
import type { Report } from '../../functions/contract/types.ts';
import { parseReport } from '../../functions/contract/wire.ts';
import { type HistorySlice, RUN_OUTCOMES, type RunOutcome } from './outcome.ts';
import type { StatusNotification } from './views/status.ts';

/** How long a run's outcome is kept (the trends); older runs are deleted as new ones come. */
export const RETENTION_MS = 7 * 86_400_000;
/** How many full reports are kept per target (the latest); older runs keep their outcome only. */
export const REPORTS_KEPT = 20;
/** How many pages and notices are kept. */
export const NOTIFICATIONS_KEPT = 200;

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
  report TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_target ON runs (target, at);
CREATE TABLE IF NOT EXISTS alarms (
  name TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  state TEXT NOT NULL,
  periods TEXT NOT NULL
);
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
  report?: Report | undefined;
  /** Why the run produced no report (the monitor failed, not the target). */
  error?: string | undefined;
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

export async function openStore(path: string): Promise<Store> {
  const { DatabaseSync } = await loadSqlite();
  return new Store(new DatabaseSync(path));
}

const num = (v: unknown) => Number(v);
const str = (v: unknown) => (v === null || v === undefined ? undefined : String(v));

export class Store {
  /** Each statement is prepared once (a fixed set of SQL texts). */
  private readonly statements = new Map<string, StatementSync>();
  private stmt(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  constructor(private readonly db: DatabaseSync) {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    db.exec(SCHEMA);
  }

  recordRun(r: RunRecord): void {
    const outcome: RunOutcome = r.report?.verdict.status ?? 'error';
    this.stmt(
      'INSERT INTO runs (target, at, source, outcome, flapped, maintenance, duration_ms, error, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      r.target,
      r.at.getTime(),
      r.source,
      outcome,
      r.report?.confirmation?.flapped ? 1 : 0,
      r.report?.maintenance ? 1 : 0,
      r.durationMs,
      r.error ?? null,
      r.report ? JSON.stringify(r.report) : null,
    );
    // Bounded: outcomes for RETENTION_MS, full reports for the latest REPORTS_KEPT runs.
    this.stmt('DELETE FROM runs WHERE target = ? AND at < ?').run(r.target, r.at.getTime() - RETENTION_MS);
    this.stmt(
      `UPDATE runs SET report = NULL WHERE target = ? AND report IS NOT NULL AND id <= (
           SELECT id FROM runs WHERE target = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    ).run(r.target, r.target, REPORTS_KEPT);
  }

  /** The latest run of a target, its report read with the wire contract. */
  latest(target: string): LatestRun | undefined {
    const row = this.stmt(
      'SELECT at, duration_ms, error, report FROM runs WHERE target = ? ORDER BY id DESC LIMIT 1',
    ).get(target);
    if (!row) return undefined;
    const report = str(row.report);
    return {
      at: new Date(num(row.at)),
      durationMs: num(row.duration_ms),
      report:
        report === undefined ? undefined : parseReport(JSON.parse(report), `the stored report of ${target}`),
      error: str(row.error),
    };
  }

  /** The history since `since`, in slices of `sliceMs`: each slice's worst run and its number of runs. */
  history(target: string, since: Date, sliceMs: number): HistorySlice[] {
    // Each outcome's rank is its place in RUN_OUTCOMES (best first): MAX is the worst.
    const rank = `CASE outcome ${RUN_OUTCOMES.map((o, r) => `WHEN '${o}' THEN ${r}`).join(' ')} END`;
    const rows = this.stmt(
      `SELECT (at - ?) / ? AS slice, MAX(${rank}) AS worst, COUNT(*) AS runs FROM runs
         WHERE target = ? AND at >= ? GROUP BY slice ORDER BY slice`,
    ).all(since.getTime(), sliceMs, target, since.getTime());
    return rows.map((row) => ({
      start: new Date(since.getTime() + Math.floor(num(row.slice)) * sliceMs),
      worst: RUN_OUTCOMES[num(row.worst)] ?? 'error',
      runs: num(row.runs),
    }));
  }

  /** How many runs since `since`, by outcome, and how many flapped. */
  counts(target: string, since: Date): Record<RunOutcome | 'flapped', number> {
    const counts = { healthy: 0, degraded: 0, failed: 0, error: 0, flapped: 0 };
    const rows = this.stmt(
      'SELECT outcome, COUNT(*) AS n, SUM(flapped) AS flapped FROM runs WHERE target = ? AND at >= ? GROUP BY outcome',
    ).all(target, since.getTime());
    for (const row of rows) {
      counts[String(row.outcome) as RunOutcome] = num(row.n);
      counts.flapped += num(row.flapped);
    }
    return counts;
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

  saveAlarms(target: string, memory: AlarmMemory): void {
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
