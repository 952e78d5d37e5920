/**
 * Several locations on AWS, through the deployed path, on moto: the home Region (us-east-1) and two probe Regions
 * (eu-west-1, ap-south-1), one target. Each slot, the home's run goes through the workflow's handlers on the local
 * engine (the real checks against a loopback stack) into the home's slots table; each probe Region's function (the
 * probe bundle as it deploys, one copy per Region, as two Lambdas are) runs the end-to-end check through its own
 * network path (a TCP relay on loopback that the test can break) and writes its result into the same table in the
 * home's Region, by name; the decide queue's messages (moto's SQS) are delivered to the report bundle as Lambda's SQS
 * trigger does. The decisions step the target's alarms; SNS delivers the transitions to a loopback subscriber,
 * which hands each to the notifier bundle, whose pages and notices SNS delivers to the same subscriber (the page and
 * monitor topics, and on-call's subscription filtered on `severity: critical`).
 *
 * The slots are real time: a 10 s period, so that a slot is a tick of the test and the home's wait (a share of it)
 * a couple of seconds.
 */

import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runLocally } from '../../cli/local-engine.ts';
import { localProbes } from '../../cli/local-probes.ts';
import type { Deployment } from '../../functions/alerting/deployment.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { LOCATION_PATH, TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import {
  CONFIG_IN_LAYER,
  DEPLOYMENT_IN_LAYER,
  RUNBOOKS_IN_LAYER,
} from '../../functions/contract/workflow.ts';
import { awsConsensus } from '../../functions/handlers/aws-consensus.ts';
import { makeHandlers } from '../../functions/handlers/handlers.ts';
import { planHandler } from '../../functions/handlers/plan.ts';
import { sqsDecideQueue } from '../../functions/probes/decide-queue.ts';
import { s3ReportWriter } from '../../functions/probes/report-writer.ts';
import { dynamoSlotStore } from '../../functions/probes/slot-store.ts';
import { snsPublisher } from '../../functions/probes/sns.ts';
import { dynamoTargetStore } from '../../functions/probes/target-store.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { type AwsSide, type Delivery, startAwsSide } from '../fixtures/aws-fleet.ts';

const INSTANCE = 'several';
const TARGET = 'shop';
const HOME = 'us-east-1';
const PROBES = ['eu-west-1', 'ap-south-1'] as const;
type Probe = (typeof PROBES)[number];
const PERIOD_MS = 10_000;
const WAIT_SHARE = 0.2;
const WAIT_MS = PERIOD_MS * WAIT_SHARE;
const BODY = Buffer.from('download-doctor locations sentinel\n');
const STORAGE_BUCKET = 'locations-downloads';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ROOT = new URL('../../', import.meta.url).pathname;
const endpoint = () => ({ endpoint: moto.endpoint, region: HOME });

let moto: MotoServer;
let aws: AwsSide;
let dir: string;
let site: http.Server;
/** The site's proxy answers 502 (every location's download fails, the home names the proxy). */
let siteBroken = false;
/** Each probe Region's network path to the site: a relay that, broken, takes connections and never answers. */
const relays = new Map<Probe, { server: net.Server; broken: boolean }>();
const relaySockets = new Set<net.Socket>();
const saved = { ...process.env };
let deployment: Deployment;
let targetInput: Record<string, unknown>;

function startSite(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if ((req.url ?? '').startsWith('/app/')) {
      res.writeHead(200, { 'X-Accel-Redirect': '/_storage/healthcheck.txt', 'Content-Length': '0' }).end();
      return;
    }
    if (siteBroken) {
      res.writeHead(502, { 'Content-Type': 'text/html', 'Content-Length': '11' }).end('Bad Gateway');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length }).end(BODY);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** A Region's network path to the site: TCP through to it, or (broken) a connection that never answers. */
