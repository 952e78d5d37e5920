/**
 * serve's history (cli/serve/store.ts) on a real SQLite file: the time-weighted uptime computed by hand, the
 * rollups across hour and day boundaries, incidents from page to recovery, compaction by retention, a restart that
 * keeps the latest run, and the query plans: every query reads through an index, so that a page's cost does not
 * grow with the history's length (a soak once took 2.6 to 4 s a request over 2 million rows).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, type RunRecord, type Store } from '../../cli/serve/store.ts';
import { availability, DAY_MS, HOUR_MS } from '../../functions/alerting/history.ts';
import type { Report } from '../../functions/contract/types.ts';
import { reportOf, stages } from '../fixtures/results.ts';
import { tempDir } from '../fixtures/temp.ts';

const MIN = 60_000;
/** A UTC midnight, so that hours and days start where the runs do. */
const T0 = Date.UTC(2026, 10, 2);
const healthy = reportOf(stages('ok', 'ok'));
const failed = reportOf(stages('status', 'ok', 'ok', 'status'));
const degraded = reportOf(stages('slow', 'ok'));
const inMaintenance: Report = { ...failed, maintenance: { window: 'w', until: '2026-11-03T00:00:00Z' } };

async function store(): Promise<{ s: Store; file: string }> {
  const file = join(tempDir('dd-store-'), 'serve.db');
  return { s: await openStore(file), file };
}

function run(s: Store, minute: number, report: Report | undefined, target = 'prod', everyMs = MIN) {
  const r: RunRecord = {
    target,
    at: new Date(T0 + minute * MIN),
    source: 'schedule',
    durationMs: 12,
    everyMs,
    report,
    ...(report ? {} : { error: 'the engine broke' }),
  };
  s.recordRun(r);
}

describe('uptime, time-weighted from runs', () => {
  it('counts each outcome until the next run, at most two intervals, by hand', async () => {
    const { s } = await store();
    // Every minute: healthy at 0, failed at 1 and 2, healthy at 3, then nothing until 10 (a gap), degraded at 10.
    run(s, 0, healthy);
    run(s, 1, failed);
    run(s, 2, failed);
    run(s, 3, healthy);
    run(s, 10, degraded);
    const t = s.totals('prod', new Date(T0), new Date(T0 + 11 * MIN)).time;
    // healthy 0→1 (1 min) and 3→5 (capped at two intervals: 5 to 10 has no data); failed 1→3; degraded 10→11 (open).
    expect(t).toEqual({ healthy: 3 * MIN, degraded: MIN, failed: 2 * MIN, noVerdict: 0, maintenance: 0 });
    expect(availability(t)).toBeCloseTo(4 / 6, 10);
    const runs = s.totals('prod', new Date(T0), new Date(T0 + 11 * MIN)).runs;
    expect(runs).toEqual({ healthy: 2, degraded: 1, failed: 2, error: 0, flapped: 0 });
  });

  it('leaves maintenance and runs without a verdict out of the observed time', async () => {
    const { s } = await store();
    run(s, 0, healthy);
    run(s, 1, inMaintenance);
    run(s, 2, undefined);
    run(s, 3, healthy);
    const t = s.totals('prod', new Date(T0), new Date(T0 + 4 * MIN)).time;
    expect(t).toEqual({ healthy: 2 * MIN, degraded: 0, failed: 0, noVerdict: MIN, maintenance: MIN });
    expect(availability(t)).toBe(1);
  });

  it('splits a span at hours and days, and sums whole days from the daily rows', async () => {
    const { s } = await store();
    const every = 2 * HOUR_MS;
    // Every 2 hours for 3 days: failed from the 10th run (day 0, 20:00) to the 14th (day 1, 04:00).
    for (let i = 0; i < 36; i++)
      run(s, (i * every) / MIN, i >= 10 && i < 14 ? failed : healthy, 'prod', every);
    const days = s.rows('days', 'prod', new Date(T0), new Date(T0 + 3 * DAY_MS));
    expect(days.map((d) => [d.start - T0, d.time.failed / HOUR_MS])).toEqual([
      [0, 4],
      [DAY_MS, 4],
      [2 * DAY_MS, 0],
    ]);
    // The last run (day 2, 22:00) counts until the end, 2 hours.
    expect(days.reduce((n, d) => n + d.time.healthy + d.time.failed, 0)).toBe(3 * DAY_MS);
    // Over 1.5 days from day 0 at 12:00: hours 12 to 24, day 1 whole, the open edge none.
    const t = s.totals('prod', new Date(T0 + 12 * HOUR_MS), new Date(T0 + 2 * DAY_MS)).time;
    expect([t.healthy / HOUR_MS, t.failed / HOUR_MS]).toEqual([28, 8]);
    expect(s.rows('hours', 'prod', new Date(T0 + 20 * HOUR_MS), new Date(T0 + 22 * HOUR_MS))).toHaveLength(2);
  });

  it('slices the last runs: each slice its worst run and its count', async () => {
    const { s } = await store();
    for (let m = 0; m < 30; m++) run(s, m, m === 20 ? failed : healthy);
    expect(s.history('prod', new Date(T0), 15 * MIN)).toEqual([
      { start: new Date(T0), worst: 'healthy', runs: 15 },
      { start: new Date(T0 + 15 * MIN), worst: 'failed', runs: 15 },
    ]);
  });

  it('keeps each layer latency per hour', async () => {
    const { s } = await store();
    run(s, 0, healthy);
    run(s, 1, failed);
    const [hour] = s.rows('hours', 'prod', new Date(T0), new Date(T0 + HOUR_MS));
    expect(hour?.latency['end-to-end']).toEqual({ n: 2, meanMs: 10, maxMs: 10 });
    expect(hour?.latency.storage).toEqual({ n: 1, meanMs: 10, maxMs: 10 });
  });
});

