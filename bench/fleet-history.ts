/**
 * A fleet's history written straight into serve's database (bench/serve-history.ts): the store's own schema, then
 * rows made by SQLite itself (a recursive CTE), since a month of 500 targets through the store would take minutes.
 */
import { DatabaseSync } from 'node:sqlite';
import { openStore } from '../cli/serve/store.ts';
import { reportOf, stages } from '../test/fixtures/results.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The history, written with SQL (a store's schema, then rows made by SQLite itself: minutes to seed otherwise). */
export async function seedHistory(
  file: string,
  names: readonly string[],
  DAYS: number,
  DETAIL_DAYS: number,
  now = Date.now(),
): Promise<void> {
  const TARGETS = names.length;
  (await openStore(file)).close();
  const db = new DatabaseSync(file);
  const today = Math.floor(now / DAY) * DAY;
  const firstHour = Math.floor((now - DAYS * DAY) / HOUR) * HOUR;
  const report = JSON.stringify(reportOf(stages('ok', 'ok')));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;');
  db.exec('BEGIN');
  const t = db.prepare('INSERT INTO targets (name) VALUES (?)');
  for (const n of names) t.run(n);
  db.exec(`CREATE TEMP TABLE n(i INTEGER PRIMARY KEY);
    WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${DETAIL_DAYS * 1440 - 1}) INSERT INTO n SELECT i FROM s;`);
  // Runs: one a minute for the last DETAIL_DAYS days, each target's offset by its index; one in 997 failed.
  const offset = `(CAST(substr(t.name, 2) AS INTEGER) * ${Math.floor(MIN / TARGETS)})`;
  db.exec(`INSERT INTO runs (target, at, source, outcome, flapped, maintenance, duration_ms, error, every_ms)
    SELECT t.name, ${now - DETAIL_DAYS * DAY} + n.i * ${MIN} + ${offset},
      'schedule', CASE WHEN (n.i + CAST(substr(t.name, 2) AS INTEGER)) % 997 = 0 THEN 'failed' ELSE 'healthy' END,
      0, 0, 40.0, NULL, ${MIN}
    FROM targets t CROSS JOIN n`);
  // Hourly and daily rollups for DAYS days: an hour down in every 240, 20 runs failed in it; latency per layer.
  for (const [table, size, from] of [
    ['hours', HOUR, firstHour],
    ['days', DAY, today - (DAYS - 1) * DAY],
  ] as const) {
    const count = Math.ceil((now - from) / size);
    db.exec(
      `DELETE FROM n; WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${count - 1}) INSERT INTO n SELECT i FROM s;`,
    );
    const bad = `((n.i + CAST(substr(t.name, 2) AS INTEGER)) % 240 = 0)`;
    const down = table === 'hours' ? `CASE WHEN ${bad} THEN 1200000 ELSE 0 END` : `${1200000 / 10}`;
    db.exec(`INSERT INTO ${table} (target, start, healthy_ms, degraded_ms, failed_ms, no_verdict_ms, maintenance_ms,
        healthy_runs, degraded_runs, failed_runs, error_runs, flapped,
        e2e_n, e2e_sum, e2e_max, app_n, app_sum, app_max, storage_n, storage_sum, storage_max, proxy_n, proxy_sum, proxy_max)
      SELECT t.name, ${from} + n.i * ${size}, ${size} - ${down}, 0, ${down}, 0, 0,
        ${size / MIN} - ${down} / 60000, 0, ${down} / 60000, 0, 0,
        ${size / MIN}, ${size / MIN} * 40.0, 90, ${size / MIN}, ${size / MIN} * 8.0, 20, 1, 30, 30, 1, 35, 35
      FROM targets t CROSS JOIN n`);
  }
  // The latest report of each target, its alarms, and an incident a week.
  const r = db.prepare(
    'INSERT INTO reports (run_id, target, report) SELECT MAX(id), target, ? FROM runs WHERE target = ?',
  );
  const a = db.prepare("INSERT INTO alarms (name, target, state, periods) VALUES (?, ?, 'OK', '[1,1,1]')");
  const inc = db.prepare(
    "INSERT INTO incidents (target, alarm, rule, opened_at, closed_at, status, faults, summary, evidence) VALUES (?, ?, 'down', ?, ?, 'failed', '[\"proxy\"]', 'the proxy cannot serve from storage', '[]')",
  );
  for (const n of names) {
    r.run(report, n);
    for (const rule of ['down', 'degraded', 'no-data', 'tls-expiry', 'monitor-warning'])
      a.run(`download-doctor-local-${n}-${rule}`, n);
    for (let w = 1; w <= DAYS / 7; w++)
      inc.run(n, `download-doctor-local-${n}-down`, now - w * 7 * DAY, now - w * 7 * DAY + 20 * MIN);
  }
  db.exec('COMMIT');
  db.close();
}
