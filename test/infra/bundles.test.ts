/**
 * The Lambda bundles as they deploy: the prebuilt bundles (dist/lambda) as the construct stages them, with the
 * config from its config layer, imported and invoked here, against a loopback server, and for report and notifier
 * against a moto_server of their own (S3, CloudWatch, SNS). It proves the bundles load and run, not only build.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { instanceNames } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import { readTransitionMessage, transitionMessage } from '../../functions/alerting/transition-message.ts';
import type { PlannedRun } from '../../functions/config/fleet.ts';
import type { ConfigInput } from '../../functions/config/schema.ts';
import type { CheckResult, Report } from '../../functions/contract/types.ts';
import { CONFIG_IN_LAYER, type HandlerName } from '../../functions/contract/workflow.ts';
import { consoleLinks, pageText } from '../../functions/render/page.ts';
import { reportHtml } from '../../functions/render/report-html.ts';
import { DownloadHealthchecks } from '../../infra/construct.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';
import { type AwsSide, startAwsSide } from '../fixtures/aws-fleet.ts';
import { attributesVpc } from '../fixtures/cdk.ts';
import { targetInput } from '../fixtures/config.ts';
import { result, type Spec, stages } from '../fixtures/results.ts';

const BODY = Buffer.from('download-doctor bundled sentinel\n');
/** What the proxy bundle sent (its signed query: the bucket is private, the default). */
const proxyQueries: string[] = [];

// The proxy bundle signs its request (a pure computation with credentials from the environment).
useTestCredentials();
let server: http.Server;
let bundles: Record<HandlerName | 'notifier' | 'self-test' | 'plan', string>;
/** The config layer's file, as Lambda would extract it. */
let configFile: string;
const INSTANCE = 'bundles';
const RUNBOOK = 'https://wiki.example.com/runbooks/downloads';
/** The self-test function, which the construct does not expose beside the custom resource. */
const selfTestFunction = (hc: DownloadHealthchecks) =>
  hc.node.findChild('self-testFunction') as unknown as { node: { defaultChild?: unknown } };
let outdir: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/app')) {
      // As django-storages answers for a private bucket: a signed URL.
      const signed = '/_storage/healthcheck.txt?X-Amz-Credential=test&X-Amz-Signature=abc';
      res.writeHead(200, { 'X-Accel-Redirect': signed, 'Content-Length': '0' }).end();
    } else {
      if (req.url?.startsWith('/proxy/')) proxyQueries.push(new URL(req.url, 'http://x').search);
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length }).end(BODY);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const loopbackStack = {
    sentinel: { sha256: createHash('sha256').update(BODY).digest('hex'), size: BODY.length },
    app: {
      url: `${base}/app/`,
      offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
    },
    endToEnd: { url: `${base}/healthcheck-utils/download/` },
  };
  const config = {
    targets: [
      targetInput({
        name: 'loopback',
        ...loopbackStack,
        // The notifier finds it in the config layer's runbooks file, which the construct writes.
        runbookUrl: RUNBOOK,
        proxy: { url: `${base}/proxy/` },
        // An extra sentinel: the baked config must keep it (target loopback-second).
        sentinels: [
          {
            name: 'second',
            sentinel: { sha256: createHash('sha256').update(BODY).digest('hex'), size: BODY.length },
            file: 'second.txt',
            offload: '/_storage/healthcheck.txt',
          },
        ],
      }),
      // Always in maintenance (a window of a whole day, every day): the notifier holds its pages back.
      targetInput({
        name: 'loopback-maint',
        ...loopbackStack,
        maintenance: [{ name: 'nightly deploys', every: 'day', at: '00:00', duration: '24h' }],
      }),
    ],
  } as unknown as ConfigInput;
  outdir = mkdtempSync(join(tmpdir(), 'dd-bundles-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Bundles');
  // Loopback targets: synth refuses them without a VPC (a user's would be private addresses in it).
  const hc = new DownloadHealthchecks(stack, 'Healthchecks', {
    config,
    instanceName: INSTANCE,
    vpc: attributesVpc(stack),
    selfTest: true,
  });
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Metadata?: Record<string, string> }>;
  };
  const assetOf = (construct: { node: { defaultChild?: unknown } }) =>
    join(
      outdir,
      template.Resources[stack.getLogicalId(construct.node.defaultChild as never)]?.Metadata?.[
        'aws:asset:path'
      ] ?? 'missing',
    );
  const functions = {
    ...hc.functions,
    notifier: hc.notifier,
    plan: hc.planFunction,
    'self-test': selfTestFunction(hc),
  };
  bundles = Object.fromEntries(
    Object.entries(functions).map(([name, fn]) => [name, join(assetOf(fn), 'index.mjs')]),
  ) as Record<HandlerName | 'notifier' | 'self-test' | 'plan', string>;
  // Where Lambda would extract the construct's config layer (/opt): the functions read the config there.
  configFile = join(assetOf(hc.configLayer), CONFIG_IN_LAYER);
  process.env.DOWNLOAD_DOCTOR_CONFIG_FILE = configFile;
});