describe('the recent hours and days in memory', () => {
  it('give what the rollups give, for any span within the last 31 days, and follow new runs', async () => {
    const { s } = await store();
    const every = 20 * MIN;
    const runs = 20 * 24 * 3; // 20 days, every 20 minutes
    const outcomes = [healthy, healthy, failed, healthy, degraded, inMaintenance, undefined, healthy];
    for (let i = 0; i < runs / 2; i++) run(s, (i * every) / MIN, outcomes[(i * 7) % 8], 'prod', every);
    const now = new Date(T0 + 20 * DAY_MS);
    // Read into memory half way, then more runs come: both must be counted.
    s.uptime('prod', new Date(now.getTime() - DAY_MS), now);
    for (let i = runs / 2; i < runs; i++) run(s, (i * every) / MIN, outcomes[(i * 5) % 8], 'prod', every);
    for (const [back, span] of [
      [0, DAY_MS],
      [0, 7 * DAY_MS],
      [0, 20 * DAY_MS],
      [3 * HOUR_MS + 17 * MIN, 5 * DAY_MS + 7 * HOUR_MS],
      [11 * DAY_MS, 30 * HOUR_MS],
    ]) {
      const to = new Date(now.getTime() - (back ?? 0));
      const from = new Date(to.getTime() - (span ?? 0));
      expect(s.uptime('prod', from, to), `${back} ${span}`).toEqual(s.totals('prod', from, to).time);
    }
    const days = s.recentDays('prod', now, 30);
    const order = ['failed', 'degraded', 'noVerdict', 'healthy', 'maintenance'] as const;
    expect(s.recentDayStates('prod', now, 30, order)).toEqual(
      days.map((d) => order.find((state) => d.time[state] > 0)),
    );
    const rows = s.rows('days', 'prod', new Date(now.getTime() - 29 * DAY_MS), now);
    expect(days.filter((d) => d.time.healthy > 0).map((d) => [d.start, d.time])).toEqual(
      rows.map((r) => [r.start, r.time]),
    );
  });
});

