/**
 * A fleet of 100 targets through the deployed path, on moto: each tick, the plan function's handler lists the
 * targets and their starts; each target's run goes through the workflow's handlers on the local engine (the real
 * checks against a loopback stack, its storage in moto's S3), whose Report handler steps the target's alarms in
 * DynamoDB and publishes its transitions to the alarm topic (moto's DynamoDB, S3 and SNS); SNS delivers them to a
 * loopback subscriber, which hands each to the notifier bundle (as Lambda's SNS trigger does), which publishes the
 * page to the page topic, delivered to the same subscriber, as on-call's would be. One target is broken: exactly
 * one page, for it, naming its layer; after its repair, one recovery notice.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runLocally } from '../../cli/local-engine.ts';
import { localProbes } from '../../cli/local-probes.ts';
import type { Deployment } from '../../functions/alerting/deployment.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import type { Config } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import { mapLimit } from '../../functions/contract/concurrency.ts';
import { CONFIG_IN_LAYER, RUNBOOKS_IN_LAYER } from '../../functions/contract/workflow.ts';
import { awsRecorder } from '../../functions/handlers/aws-report.ts';
import { makeHandlers } from '../../functions/handlers/handlers.ts';
import { planHandler } from '../../functions/handlers/plan.ts';
import { s3ReportWriter } from '../../functions/probes/report-writer.ts';
import { snsPublisher } from '../../functions/probes/sns.ts';
import { dynamoTargetStore } from '../../functions/probes/target-store.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { type AwsSide, startAwsSide } from '../fixtures/aws-fleet.ts';

const N = 100;
const BROKEN = 'site-037';
const INSTANCE = 'fleet';
const BODY = Buffer.from('download-doctor fleet sentinel\n');
const STORAGE_BUCKET = 'fleet-downloads';
const name = (i: number) => `site-${String(i).padStart(3, '0')}`;
const ROOT = new URL('../../', import.meta.url).pathname;

/** The CLI as it ships (dist/cli/bin.js). */
function cli(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(
      join(ROOT, 'node_modules/.bin/node'),
      [join(ROOT, 'dist/cli/bin.js'), ...args],
      { encoding: 'utf8', timeout: 60_000, env, maxBuffer: 64 * 1024 * 1024 },
      (error, out, err) => resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

let moto: MotoServer;
let aws: AwsSide;
let dir: string;
let stack: http.Server;
let broken = true;
let config: Config;
const saved = { ...process.env };

/** One loopback server for every target's app, proxy and download (path /site-NNN/...); BROKEN's proxy answers 502. */
function startStack(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const [, target, ...rest] = (req.url ?? '/').split('/');
    const path = `/${rest.join('/')}`;
    if (path.startsWith('/app/')) {
      res.writeHead(200, { 'X-Accel-Redirect': '/_storage/healthcheck.txt', 'Content-Length': '0' }).end();
      return;
    }
    if (broken && target === BROKEN) {
      res.writeHead(502, { 'Content-Type': 'text/html', 'Content-Length': '11' }).end('Bad Gateway');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length }).end(BODY);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-fleet-moto-'));
  moto = await startMotoServer(dir);
  aws = await startAwsSide(moto.endpoint, INSTANCE);
  stack = await startStack();
  const base = `http://127.0.0.1:${(stack.address() as AddressInfo).port}`;
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: STORAGE_BUCKET }));
  await s3.send(
    new PutObjectCommand({
      Bucket: STORAGE_BUCKET,
      Key: 'healthcheck/healthcheck.txt',
      Body: BODY,
      ContentType: 'text/plain',
    }),
  );
  s3.destroy();
  const targets = Array.from({ length: N }, (_, i) => ({
    name: name(i),
    sentinel: {
      sha256: createHash('sha256').update(BODY).digest('hex'),
      size: BODY.length,
      contentType: 'text/plain',
    },
    storage: {
      type: 's3',
      bucket: STORAGE_BUCKET,
      key: 'healthcheck/healthcheck.txt',
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      proxyAuth: 'public',
    },
    app: {
      url: `${base}/${name(i)}/app/healthcheck-utils/download/`,
      offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
    },
    proxy: { url: `${base}/${name(i)}/healthcheck-utils/storage/` },
    endToEnd: { url: `${base}/${name(i)}/healthcheck-utils/download/` },
    // Keep the failing runs short: the confirmation waits this long.
    confirmDelayMs: 50,
  }));
  const v = validateConfig({ targets });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  config = v.config;
  // What the construct gives the functions: their environment (every AWS call to moto), and the config layer.
  const layer = join(dir, 'opt');
  mkdirSync(dirname(join(layer, CONFIG_IN_LAYER)), { recursive: true });
  writeFileSync(join(layer, CONFIG_IN_LAYER), JSON.stringify({ targets }));
  writeFileSync(join(layer, RUNBOOKS_IN_LAYER), '{}');
  Object.assign(process.env, aws.env, { DOWNLOAD_DOCTOR_CONFIG_FILE: join(layer, CONFIG_IN_LAYER) });
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await Promise.all([moto?.stop(), aws?.close(), new Promise((r) => stack?.close(r))]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a fleet of 100 targets on moto, through the deployed path', () => {
  it('pages once for the broken target, naming its layer; after its repair, one recovery notice saying how long it lasted; report --instance reads it all back', async () => {
    const deployment: Deployment = {
      targets: config.targets.map((t) => ({
        name: t.name,
        periodMs: 300_000,
        confirmDelayMs: t.confirmDelayMs,
      })),
      rules: [...TARGET_ALARMS],
      metrics: 'summary',
      spreadMs: { '300000': 30_000 },
      graceMs: 330_000,
    };
    const names = instanceNames(INSTANCE);
    const endpoint = { endpoint: moto.endpoint, region: 'us-east-1' };
    const store = dynamoTargetStore(aws.table, endpoint);
    const publish = snsPublisher(aws.topics.alarm, endpoint);
    const handlers = makeHandlers({
      config,
      ...localProbes(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      telemetry: {
        record: awsRecorder({
          deployment,
          names,
          store,
          storeReport: s3ReportWriter(aws.bucket, endpoint).store,
          publish: publish.publish,
          emit: () => {},
        }),
      },
    });
    const plan = planHandler({ deployment, names, store, publish: publish.publish });
    const notifier = (await import(
      pathToFileURL(join(process.cwd(), 'dist/lambda/notifier/index.mjs')).href
    )) as {
      handler: (event: unknown) => Promise<void>;
    };
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const statuses: Record<string, number>[] = [];
    /** One tick: the plan, every run (8 at once), then the notifier on each transition SNS delivered. */
    const tick = async () => {
      const before = aws.delivered.length;
      const { runs } = await plan({ periodMs: 300_000, tick: new Date().toISOString() });
      const counted: Record<string, number> = {};
      await mapLimit(runs, 8, async (r) => {
        // The input the fleet's Start state gives (infra/fleet.ts).
        const { target, allLayers, confirmWaitSeconds } = r;
        const { report } = await runLocally({ target, allLayers, confirmWaitSeconds }, handlers);
        counted[report.verdict.status] = (counted[report.verdict.status] ?? 0) + 1;
      });
      statuses.push(counted);
      await aws.settle(500);
      const transitions = aws.delivered.slice(before).filter((d) => d.topic === 'alarm');
      for (const t of transitions) await notifier.handler({ Records: [{ Sns: { Message: t.message } }] });
      await aws.settle(500);
      return {
        runs: runs.length,
        pages: aws.delivered.slice(before).filter((d) => d.topic === 'page'),
        notices: aws.delivered.slice(before).filter((d) => d.topic === 'monitor'),
      };
    };
    try {
      const broken1 = await tick();
      const broken2 = await tick();
      broken = false;
      const repaired1 = await tick();
      const repaired2 = await tick();
      const repaired3 = await tick();

      expect(broken1.runs).toBe(N);
      expect(statuses[0]).toEqual({ healthy: N - 1, failed: 1 });
      expect(statuses[4]).toEqual({ healthy: N });
      // The broken target's confirmed failure pages on its first run, once, naming it and its layer.
      expect(broken1.pages.map((p) => p.subject)).toEqual([
        `[download-doctor] FAILED ${BROKEN}: fault proxy`,
      ]);
      expect(broken1.pages[0]?.message).toContain(`target "${BROKEN}" is FAILED`);
      expect(broken2.pages).toEqual([]);
      // Recovery after its 2 healthy runs, once.
      expect(repaired1.pages).toEqual([]);
      expect(repaired2.pages.map((p) => p.subject)).toEqual([
        expect.stringMatching(new RegExp(`^\\[download-doctor\\] RESOLVED ${BROKEN}`)),
      ]);
      expect(repaired3.pages).toEqual([]);
      // Nothing for the monitor's owners: every target ran at every tick.
      expect([broken1, broken2, repaired1, repaired2, repaired3].flatMap((t) => t.notices)).toEqual([]);
      // The recovery notice says how long the incident lasted (from its first page, kept in the table).
      expect(repaired2.pages[0]?.message).toMatch(/The incident lasted \d+ (s|min)/);

      // The SLO report from the instance's table, by the CLI as it ships: each run counts its period.
      const report = await cli(
        ['report', '--since', '1d', '--instance', INSTANCE, '--table', aws.table, '--format', 'json'],
        { ...process.env, ...aws.env },
      );
      expect(report.code, report.err).toBe(0);
      const slo = JSON.parse(report.out) as {
        source: string;
        targets: {
          target: string;
          availability: number;
          timeMs: Record<string, number>;
          incidents: { alarm: string; status: string; faults: string[]; closedAt: string | null }[];
        }[];
      };
      expect(slo.source).toContain(`instance ${INSTANCE} on AWS`);
      expect(slo.targets).toHaveLength(N);
      const b = slo.targets.find((t) => t.target === BROKEN);
      expect(b?.timeMs).toEqual({
        healthy: 3 * 300_000,
        degraded: 0,
        failed: 2 * 300_000,
        noVerdict: 0,
        maintenance: 0,
      });
      expect(b?.availability).toBeCloseTo(3 / 5, 9);
      expect(b?.incidents).toEqual([
        expect.objectContaining({
          alarm: names.alarm(BROKEN, { id: 'down' }),
          status: 'failed',
          faults: expect.arrayContaining(['proxy']),
          closedAt: expect.any(String),
        }),
      ]);
      const others = slo.targets.filter((t) => t.target !== BROKEN);
      expect(others.every((t) => t.availability === 1 && t.incidents.length === 0)).toBe(true);
    } finally {
      log.mockRestore();
      store.close();
      publish.close();
    }
  }, 240_000);
});