function startRelay(probe: Probe, port: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    relaySockets.add(socket);
    socket.on('close', () => relaySockets.delete(socket));
    socket.on('error', () => {});
    if (relays.get(probe)?.broken) return;
    const upstream = net.connect(port, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** A function's config layer as Lambda extracts it: the config, the deployment file, the runbooks. */
function layer(name: string, config: unknown): string {
  const file = join(dir, name, 'opt', CONFIG_IN_LAYER);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(config));
  writeFileSync(join(dir, name, 'opt', DEPLOYMENT_IN_LAYER), JSON.stringify(deployment));
  writeFileSync(join(dir, name, 'opt', RUNBOOKS_IN_LAYER), '{}');
  return file;
}

type LambdaModule = { handler: (event: unknown) => Promise<unknown> };
/**
 * A function as Lambda runs it: its own copy of the bundle (its own module state) imported with its environment;
 * a bundle reads its environment and config when it loads.
 */
async function load(bundle: string, as: string, env: Record<string, string>): Promise<LambdaModule> {
  const copy = join(dir, as, 'code');
  cpSync(join(ROOT, 'dist/lambda', bundle), copy, { recursive: true });
  const before = { ...process.env };
  Object.assign(process.env, env);
  try {
    return (await import(pathToFileURL(join(copy, 'index.mjs')).href)) as LambdaModule;
  } finally {
    process.env = before;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-locations-moto-'));
  moto = await startMotoServer(dir);
  aws = await startAwsSide(moto.endpoint, INSTANCE, HOME, { locations: true });
  site = await startSite();
  const s3 = new S3Client({ endpoint: moto.endpoint, region: HOME, forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: STORAGE_BUCKET }));
  await s3.send(
    new PutObjectCommand({
      Bucket: STORAGE_BUCKET,
      Key: 'healthcheck.txt',
      Body: BODY,
      ContentType: 'text/plain',
    }),
  );
  s3.destroy();
  const port = (site.address() as AddressInfo).port;
  for (const p of PROBES) relays.set(p, { server: await startRelay(p, port), broken: false });
  const base = `http://127.0.0.1:${port}`;
  targetInput = {
    name: TARGET,
    sentinel: {
      sha256: createHash('sha256').update(BODY).digest('hex'),
      size: BODY.length,
      contentType: 'text/plain',
    },
    app: { url: `${base}/app/`, offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' } },
    storage: {
      type: 's3',
      bucket: STORAGE_BUCKET,
      key: 'healthcheck.txt',
      region: HOME,
      endpoint: moto.endpoint,
      forcePathStyle: true,
      proxyAuth: 'public',
    },
    proxy: { url: `${base}/proxy/` },
    endToEnd: { url: `${base}/healthcheck-utils/download/`, timeoutMs: 1_500 },
    confirmDelayMs: 50,
  };
  deployment = {
    targets: [{ name: TARGET, periodMs: PERIOD_MS, quorum: 2 }],
    rules: [...TARGET_ALARMS, LOCATION_PATH],
    metrics: 'summary',
    spreadMs: { [String(PERIOD_MS)]: 0 },
    graceMs: 2_000,
    locations: { home: HOME, others: [...PROBES], waitShare: WAIT_SHARE },
  };
}, 60_000);

afterAll(async () => {
  process.env = saved;
  site?.closeAllConnections();
  // A broken relay's connections never end by themselves.
  for (const socket of relaySockets) socket.destroy();
  await Promise.all([
    moto?.stop(),
    aws?.close(),
    new Promise((r) => site?.close(r)),
    ...[...relays.values()].map((r) => new Promise((done) => r.server.close(done))),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

const locations = [{ name: HOME, region: HOME, home: true }, ...PROBES.map((p) => ({ name: p, region: p }))];

describe('several locations on moto: the home decides and pages once', () => {
  it('site broken: one page naming the layer with every location’s evidence; one Region’s path broken: a monitor notice, no page; repair: one recovery; a silent Region: decided at the deadline without it (unknown), then a location-silent notice; a late Region: heard from, not silent', async () => {
    const homeConfig = { locations, targets: [targetInput] };
    const v = validateConfig(homeConfig);
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const homeLayer = layer('home', homeConfig);
    Object.assign(process.env, aws.env, { DOWNLOAD_DOCTOR_CONFIG_FILE: homeLayer });
    const slots = aws.slots;
    if (!slots) throw new Error('no slots table');

    // Each probe Region's function: its own config layer (the same config; its end-to-end check reaches the site
    // through the Region's relay, as that Region's network would), writing to the home's Region by name.
    const probes = {} as Record<Probe, LambdaModule>;
    for (const p of PROBES) {
      const server = relays.get(p)?.server;
      if (!server) throw new Error(`no relay for ${p}`);
      const relay = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const own = {
        locations,
        targets: [{ ...targetInput, endToEnd: { ...(targetInput.endToEnd as object), connectTo: relay } }],
      };
      probes[p] = await load('probe', p, {
        DOWNLOAD_DOCTOR_CONFIG_FILE: layer(p, own),
        AWS_REGION: p,
        LOCATION: p,
        HOME_REGION: HOME,
        SLOTS_TABLE: slots.table,
        DECIDE_QUEUE_URL: slots.queueUrl,
      });
    }
    const report = await load('report', 'report', {});
    const notifier = await load('notifier', 'notifier', {});

    /** The EMF records of the decisions, whichever function decided. */
    const emf: { Target: string; locations?: Record<string, { outcome: string }> }[] = [];
    // The home's report function for the workflow's runs (the same code as the report bundle's, in process).
    const names = instanceNames(INSTANCE);
    const store = dynamoTargetStore(aws.table, endpoint());
    const publish = snsPublisher(aws.topics.alarm, endpoint());
    const slotStore = dynamoSlotStore(slots.table, endpoint());
    const queue = sqsDecideQueue(slots.queueUrl, endpoint());
    const consensus = awsConsensus({
      deployment,
      names,
      store,
      storeReport: s3ReportWriter(aws.bucket, endpoint()).store,
      publish: publish.publish,
      emit: (line) => emf.push(JSON.parse(line)),
      slots: slotStore,
      queue,
    });
    const handlers = makeHandlers({
      config: v.config,
      ...localProbes(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      telemetry: { record: consensus.record },
    });
    const plan = planHandler({ deployment, names, store, publish: publish.publish });
    const sqs = new SQSClient({ ...endpoint(), credentials });
    const logged: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      logged.push(String(line));
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    // The report bundle's EMF lines (straight to stdout, as Lambda's JSON log format needs).
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      const text = String(chunk);
      if (text.startsWith('{"_aws"')) emf.push(JSON.parse(text));
      return true;
    });

    /** The decide queue's messages, delivered to the report bundle as Lambda's SQS trigger does, until `until`. */
    const drain = async (until: number) => {
      let delivered = 0;
      while (Date.now() < until) {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: slots.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        const messages = out.Messages ?? [];
        if (!messages.length) continue;
        await report.handler({
          Records: messages.map((m) => ({
            eventSource: 'aws:sqs',
            body: m.Body ?? '',
            messageId: m.MessageId,
          })),
        });
        for (const m of messages)
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: slots.queueUrl, ReceiptHandle: m.ReceiptHandle }),
          );
        delivered += messages.length;
      }
      return delivered;
    };

    let lastSlot = 0;
    /**
     * One slot: at its start, the plan (each location's silence), then the home's run and each sending Region's
     * at once, then the decide queue until the home's wait is over, then the notifier on each transition.
     */
    const tick = async (sending: readonly Probe[], late: readonly Probe[] = []) => {
      const next = Math.max(lastSlot + PERIOD_MS, Math.ceil((Date.now() + 100) / PERIOD_MS) * PERIOD_MS);
      lastSlot = next;
      await new Promise((r) => setTimeout(r, next - Date.now() + 50));
      const slot = new Date(next).toISOString();
      const before = aws.delivered.length;
      const { runs } = await plan({ periodMs: PERIOD_MS, tick: slot });
      const [home] = await Promise.all([
        runLocally({ target: TARGET, allLayers: false }, handlers),
        ...sending.map((p) => probes[p].handler({ target: TARGET, startAt: slot })),
      ]);
      let queued = await drain(Date.now() + WAIT_MS + 1_500);
      // A late Region: its result comes after the home's wait, once the slot was decided without it.
      if (late.length) {
        await Promise.all(late.map((p) => probes[p].handler({ target: TARGET, startAt: slot })));
        queued += await drain(Date.now() + 1_500);
      }
      await aws.settle(500);
      const transitions = aws.delivered.slice(before).filter((d) => d.topic === 'alarm');
      for (const t of transitions) await notifier.handler({ Records: [{ Sns: { Message: t.message } }] });
      await aws.settle(500);
      const got = (topic: Delivery['topic']) => aws.delivered.slice(before).filter((d) => d.topic === topic);
      const decided = logged
        .filter((l) => l.includes('"decided"') && l.includes(slot))
        .map((l) => JSON.parse(l) as { decided: string; confirmed: boolean });
      const lateHeard = logged
        .filter((l) => l.includes('"lateHeardFrom"') && l.includes(slot))
        .flatMap((l) => (JSON.parse(l) as { lateHeardFrom: string[] }).lateHeardFrom);
      return {
        slot,
        lateHeard,
        runs: runs.length,
        homeStatus: home.report.verdict.status,
        queued,
        decided,
        pages: got('page'),
        oncall: got('page-critical'),
        notices: got('monitor'),
        criticalNotices: got('monitor-critical'),
      };
    };

    try {
      const healthy = await tick(PROBES);
      siteBroken = true;
      const broken = await tick(PROBES);
      siteBroken = false;
      const repaired1 = await tick(PROBES);
      const repaired2 = await tick(PROBES);
      const apOnly = relays.get('ap-south-1');
      if (apOnly) apOnly.broken = true;
      const path = await tick(PROBES);
      if (apOnly) apOnly.broken = false;
      // eu-west-1 stops sending: the home's deadline decides without it.
      const silent1 = await tick(['ap-south-1']);
      const silent2 = await tick(['ap-south-1']);
      const silent3 = await tick(['ap-south-1']);
      // eu-west-1 sends again: its silence resolves at the next tick's plan.
      const back1 = await tick(PROBES);
      const back2 = await tick(PROBES);
      const back3 = await tick(PROBES);
      // eu-west-1 sends, but always late: each slot decided without it, and it is heard from all the same (no
      // location-silent notice, whose 2 of 3 silent periods these 3 slots would otherwise make).
      const late1 = await tick(['ap-south-1'], ['eu-west-1']);
      const late2 = await tick(['ap-south-1'], ['eu-west-1']);
      const late3 = await tick(['ap-south-1'], ['eu-west-1']);

      // Every slot is decided once, by whoever completed it or at the deadline.
      const all = [
        healthy,
        broken,
        repaired1,
        repaired2,
        path,
        silent1,
        silent2,
        silent3,
        back1,
        back2,
        back3,
      ];
      for (const t of all) expect(t.decided, t.slot).toHaveLength(1);
      expect(healthy.pages).toEqual([]);
      expect(healthy.notices).toEqual([]);

      // a. The site is broken: one page, critical, naming the layer, with every location's evidence.
      expect(broken.homeStatus).toBe('failed');
      expect(broken.pages.map((p) => p.subject)).toEqual([
        `[download-doctor] FAILED ${TARGET}: fault proxy (3 of 3 locations)`,
      ]);
      expect(broken.oncall).toHaveLength(1);
      const page = broken.pages[0]?.message ?? '';
      expect(page).toContain(
        'Locations: 3 of 3 fail end to end; a failure pages when 2 confirm it (confirmed).',
      );
      for (const l of [`${HOME} (home)`, ...PROBES])
        expect(page).toMatch(new RegExp(`${l.replace(/[()]/g, '\\$&')}\\s+FAIL \\[status\\]`));
      expect(broken.decided[0]?.decided).toMatch(/^3 of 3 locations: /);
      expect(broken.notices).toEqual([]);

      // Repair: one recovery notice, after the rule's 2 healthy slots.
      expect(repaired1.pages).toEqual([]);
      expect(repaired2.pages.map((p) => p.subject)).toEqual([
        expect.stringMatching(new RegExp(`^\\[download-doctor\\] RESOLVED ${TARGET}`)),
      ]);

      // b. Only ap-south-1's path is broken: no page; one notice to the monitor topic naming it and its error.
      expect(path.pages).toEqual([]);
      expect(path.notices.map((n) => n.subject)).toEqual([
        `[download-doctor] NETWORK PATH ${TARGET}: only ap-south-1 fails`,
      ]);
      expect(path.criticalNotices).toEqual([]);
      const notice = path.notices[0]?.message ?? '';
      expect(notice).toContain('only ap-south-1 fails end to end, with a timeout');
      expect(notice).toContain('the network path from ap-south-1, not the site');
      expect(notice).toMatch(/eu-west-1\s+PASS/);
      expect(notice).toMatch(/ap-south-1\s+FAIL \[timeout\]/);
      expect(path.decided[0]).toMatchObject({ confirmed: false });
      // The metrics of a slot once, whoever decided it (the report bundle, or the home's report function).
      expect(emf.filter((r) => r.locations).map((r) => r.locations?.['ap-south-1']?.outcome)).toEqual([
        'pass',
        'fail',
        'pass',
        'pass',
        'fail',
        ...Array(6).fill('pass'),
        ...Array(3).fill('pass'), // the late slots: once each, not again when eu-west-1's result comes
      ]);

      // The deadline: eu-west-1 never answers; the home's delayed message decides with what came (unknown, never
      // a failure); the path notice resolves as the locations that answered agree.
      for (const t of [silent1, silent2, silent3]) {
        expect(t.decided[0]?.decided).toContain('no result from eu-west-1');
        expect(t.decided[0]?.confirmed).toBe(false);
        expect(t.pages).toEqual([]);
        expect(t.queued).toBeGreaterThanOrEqual(1);
      }
      // c. The plan steps eu-west-1's silence: one location-silent notice to the monitor topic, none to on-call.
      const silence = [silent1, silent2, silent3].flatMap((t) => t.notices.map((n) => n.subject));
      expect(silence.filter((s) => s.includes('LOCATION SILENT'))).toEqual([
        '[download-doctor] LOCATION SILENT eu-west-1: no result',
      ]);
      expect(back3.notices.map((n) => n.subject)).toEqual([
        '[download-doctor] RESOLVED location eu-west-1: its results come again',
      ]);
      // Nothing for on-call but the site's page and its recovery.
      expect(all.flatMap((t) => t.oncall.map((p) => p.subject))).toEqual([
        `[download-doctor] FAILED ${TARGET}: fault proxy (3 of 3 locations)`,
        expect.stringMatching(/^\[download-doctor\] RESOLVED shop/),
      ]);
      // Late, not silent: each late slot decided once without eu-west-1, then eu-west-1 recorded as heard from; no
      // second decision (its metrics once), no notice, no page.
      for (const t of [late1, late2, late3]) {
        expect(t.decided, t.slot).toHaveLength(1);
        expect(t.decided[0]?.decided).toContain('no result from eu-west-1');
        expect(t.lateHeard, t.slot).toEqual(['eu-west-1']);
        expect(t.notices).toEqual([]);
        expect(t.pages).toEqual([]);
      }
      expect(emf.filter((r) => r.locations)).toHaveLength(all.length + 3);
      // Each notice once: the path's (and its resolution), the silence's (and its resolution).
      expect(all.flatMap((t) => t.notices.map((n) => n.subject))).toEqual([
        `[download-doctor] NETWORK PATH ${TARGET}: only ap-south-1 fails`,
        expect.stringMatching(/RESOLVED shop: the locations agree again/),
        '[download-doctor] LOCATION SILENT eu-west-1: no result',
        '[download-doctor] RESOLVED location eu-west-1: its results come again',
      ]);
    } finally {
      log.mockRestore();
      errors.mockRestore();
      stdout.mockRestore();
      store.close();
      publish.close();
      slotStore.close();
      queue.close();
      sqs.destroy();
    }
  }, 300_000);
});