describe('incidents', () => {
  it('run from the page to the recovery notice, and one alarm has one open at a time', async () => {
    const { s } = await store();
    const alarm = 'download-doctor-local-prod-down';
    const page = { target: 'prod', alarm, rule: 'down', state: 'ALARM' as const, at: new Date(T0 + 5 * MIN) };
    expect(s.noteIncident(page, failed)).toMatchObject({ status: 'failed', faults: ['proxy'] });
    expect(s.noteIncident({ ...page, at: new Date(T0 + 7 * MIN) }, failed)?.openedAt).toEqual(page.at);
    expect(s.openIncident(alarm)?.openedAt).toEqual(page.at);
    const closed = s.noteIncident({ ...page, state: 'OK', at: new Date(T0 + 47 * MIN) }, healthy);
    expect(closed?.closedAt).toEqual(new Date(T0 + 47 * MIN));
    expect(s.openIncident(alarm)).toBeUndefined();
    const [i] = s.incidents('prod', new Date(T0), new Date(T0 + DAY_MS));
    expect(i).toMatchObject({ rule: 'down', faults: ['proxy'], summary: failed.verdict.summary });
    expect(i?.evidence).toEqual(failed.verdict.evidence);
    expect(s.incidents('prod', new Date(T0 + HOUR_MS), new Date(T0 + DAY_MS))).toEqual([]);
  });
});

describe('the history over time', () => {
  it('compacts runs, hourly and daily rows past their retention; the rest reads the same', async () => {
    const file = join(tempDir('dd-store-'), 'serve.db');
    const s = await openStore(file, { runs: DAY_MS, hours: 3 * DAY_MS, days: 5 * DAY_MS });
    const every = HOUR_MS;
    for (let h = 0; h < 8 * 24; h++)
      run(s, (h * every) / MIN, h % 24 === 3 ? failed : healthy, 'prod', every);
    const now = new Date(T0 + 8 * DAY_MS);
    const before = s.totals('prod', new Date(now.getTime() - 2 * DAY_MS), now);
    expect(await s.compact(now)).toBeGreaterThan(0);
    expect(s.rows('days', 'prod', new Date(0), now).map((d) => (d.start - T0) / DAY_MS)).toEqual([
      3, 4, 5, 6, 7,
    ]);
    expect(s.rows('hours', 'prod', new Date(0), now)[0]?.start).toBe(T0 + 5 * DAY_MS);
    expect(s.history('prod', new Date(0), DAY_MS).reduce((n, x) => n + x.runs, 0)).toBe(24);
    expect(s.totals('prod', new Date(now.getTime() - 2 * DAY_MS), now)).toEqual(before);
    expect(await s.compact(now)).toBe(0);
    s.close();
  });

  it('keeps the latest run across a restart, and counts its time on', async () => {
    const { s, file } = await store();
    run(s, 0, healthy);
    run(s, 1, failed);
    s.close();
    const again = await openStore(file);
    expect(again.latest('prod')?.report?.verdict.status).toBe('failed');
    expect(again.totals('prod', new Date(T0), new Date(T0 + 3 * MIN)).time.failed).toBe(2 * MIN);
    run(again, 2, healthy, 'prod', HOUR_MS);
    expect(again.latest('prod')?.report?.verdict.status).toBe('healthy');
    again.close();
    // The latest run's interval is kept with it: after another restart, its time still counts for two of them
    // (and the minute healthy at 0, in the hour the span starts in, which counts whole).
    const third = await openStore(file);
    expect(
      third.totals('prod', new Date(T0 + 2 * MIN), new Date(T0 + 2 * MIN + 3 * HOUR_MS)).time.healthy,
    ).toBe(2 * HOUR_MS + MIN);
    third.close();
    const again2 = await openStore(file);
    expect(again2.targets()).toEqual(['prod']);
    again2.close();
  });
});