afterAll(async () => {
  delete process.env.DOWNLOAD_DOCTOR_CONFIG_FILE;
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(outdir, { recursive: true, force: true });
});

type LambdaModule = { handler: (event: unknown) => Promise<unknown> };
const load = async (name: HandlerName | 'notifier' | 'self-test' | 'plan') =>
  (await import(pathToFileURL(bundles[name]).href)) as LambdaModule;

describe('the Lambda bundles', () => {
  it("run the end-to-end, app and proxy checks with the config layer's config", async () => {
    const e2e = (await (await load('end-to-end')).handler({ target: 'loopback' })) as CheckResult;
    expect(e2e).toMatchObject({ layer: 'end-to-end', ok: true });
    const appCheck = (await (await load('app')).handler({ target: 'loopback' })) as CheckResult;
    expect(appCheck).toMatchObject({ layer: 'app', ok: true });
    const proxy = (await (await load('proxy')).handler({ target: 'loopback' })) as CheckResult;
    expect(proxy).toMatchObject({ layer: 'proxy', ok: true, observed: { bytes: BODY.length } });
    expect(proxyQueries.at(-1)).toMatch(/^\?X-Amz-Algorithm=AWS4-HMAC-SHA256&.*X-Amz-Signature=[0-9a-f]{64}/);
  });

  it("run an extra sentinel's checks as its own target", async () => {
    const e2e = (await (await load('end-to-end')).handler({ target: 'loopback-second' })) as CheckResult;
    expect(e2e).toMatchObject({ layer: 'end-to-end', ok: true, target: expect.stringContaining('/second/') });
  });

  it('run diagnose on the results, and refuse an unknown target by name', async () => {
    const e2e = (await (await load('end-to-end')).handler({ target: 'loopback' })) as CheckResult;
    const appCheck = (await (await load('app')).handler({ target: 'loopback' })) as CheckResult;
    const report = (await (
      await load('diagnose')
    ).handler({ target: 'loopback', stage1: [e2e, appCheck] })) as Report;
    expect(report.verdict.status).toBe('healthy');
    await expect((await load('app')).handler({ target: 'nope' })).rejects.toThrow('no target named "nope"');
  });

  /** Whether a bundle's entry or one of its chunks holds `marker` (a text only one module has). */
  const carries = (name: keyof typeof bundles, marker: string) => {
    const dir = dirname(bundles[name]);
    const chunks = existsSync(join(dir, 'chunks')) ? readdirSync(join(dir, 'chunks')) : [];
    const files = [join(dir, 'index.mjs'), ...chunks.map((f) => join(dir, 'chunks', f))];
    return files.some((file) => readFileSync(file, 'utf8').includes(marker));
  };

  it('carry the config schema only where a function validates the config: not in report and notifier', () => {
    // A message of the config schema's own marks it.
    const names = ['end-to-end', 'app', 'storage', 'proxy', 'diagnose', 'report', 'notifier'] as const;
    expect(Object.fromEntries(names.map((name) => [name, carries(name, 'must be a short slug')]))).toEqual({
      'end-to-end': true,
      app: true,
      storage: true,
      proxy: true,
      diagnose: true,
      report: false,
      notifier: false,
    });
  });

  it('carry the HTML renderer only where the page is written: in report, not in the notifier, which reads reports', () => {
    // A sentence of the HTML report's own (functions/render/report-html.ts) marks it.
    const renderer = 'No layer is marked: the results do not point to one';
    const names = ['report', 'notifier', 'self-test', 'diagnose'] as const;
    expect(Object.fromEntries(names.map((name) => [name, carries(name, renderer)]))).toEqual({
      report: true,
      notifier: false,
      'self-test': false,
      diagnose: false,
    });
  });

  it("load undici's HTTP/1.1 client alone: no node:http2 at cold start, and the HTTP checks still run", () => {
    // A fresh process, as a cold start: which of Node.js's modules the import loaded.
    const script = `await import(${JSON.stringify(pathToFileURL(bundles.app).href)}); console.log(JSON.stringify(process.moduleLoadList))`;
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    ) as string[];
    expect(loaded).toContain('NativeModule net');
    expect(loaded).not.toContain('NativeModule http2');
  });

  it('load the storage bundle (S3 client) without error', async () => {
    expect(typeof (await load('storage')).handler).toBe('function');
  });
});

