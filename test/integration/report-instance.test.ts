/**
 * `download-doctor report --instance` as it ships (dist/cli/bin.js), against an instance's table on moto's DynamoDB,
 * written as the report function writes it (functions/probes/target-store.ts): days that ended, today's runs in the
 * state, closed incidents, an open one. The figures are computed by hand here: each run counts its period, by whole
 * UTC days.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DayStats, emptyDay, type StoredIncident } from '../../functions/alerting/history.ts';
import { newTargetState } from '../../functions/alerting/target-state.ts';
import { dynamoTargetStore } from '../../functions/probes/target-store.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { type AwsSide, startAwsSide } from '../fixtures/aws-fleet.ts';
import { tempDir } from '../fixtures/temp.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const INSTANCE = 'prod';
const P = 300_000;
const day = (date: string, n: Partial<DayStats>): DayStats => ({ ...emptyDay(date, P), ...n });
const incident = (rule: 'down' | 'degraded', start: string, end?: string): StoredIncident => ({
  rule,
  start,
  ...(end ? { end } : {}),
  status: rule === 'down' ? 'failed' : 'degraded',
  faults: [rule === 'down' ? 'storage' : 'app'],
  summary: `${rule} since ${start}`,
  evidence: ['storage: s3-access-denied'],
});

let dir: string;
let moto: MotoServer;
let aws: AwsSide;
const saved = { ...process.env };

function cli(args: string[]) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/node'),
      [join(ROOT, 'dist/cli/bin.js'), 'report', ...args],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...aws.env } },
      (error, out, err) => resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

beforeAll(async () => {
  dir = tempDir('dd-report-instance-');
  moto = await startMotoServer(dir);
  aws = await startAwsSide(moto.endpoint, INSTANCE);
  // The SDK's credentials and endpoint for the writes here, as the report function has them.
  Object.assign(process.env, aws.env);
  const store = dynamoTargetStore(aws.table, { endpoint: moto.endpoint, region: 'us-east-1' });
  const at = new Date('2026-12-03T12:00:00Z');
  try {
    // shop: two days that ended (one with 24 failed runs and 12 in maintenance), today so far in its state, a closed
    // incident on the 2nd, a degraded one still open today, and an old one outside the span.
    await store.putDay('shop', day('2026-11-20', { failed: 288 }), at);
    await store.putDay('shop', day('2026-12-01', { healthy: 288 }), at);
    await store.putDay('shop', day('2026-12-02', { healthy: 252, failed: 24, maintenance: 12 }), at);
    await store.putIncident(
      'shop',
      incident('down', '2026-12-02T10:00:00.000Z', '2026-12-02T12:00:00.000Z'),
      at,
    );
    await store.putIncident(
      'shop',
      incident('down', '2026-11-20T00:00:00.000Z', '2026-11-21T00:00:00.000Z'),
      at,
    );
    await store.write('shop', {
      ...newTargetState(),
      version: 1,
      lastRunAt: '2026-12-03T11:55:00.000Z',
      day: day('2026-12-03', { healthy: 120, degraded: 24 }),
      incidents: { degraded: incident('degraded', '2026-12-03T10:00:00.000Z') },
    });
    // api: only today, all healthy.
    await store.write('api', {
      ...newTargetState(),
      version: 1,
      day: day('2026-12-03', { healthy: 144 }),
    });
  } finally {
    store.close();
  }
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await Promise.all([moto?.stop(), aws?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('download-doctor report --instance, from the instance table on moto', () => {
  it('sums the days the span touches (each run its period) and lists the incidents that overlap it', async () => {
    const r = await cli([
      '--since',
      '2d',
      '--until',
      '2026-12-03T12:00:00Z',
      '--instance',
      INSTANCE,
      '--table',
      aws.table,
      '--format',
      'json',
    ]);
    expect(r.code, r.err).toBe(0);
    const slo = JSON.parse(r.out);
    expect(slo.source).toContain(`instance ${INSTANCE} on AWS, table ${aws.table}`);
    expect(slo.source).toContain('run-weighted');
    const [api, shop] = slo.targets;
    expect(api.target).toBe('api');
    expect(api.availability).toBe(1);
    expect(shop.target).toBe('shop');
    // The 1st, the 2nd and the 3rd so far: 288 + 252 + 120 healthy, 24 degraded, 24 failed, 12 in maintenance.
    expect(shop.timeMs).toEqual({
      healthy: 660 * P,
      degraded: 24 * P,
      failed: 24 * P,
      noVerdict: 0,
      maintenance: 12 * P,
    });
    expect(shop.availability).toBeCloseTo(684 / 708, 9);
    expect(
      shop.incidents.map(
        (i: { alarm: string; openedAt: string; closedAt: string | null; durationMs: number }) => [
          i.alarm,
          i.openedAt,
          i.closedAt,
          i.durationMs,
        ],
      ),
    ).toEqual([
      [
        'download-doctor-prod-shop-down',
        '2026-12-02T10:00:00.000Z',
        '2026-12-02T12:00:00.000Z',
        2 * 3_600_000,
      ],
      ['download-doctor-prod-shop-degraded', '2026-12-03T10:00:00.000Z', null, 2 * 3_600_000],
    ]);
  }, 60_000);

  it('prints the table, and exits 1 when a target misses the objective', async () => {
    const r = await cli([
      '--since',
      '2d',
      '--until',
      '2026-12-03T12:00:00Z',
      '--instance',
      INSTANCE,
      '--table',
      aws.table,
      '--objective',
      '99',
    ]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/^shop\s+96\.61%\s+2 h/m);
    expect(r.out).toContain('shop  2026-12-02T10:00Z  lasted 2 h  down: failed, fault storage');
    expect(r.out).toContain('ongoing, 2 h so far  degraded: degraded, fault app');
  }, 60_000);
});