describe('every query reads through an index', () => {
  it('the plans of all statements the pages and the runs use: no scan of a table that grows', async () => {
    const { s } = await store();
    // Every statement the store has, prepared by the work serve does.
    for (let i = 0; i < 30; i++) run(s, i, i % 7 === 3 ? failed : healthy);
    const now = new Date(T0 + 40 * MIN);
    s.totals('prod', new Date(now.getTime() - 30 * DAY_MS), now);
    s.rows('days', 'prod', new Date(now.getTime() - 90 * DAY_MS), now);
    s.rows('hours', 'prod', new Date(now.getTime() - 7 * DAY_MS), now);
    s.history('prod', new Date(T0), 900_000);
    const alarm = 'download-doctor-local-prod-down';
    s.noteIncident({ target: 'prod', alarm, rule: 'down', state: 'ALARM', at: now }, failed);
    s.noteIncident({ target: 'prod', alarm, rule: 'down', state: 'OK', at: now }, healthy);
    s.incidents('prod', new Date(T0), now);
    s.openIncidents();
    s.uptime('prod', new Date(now.getTime() - DAY_MS), now);
    s.alarmStates('prod');
    s.saveAlarms('prod', { [alarm]: { state: 'OK', periods: [1] } });
    s.alarmMemory('prod');
    s.recordNotification('prod', { at: now, alarm, state: 'OK', subject: 's' });
    s.notifications(20);
    s.recordLocations('prod', now, [
      { location: 'paris', home: true, outcome: 'pass', totalMs: 40 },
      { location: 'lima', home: false, outcome: 'fail', kind: 'connect-refused', totalMs: 1 },
    ]);
    s.recordLocations('prod', new Date(now.getTime() + 60_000), [
      { location: 'paris', home: true, outcome: 'slow', totalMs: 80 },
      { location: 'lima', home: false, outcome: 'unknown' },
    ]);
    // Per hour, each location's mean of the downloads that came through (lima's failed one is not a time).
    const hour = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
    expect(s.locationHours('prod', new Date(T0))).toEqual([
      { location: 'paris', points: [{ start: hour, ms: 60 }] },
    ]);
    expect(s.locationSummary('prod', new Date(T0))).toEqual([
      { location: 'paris', counts: { pass: 1, slow: 1, fail: 0, unknown: 0 }, medianMs: 40, worstMs: 80 },
      { location: 'lima', counts: { pass: 0, slow: 0, fail: 1, unknown: 1 } },
    ]);
    await s.compact(new Date(T0 + 400 * DAY_MS));
    const plans = s
      .preparedSql()
      .filter((sql) => !/^\s*INSERT INTO \w+ \([^)]*\) VALUES/.test(sql) || /SELECT/.test(sql))
      .map((sql) => ({ sql, plan: s.queryPlan(sql, ...Array((sql.match(/\?/g) ?? []).length).fill(1)) }));
    expect(plans.length).toBeGreaterThan(15);
    // What does not grow with the history may be read whole: the notifications (200 rows at most, the newest first
    // read by rowid backwards), the list of targets (one row each, for compaction), the open incidents (a partial
    // index of those alone).
    const bounded = /^SCAN (notifications|targets|incidents USING INDEX incidents_open)$/;
    const scans = plans.filter((p) => p.plan.some((line) => /^SCAN /.test(line) && !bounded.test(line)));
    expect(scans).toEqual([]);
    const latest = plans.find((p) => /FROM runs WHERE target = \? ORDER BY at DESC/.test(p.sql));
    expect(latest?.plan).toEqual(['SEARCH runs USING INDEX runs_by_target (target=?)']);
    for (const table of ['hours', 'days'])
      expect(
        plans
          .filter((p) => new RegExp(`FROM ${table} WHERE target = \\? AND start >=`).test(p.sql))
          .map((p) => p.plan),
      ).toContainEqual([`SEARCH ${table} USING PRIMARY KEY (target=? AND start>? AND start<?)`]);
  });
});