describe('the report, plan and notifier bundles, on moto', () => {
  const saved = { ...process.env };
  let moto: MotoServer;
  let dir: string;
  let aws: AwsSide;
  /** A confirmed hard failure of a target, as diagnose reports it after the confirmation failed too. */
  const confirmedFailure = async (target: string): Promise<Report> => {
    const failed = (await (
      await load('diagnose')
    ).handler({ target, ...stages('status', 'ok', 'ok', 'status') })) as Report;
    return { ...failed, confirmation: { flapped: false, firstAttempt: [result('end-to-end', 'status')] } };
  };
  const healthyRun = async (target: string) =>
    (await (await load('diagnose')).handler({ target, ...stages('ok', 'ok') })) as Report;
  /** Runs the report bundle on a report; returns the EMF lines it wrote to stdout. */
  const report = async (r: Report): Promise<string[]> => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await (await load('report')).handler(r);
    } finally {
      write.mockRestore();
      log.mockRestore();
    }
    return lines;
  };
  /** The alarm topic's deliveries as the notifier receives them: an SNS event. */
  const snsEvent = (message: string) => ({ Records: [{ Sns: { Message: message } }] });
  const s3 = () => new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dd-bundles-moto-'));
    moto = await startMotoServer(dir);
    aws = await startAwsSide(moto.endpoint, INSTANCE);
    // What the construct sets, with every AWS call sent to moto (the bundles read these at cold start).
    Object.assign(process.env, aws.env);
  });

  afterAll(async () => {
    process.env = saved;
    await Promise.all([moto?.stop(), aws?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('report: a confirmed failure stores its report and page, steps down to ALARM in the table, and sends one transition; EMF on stdout', async () => {
    const failed = await confirmedFailure('loopback');
    const lines = await report(failed);
    await aws.settle();

    // The metrics: one EMF line, written to stdout as it is (Lambda's JSON log format would wrap a console.log).
    const emf = lines.map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [{ Namespace: instanceNames(INSTANCE).namespace, Dimensions: [['Target']] }],
      },
      Target: 'loopback',
      Healthy: 0,
      status: 'failed',
    });
    // The report and its page, stored because they are new.
    const client = s3();
    const get = (Key: string) => client.send(new GetObjectCommand({ Bucket: aws.bucket, Key }));
    const [json, html] = await Promise.all([get('latest/loopback.json'), get('latest/loopback.html')]);
    expect(JSON.parse((await json.Body?.transformToString()) ?? '')).toEqual(failed);
    expect(await html.Body?.transformToString()).toBe(reportHtml([failed]));
    client.destroy();
    // One transition, on the alarm topic, with the run's report.
    const sent = aws.delivered.filter((d) => d.topic === 'alarm');
    expect(sent).toHaveLength(1);
    const read = readTransitionMessage(sent[0]?.message ?? '', INSTANCE);
    expect(read).toMatchObject({
      kind: 'transition',
      transition: { target: 'loopback', state: 'ALARM', rule: { id: 'down', topic: 'page' } },
      report: failed,
    });
  });

  it('report: the same verdict again is not stored again, and sends nothing', async () => {
    const client = s3();
    await client.send(new DeleteObjectCommand({ Bucket: aws.bucket, Key: 'latest/loopback.json' }));
    const before = aws.delivered.length;
    await report(await confirmedFailure('loopback'));
    await aws.settle();
    await expect(
      client.send(new GetObjectCommand({ Bucket: aws.bucket, Key: 'latest/loopback.json' })),
    ).rejects.toThrow(NoSuchKey);
    client.destroy();
    expect(aws.delivered.slice(before)).toEqual([]);
  });

  it('notifier: pages with the verdict on the page topic, with its severity, the runbook and the HTML report', async () => {
    const transition = aws.delivered.find((d) => d.topic === 'alarm')?.message ?? '';
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await (await load('notifier')).handler(snsEvent(transition));
    log.mockRestore();
    await aws.settle();
    const pages = aws.delivered.filter((d) => d.topic === 'page');
    expect(pages).toHaveLength(1);
    const read = readTransitionMessage(transition, INSTANCE);
    if (read.kind !== 'transition') throw new Error('a transition');
    const arn = aws.env.STATE_MACHINE_ARN ?? '';
    const page = pageText(
      read.transition,
      read.report,
      arn,
      { bucket: aws.bucket, region: 'us-east-1' },
      { runbookUrl: RUNBOOK, console: consoleLinks('us-east-1', arn, `download-doctor-${INSTANCE}`) },
    );
    expect(pages[0]).toEqual({ topic: 'page', subject: page.subject, message: page.message });
    // Its severity travels as a message attribute: a filter policy routes critical pages apart from warnings.
    expect(aws.delivered.filter((d) => d.topic === 'page-critical').map((d) => d.subject)).toEqual([
      page.subject,
    ]);
    expect(pages[0]?.message).toContain(`Runbook: ${RUNBOOK}`);
    expect(pages[0]?.message).toContain('aws s3 cp s3://');
  });

  it('report and notifier: two healthy runs send the recovery notice', async () => {
    const before = aws.delivered.length;
    await report(await healthyRun('loopback'));
    await report(await healthyRun('loopback'));
    await aws.settle();
    const sent = aws.delivered.slice(before).filter((d) => d.topic === 'alarm');
    expect(sent.map((d) => readTransitionMessage(d.message, INSTANCE))).toMatchObject([
      { kind: 'transition', transition: { state: 'OK', rule: { id: 'down' } } },
    ]);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await (await load('notifier')).handler(snsEvent(sent[0]?.message ?? ''));
    log.mockRestore();
    await aws.settle();
    expect(aws.delivered.at(-1)?.subject).toMatch(/^\[download-doctor\] RESOLVED loopback/);
  });

  it('report: in a maintenance window, the transition is held back (logged), and nothing is sent', async () => {
    const failed = await confirmedFailure('loopback-maint');
    expect(failed.maintenance?.window).toBe('nightly deploys');
    const before = aws.delivered.length;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await (await load('report')).handler(failed);
    const logged = log.mock.calls.flat().join('\n');
    log.mockRestore();
    write.mockRestore();
    await aws.settle();
    expect(aws.delivered.slice(before)).toEqual([]);
    expect(logged).toContain('"held":"in maintenance (nightly deploys) until');
  });

  it('plan: lists the tick’s targets with their starts; a target silent since then pages the monitor topic, naming it', async () => {
    const plan = await load('plan');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const tick = Date.parse('2030-01-01T10:00:00Z');
    const at = (minutes: number) => new Date(tick + minutes * 60_000).toISOString();
    const first = (await plan.handler({ periodMs: 300_000, tick: at(0) })) as { runs: PlannedRun[] };
    expect(first.runs.map((r) => r.target).sort()).toEqual(['loopback', 'loopback-maint', 'loopback-second']);
    for (const r of first.runs) {
      expect(Date.parse(r.startAt)).toBeGreaterThanOrEqual(tick);
      expect(Date.parse(r.startAt)).toBeLessThan(tick + 30_000);
    }
    // Nothing runs for a long while: each tick past the grace steps no-data; 2 of 3 raise it.
    const before = aws.delivered.length;
    for (const m of [60, 65, 70]) await plan.handler({ periodMs: 300_000, tick: at(m) });
    log.mockRestore();
    await aws.settle();
    const sent = aws.delivered
      .slice(before)
      .map((d) => readTransitionMessage(d.message, INSTANCE))
      .flatMap((r) =>
        r.kind === 'transition'
          ? [`${r.transition.target} ${r.transition.rule.id} ${r.transition.state}`]
          : [],
      );
    expect(sent.sort()).toEqual([
      'loopback no-data ALARM',
      'loopback-maint no-data ALARM',
      'loopback-second no-data ALARM',
    ]);
    // The notifier sends it to the monitor topic, not to on-call.
    const noData = aws.delivered.slice(before).find((d) => d.message.includes('"loopback-second"'));
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    await (await load('notifier')).handler(snsEvent(noData?.message ?? ''));
    quiet.mockRestore();
    await aws.settle();
    const notice = aws.delivered.filter((d) => d.topic === 'monitor');
    expect(notice.map((d) => d.subject)).toEqual([expect.stringContaining('loopback-second')]);
    expect(aws.delivered.filter((d) => d.topic === 'monitor-critical')).toHaveLength(1);
  });

  it('notifier: a malformed event or message throws, naming its fields (Lambda retries it, then dead-letters it)', async () => {
    const notifier = await load('notifier');
    await expect(notifier.handler({ Records: [{ Sns: {} }] })).rejects.toThrow(
      'the notifier event is malformed: Records[0].Sns.Message: expected string, got nothing',
    );
    await expect(notifier.handler(snsEvent('{"AlarmName":"x"}'))).rejects.toThrow(
      /the transition message is malformed: type: /,
    );
  });

  it("notifier: ignores another instance's transition for a target of the same name", async () => {
    const transition = aws.delivered.find((d) => d.topic === 'alarm')?.message ?? '';
    const before = aws.delivered.length;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await (await load('notifier')).handler(
      snsEvent(transition.replace(`"instance":"${INSTANCE}"`, '"instance":"other"')),
    );
    const logged = log.mock.calls.flat();
    log.mockRestore();
    await aws.settle();
    expect(aws.delivered.length).toBe(before);
    expect(logged).toContainEqual(
      expect.stringContaining(`not an alarm of download-doctor instance \\"${INSTANCE}\\"`),
    );
  });

  it('notifier: a transition without its report reads the stored one; one that breaks the contract is logged, and the page still goes', async () => {
    const read = readTransitionMessage(
      aws.delivered.find((d) => d.topic === 'alarm')?.message ?? '',
      INSTANCE,
    );
    if (read.kind !== 'transition') throw new Error('a transition');
    const bare = transitionMessage(
      INSTANCE,
      { ...read.transition, rule: { ...TARGET_ALARMS[0], ...read.transition.rule } } as never,
      undefined,
    );
    const failed = await confirmedFailure('loopback');
    const bad = { ...failed, results: failed.results.map((r, i) => (i === 1 ? { ...r, timings: {} } : r)) };
    const client = s3();
    await client.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: 'latest/loopback.json', Body: JSON.stringify(bad) }),
    );
    client.destroy();
    const before = aws.delivered.length;
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await (await load('notifier')).handler(snsEvent(bare));
    const errors = error.mock.calls.flat();
    error.mockRestore();
    log.mockRestore();
    await aws.settle();
    expect(errors).toContainEqual(
      expect.stringContaining(
        `the stored report s3://${aws.bucket}/latest/loopback.json is malformed: results[1].timings.totalMs: expected number, got nothing`,
      ),
    );
    const pages = aws.delivered.slice(before).filter((d) => d.topic === 'page');
    expect(pages).toHaveLength(1);
    expect(pages[0]?.message).toContain('No recent verdict was found');
  });

  it('report: pings the heartbeat after every completed run, within its deadline when the receiver hangs', async () => {
    // Prepare: a receiver counting pings, and one that never answers.
    let pings = 0;
    const receiver = http.createServer((req, res) => {
      if (req.url === '/ping/token-123') pings++;
      if (req.url !== '/hang') res.writeHead(200).end('OK');
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const healthy = await healthyRun('loopback');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      // Act: the report bundle at cold start with a heartbeat URL (a fresh instance of the module).
      process.env.HEARTBEAT_URL = `${base}/ping/token-123`;
      const beating = (await import(`${pathToFileURL(bundles.report).href}?heartbeat`)) as LambdaModule;
      await beating.handler(healthy);
      await beating.handler(healthy);
      process.env.HEARTBEAT_URL = `${base}/hang`;
      const hanging = (await import(`${pathToFileURL(bundles.report).href}?hang`)) as LambdaModule;
      const started = performance.now();
      await hanging.handler(healthy);
      const hungMs = performance.now() - started;
      const logged = log.mock.calls.flat().join('\n');

      // Assess: one ping per run; a hanging receiver costs the deadline, not the run; no token printed.
      expect(pings).toBe(2);
      expect(logged).toContain(`heartbeat sent to ${base}`);
      expect(logged).toContain(`heartbeat to ${base} failed: no answer within 5000 ms`);
      expect(logged).not.toContain('token-123');
      expect(hungMs).toBeGreaterThanOrEqual(4_900);
      expect(hungMs).toBeLessThan(9_000);
    } finally {
      delete process.env.HEARTBEAT_URL;
      log.mockRestore();
      write.mockRestore();
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    }
  }, 30_000);
});

