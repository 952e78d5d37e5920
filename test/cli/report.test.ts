/**
 * `download-doctor report --since 30d` as it ships (dist/cli/bin.js), against a history seeded through serve's own
 * store: 30 days of hourly runs of one target (4 hours failed, a degraded day, 2 hours in maintenance, a run without a
 * verdict, an incident of 3 hours) and 10 days of another; the availability figures are computed by hand here.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE, openStore } from '../../cli/serve/store.ts';
import { DAY_MS, HOUR_MS } from '../../functions/alerting/history.ts';
import type { Report } from '../../functions/contract/types.ts';
import { reportOf, stages } from '../fixtures/results.ts';
import { tempDir } from '../fixtures/temp.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const BIN = join(ROOT, 'dist/cli/bin.js');
const T0 = Date.UTC(2026, 9, 1);
const UNTIL = new Date(T0 + 30 * DAY_MS).toISOString();

const healthy = reportOf(stages('ok', 'ok'), 'shop');
const failed = reportOf(stages('status', 'ok', 'ok', 'status'), 'shop');
const degraded = reportOf(stages('slow', 'ok'), 'shop');
const held: Report = { ...failed, maintenance: { window: 'deploy', until: '2026-10-01T00:00:00Z' } };

let dataDir: string;

function dd(args: string[]) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(NODE, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 }, (error, out, err) =>
      resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

beforeAll(async () => {
  dataDir = join(tempDir('dd-report-'), 'state');
  mkdirSync(dataDir, { mode: 0o700 });
  const store = await openStore(join(dataDir, DB_FILE));
  for (let h = 0; h < 30 * 24; h++) {
    // shop: hourly; failed hours 100 to 103, degraded all of day 10, maintenance hours 200 and 201, no verdict at 300.
    const report =
      h >= 100 && h < 104
        ? failed
        : h >= 240 && h < 264
          ? degraded
          : h === 200 || h === 201
            ? held
            : h === 300
              ? undefined
              : healthy;
    store.recordRun({
      target: 'shop',
      at: new Date(T0 + h * HOUR_MS),
      source: 'schedule',
      durationMs: 10,
      everyMs: HOUR_MS,
      report,
      ...(report ? {} : { error: 'the engine broke' }),
    });
    // api: from day 20 on, every hour, always healthy.
    if (h >= 20 * 24)
      store.recordRun({
        target: 'api',
        at: new Date(T0 + h * HOUR_MS),
        source: 'schedule',
        durationMs: 10,
        everyMs: HOUR_MS,
        report: reportOf(stages('ok', 'ok'), 'api'),
      });
  }
  const alarm = 'download-doctor-local-shop-down';
  store.noteIncident(
    { target: 'shop', alarm, rule: 'down', state: 'ALARM', at: new Date(T0 + 101 * HOUR_MS) },
    failed,
  );
  store.noteIncident(
    { target: 'shop', alarm, rule: 'down', state: 'OK', at: new Date(T0 + 104 * HOUR_MS) },
    healthy,
  );
  store.close();
  chmodSync(join(dataDir, DB_FILE), 0o600);
}, 60_000);

describe('download-doctor report --since', () => {
  it('gives availability per target, time degraded and incidents as JSON, the figures computed by hand', async () => {
    const r = await dd([
      'report',
      '--since',
      '30d',
      '--until',
      UNTIL,
      '--data-dir',
      dataDir,
      '--format',
      'json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    const shop = doc.targets.find((t: { target: string }) => t.target === 'shop');
    const api = doc.targets.find((t: { target: string }) => t.target === 'api');
    // 720 hours: failed 4, degraded 24, maintenance 2, without a verdict 1, healthy the other 689.
    expect(shop.timeMs).toEqual({
      healthy: 689 * HOUR_MS,
      degraded: 24 * HOUR_MS,
      failed: 4 * HOUR_MS,
      noVerdict: HOUR_MS,
      maintenance: 2 * HOUR_MS,
    });
    expect(shop.availability).toBeCloseTo((689 + 24) / (689 + 24 + 4), 12);
    expect(shop.incidents).toEqual([
      expect.objectContaining({
        rule: 'down',
        openedAt: new Date(T0 + 101 * HOUR_MS).toISOString(),
        closedAt: new Date(T0 + 104 * HOUR_MS).toISOString(),
        durationMs: 3 * HOUR_MS,
        status: 'failed',
        faults: ['proxy'],
      }),
    ]);
    // api ran 10 days only: what was not observed does not count against it.
    expect(api.timeMs.healthy).toBe(10 * DAY_MS);
    expect(api.availability).toBe(1);
    expect(doc.from).toBe(new Date(T0).toISOString());
  });

  it('prints a table and an HTML page with the same figures', async () => {
    const table = await dd(['report', '--since', '30d', '--until', UNTIL, '--data-dir', dataDir]);
    expect(table.out).toMatch(/^shop +99\.44% +4 h +1 d +1 h +2 h +1$/m);
    expect(table.out).toMatch(/^api +100% +0 s +0 s +0 s +0 s +0$/m);
    expect(table.out).toContain('shop  2026-10-05T05:00Z  lasted 3 h  down: failed, fault proxy');
    const page = await dd([
      'report',
      '--since',
      '30d',
      '--until',
      UNTIL,
      '--data-dir',
      dataDir,
      '--format',
      'html',
    ]);
    expect(page.out).toContain(
      '<tr data-target="shop"><td>shop</td><td class="num" data-availability>99.44%</td>',
    );
    expect(page.out).not.toMatch(/<script/);
  });

  it('spends an error budget: exit 1 when a target misses the objective', async () => {
    const r = await dd([
      'report',
      '--since',
      '30d',
      '--until',
      UNTIL,
      '--data-dir',
      dataDir,
      '--objective',
      '99.9',
    ]);
    expect(r.code).toBe(1);
    // Budget: 0.1% of 717 observed hours = 43 min 1.2 s; 4 h down, so 3 h 16 min 58.8 s over.
    expect(r.out).toMatch(/^shop .* spent, 3 h 16 min over$/m);
    expect(r.out).toMatch(/^api .* 14 min 24 s left$/m);
  });

  it('a shorter span reads only its hours: the last 7 days of shop are all up', async () => {
    const r = await dd([
      'report',
      '--since',
      '7d',
      '--until',
      UNTIL,
      '--data-dir',
      dataDir,
      '--format',
      'json',
    ]);
    const shop = JSON.parse(r.out).targets.find((t: { target: string }) => t.target === 'shop');
    expect(shop.timeMs.healthy).toBe(7 * DAY_MS);
    expect(shop.incidents).toEqual([]);
  });

  it.each([
    [['--since', 'a month'], '--since must be a span such as 30d or 36h (got "a month")'],
    [['--since', '30d', '--objective', '120'], '--objective must be a percentage between 0 and 100'],
    [['--since', '30d', '--db', '/nonexistent/serve.db'], 'no history at /nonexistent/serve.db'],
    [
      ['--since', '30d', '--instance', 'prod'],
      "report --instance needs the instance's table: --table NAME, or DOWNLOAD_DOCTOR_TABLE",
    ],
    [
      ['--since', '30d', '--instance', 'prod', '--data-dir', '/x'],
      "give --instance (AWS) or serve's --data-dir or --db, not both",
    ],
    [['--since', '30d', '--instance', 'my-prod', '--table', 't'], '--instance "my-prod": must be letters'],
    [['--since', '30d', '--table', 't'], '--table, --region and --endpoint need --instance'],
  ])('%j exits 2: %s', async (args, message) => {
    const r = await dd(['report', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