describe('the self-test bundle, as CloudFormation calls it', () => {
  /**
   * Lambda's Invoke API on loopback, for the four check functions: the end-to-end, app and proxy bundles run here
   * against the loopback target; the storage result is scripted per case (its bucket is not on loopback), and
   * `denied` answers as Lambda does when the caller may not invoke a function.
   */
  const NAMES = Object.fromEntries(
    (['end-to-end', 'app', 'storage', 'proxy'] as const).map((l) => [l, `dd-${l}`]),
  ) as Record<'end-to-end' | 'app' | 'storage' | 'proxy', string>;
  const invoked: string[] = [];
  const responses: { Status: string; Reason: string; PhysicalResourceId: string }[] = [];
  let storage: Spec = 'ok';
  let denied: string | undefined;
  let lambdaApi: http.Server;
  let cloudFormation: http.Server;
  let responseUrl: string;
  const saved = { ...process.env };

  const body = (req: http.IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => resolve(text));
    });

  beforeAll(async () => {
    lambdaApi = http.createServer(async (req, res) => {
      const name = decodeURIComponent(/functions\/([^/]+)\/invocations/.exec(req.url ?? '')?.[1] ?? '');
      const event = JSON.parse(await body(req)) as { target: string };
      invoked.push(`${name} ${event.target}`);
      if (name === denied) {
        res
          .writeHead(403, { 'x-amzn-errortype': 'AccessDeniedException', 'content-type': 'application/json' })
          .end(JSON.stringify({ Message: `not authorized to perform: lambda:InvokeFunction on ${name}` }));
        return;
      }
      const layer = (Object.entries(NAMES).find(([, n]) => n === name)?.[0] ?? 'app') as keyof typeof NAMES;
      const payload =
        layer === 'storage'
          ? { ...result('storage', storage), target: 's3://downloads-prod/healthcheck/healthcheck.txt' }
          : await (await load(layer)).handler(event);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    });
    cloudFormation = http.createServer(async (req, res) => {
      responses.push(JSON.parse(await body(req)));
      res.writeHead(req.method === 'PUT' && req.headers['content-type'] === '' ? 200 : 400).end();
    });
    await Promise.all([
      new Promise<void>((r) => lambdaApi.listen(0, '127.0.0.1', r)),
      new Promise<void>((r) => cloudFormation.listen(0, '127.0.0.1', r)),
    ]);
    responseUrl = `http://127.0.0.1:${(cloudFormation.address() as AddressInfo).port}/response?X-Amz-Signature=x`;
    Object.assign(process.env, {
      // The moto tests above restore the environment they found, from before the file's setup: set it again.
      DOWNLOAD_DOCTOR_CONFIG_FILE: configFile,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(lambdaApi.address() as AddressInfo).port}`,
      AWS_REGION: 'eu-west-1',
      CHECK_FUNCTIONS: JSON.stringify(NAMES),
    });
  });

  afterAll(async () => {
    process.env = saved;
    await Promise.all([
      new Promise((r) => lambdaApi?.close(r)),
      new Promise((r) => cloudFormation?.close(r)),
    ]);
  });

  /** One request, as CloudFormation sends it; the response it got back, and the invocations it caused. */
  async function request(type: 'Create' | 'Update' | 'Delete', fingerprint: string, physicalId?: string) {
    const [before, seen] = [responses.length, invoked.length];
    const mod = (await import(pathToFileURL(bundles['self-test']).href)) as {
      handler: (e: unknown, c: unknown) => Promise<void>;
    };
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await mod.handler(
      {
        RequestType: type,
        ResponseURL: responseUrl,
        StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Bundles/1',
        RequestId: `req-${before}`,
        LogicalResourceId: 'SelfTest',
        ...(physicalId ? { PhysicalResourceId: physicalId } : {}),
        ResourceProperties: { ServiceToken: 'arn', Fingerprint: fingerprint },
      },
      { getRemainingTimeInMillis: () => 60_000 },
    );
    log.mockRestore();
    expect(responses.length).toBe(before + 1);
    return { response: responses.at(-1), invocations: invoked.slice(seen) };
  }

  it('passes a healthy monitor after running all four layers of every target', async () => {
    storage = 'ok';
    const { response, invocations } = await request('Create', 'aaa');
    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'download-doctor-self-test-aaa',
    });
    expect(invocations.sort()).toEqual(
      ['loopback', 'loopback-second', 'loopback-maint']
        .flatMap((t) => Object.values(NAMES).map((n) => `${n} ${t}`))
        .sort(),
    );
  });

  it('fails the deployment when the storage check is denied (the monitor’s role), naming target and layer', async () => {
    storage = 's3-access-denied';
    const { response } = await request('Update', 'bbb', 'download-doctor-self-test-aaa');
    expect(response?.Status).toBe('FAILED');
    expect(response?.Reason).toMatch(
      /the monitor is broken: loopback\/storage: the storage check cannot read the sentinel \(s3-access-denied\)/,
    );
    // A failed update keeps the physical id: CloudFormation then rolls back.
    expect(response?.PhysicalResourceId).toBe('download-doctor-self-test-aaa');
  });

  it('passes the rollback (the old, tested properties) without invoking anything, and Delete likewise', async () => {
    const rollback = await request('Update', 'aaa', 'download-doctor-self-test-aaa');
    expect(rollback.response?.Status).toBe('SUCCESS');
    expect(rollback.invocations).toEqual([]);
    const deleted = await request('Delete', 'aaa', 'download-doctor-self-test-aaa');
    expect(deleted.response?.Status).toBe('SUCCESS');
    expect(deleted.invocations).toEqual([]);
  });

  it('fails when a check function cannot be invoked (IAM)', async () => {
    storage = 'ok';
    denied = NAMES.app;
    const { response } = await request('Create', 'ccc');
    denied = undefined;
    expect(response?.Status).toBe('FAILED');
    expect(response?.Reason).toMatch(
      /loopback\/app: the check could not run \(check-error\): .*AccessDenied|not authorized/,
    );
  });

  it('answers a malformed request FAILED, naming the field, when it can; throws when there is nowhere to answer', async () => {
    const mod = (await import(pathToFileURL(bundles['self-test']).href)) as {
      handler: (e: unknown, c: unknown) => Promise<void>;
    };
    const context = { getRemainingTimeInMillis: () => 60_000 };
    const [before, seen] = [responses.length, invoked.length];
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const request = {
        ResponseURL: responseUrl,
        StackId: 'stack',
        RequestId: 'req-bad',
        LogicalResourceId: 'SelfTest',
      };
      await mod.handler({ ...request, RequestType: 'Create' }, context);
      await expect(mod.handler({ RequestType: 'Create' }, context)).rejects.toThrow(
        'the self-test event is malformed: ResponseURL: expected string, got nothing',
      );
    } finally {
      error.mockRestore();
    }
    expect(responses.slice(before)).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        RequestId: 'req-bad',
        Reason:
          'download-doctor self-test: the self-test event is malformed: ResourceProperties: expected object, got nothing',
      }),
    ]);
    expect(invoked.slice(seen)).toEqual([]);
  });

  it('passes an unhealthy target, and says so', async () => {
    storage = 'timeout';
    const { response } = await request('Create', 'ddd');
    expect(response?.Status).toBe('SUCCESS');
    expect(response?.Reason).toMatch(/unhealthy targets \(not the monitor's fault\): loopback\/storage/);
  });
});
