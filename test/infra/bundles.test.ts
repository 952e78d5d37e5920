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
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAlarmMessage } from '../../functions/alerting/alarm-message.ts';
import { METRICS, targetDimensions } from '../../functions/alerting/metrics.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { type AlarmRule, TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import type { ConfigInput } from '../../functions/config/schema.ts';
import type { CheckResult, Report } from '../../functions/contract/types.ts';
import { CONFIG_IN_LAYER, type HandlerName } from '../../functions/contract/workflow.ts';
import { consoleLinks, pageText } from '../../functions/render/page.ts';
import { reportHtml } from '../../functions/render/report-html.ts';
import { DownloadHealthchecks } from '../../infra/construct.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';
import { attributesVpc } from '../fixtures/cdk.ts';
import { targetInput } from '../fixtures/config.ts';
import { result, type Spec, stages } from '../fixtures/results.ts';

const BODY = Buffer.from('download-doctor bundled sentinel\n');
/** What the proxy bundle sent (its signed query: the bucket is private, the default). */
const proxyQueries: string[] = [];

// The proxy bundle signs its request (a pure computation with credentials from the environment).
useTestCredentials();
let server: http.Server;
let bundles: Record<HandlerName | 'notifier' | 'self-test', string>;
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
  const functions = { ...hc.functions, notifier: hc.notifier, 'self-test': selfTestFunction(hc) };
  bundles = Object.fromEntries(
    Object.entries(functions).map(([name, fn]) => [name, join(assetOf(fn), 'index.mjs')]),
  ) as Record<HandlerName | 'notifier' | 'self-test', string>;
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
const load = async (name: HandlerName | 'notifier' | 'self-test') =>
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

describe('the report and notifier bundles, on moto', () => {
  const BUCKET = 'dd-reports';
  const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:download-doctor';
  const saved = { ...process.env };
  const pages: { Subject?: string; Message: string }[] = [];
  /** What the subscriptions filtered by severity received: `/critical SUBJECT`, `/warning SUBJECT`. */
  const filtered: string[] = [];
  let moto: MotoServer;
  let dir: string;
  let subscriber: http.Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dd-bundles-moto-'));
    moto = await startMotoServer(dir);
    subscriber = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const msg = JSON.parse(body) as {
          Type: string;
          Subject?: string;
          Message: string;
          MessageAttributes?: Record<string, { Value: string }>;
        };
        // Two subscriptions filter on the severity attribute, as on-call's and a warnings channel's would.
        if (msg.Type === 'Notification' && req.url !== '/') filtered.push(`${req.url} ${msg.Subject}`);
        else if (msg.Type === 'Notification') pages.push({ Subject: msg.Subject, Message: msg.Message });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => subscriber.listen(0, '127.0.0.1', r));
    // What the construct sets, with every AWS call sent to moto (the bundles read these at cold start).
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      REPORT_BUCKET: BUCKET,
      STATE_MACHINE_ARN,
      INSTANCE_NAME: INSTANCE,
      DASHBOARD_NAME: `download-doctor-${INSTANCE}`,
    });
    const aws = { endpoint: moto.endpoint, region: 'us-east-1' };
    const s3 = new S3Client({ ...aws, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const sns = new SNSClient(aws);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'pages' }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'http',
        Endpoint: `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/`,
      }),
    );
    for (const severity of ['critical', 'warning'])
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'http',
          Endpoint: `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/${severity}`,
          Attributes: { FilterPolicy: JSON.stringify({ severity: [severity] }) },
        }),
      );
    s3.destroy();
    sns.destroy();
    process.env.PAGE_TOPIC_ARN = TopicArn;
  });

  afterAll(async () => {
    process.env = saved;
    await Promise.all([moto?.stop(), new Promise((r) => subscriber?.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  });

  const alarm = (state: string, target = 'loopback', at = '2026-11-24T00:10:00.000+0000') => ({
    Records: [
      {
        Sns: {
          Message: JSON.stringify({
            AlarmName: `download-doctor-${INSTANCE}-${target}-down`,
            NewStateValue: state,
            OldStateValue: state === 'OK' ? 'ALARM' : 'OK',
            StateChangeTime: at,
            Trigger: {
              MetricName: 'Healthy',
              Dimensions: [{ value: target, name: 'Target' }],
              EvaluationPeriods: 3,
              DatapointsToAlarm: 2,
            },
          }),
        },
      },
    ],
  });

  it('report: store the report and its page, and publish the metrics (Healthy 0 for a failed run)', async () => {
    const failed = (await (
      await load('diagnose')
    ).handler({ target: 'loopback', ...stages('status', 'ok', 'ok', 'status') })) as Report;
    expect(failed.verdict.status).toBe('failed');
    await (await load('report')).handler(failed);
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true });
    const get = (Key: string) => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    const [json, html] = await Promise.all([get('latest/loopback.json'), get('latest/loopback.html')]);
    expect(JSON.parse((await json.Body?.transformToString()) ?? '')).toEqual(failed);
    expect(html.ContentType).toBe('text/html; charset=utf-8');
    expect(await html.Body?.transformToString()).toBe(reportHtml([failed]));
    s3.destroy();
    const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint });
    const out = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: instanceNames(INSTANCE).namespace,
        MetricName: METRICS.healthy,
        Dimensions: targetDimensions('loopback'),
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ['Minimum'],
      }),
    );
    cloudwatch.destroy();
    expect(out.Datapoints?.[0]?.Minimum).toBe(0);
  });

  it('notifier: page with the stored verdict on ALARM and OK; INSUFFICIENT_DATA pages no one', async () => {
    // Prepare: the latest report, as the report bundle stored it above.
    const failed = (await (
      await load('diagnose')
    ).handler({ target: 'loopback', ...stages('status', 'ok', 'ok', 'status') })) as Report;
    await (await load('report')).handler(failed);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    // Act
    const notifier = await load('notifier');
    for (const state of ['INSUFFICIENT_DATA', 'ALARM', 'OK']) await notifier.handler(alarm(state));
    await new Promise((r) => setTimeout(r, 300)); // moto posts to the subscriber as it publishes
    const logged = log.mock.calls.flat();
    log.mockRestore();

    // Assess: exactly the pages pageText makes of the stored report, in order.
    const expected = ['ALARM', 'OK'].map((state) => {
      const parsed = parseAlarmMessage(alarm(state).Records[0]?.Sns.Message ?? '', INSTANCE);
      if (parsed.kind !== 'transition') throw new Error('the alarm should parse');
      const page = pageText(
        parsed.transition,
        failed,
        STATE_MACHINE_ARN,
        { bucket: BUCKET, region: 'us-east-1' },
        {
          runbookUrl: RUNBOOK,
          console: consoleLinks('us-east-1', STATE_MACHINE_ARN, `download-doctor-${INSTANCE}`),
        },
      );
      return { Subject: page.subject, Message: page.message };
    });
    expect(pages).toEqual(expected);
    expect(pages[0]?.Message).toContain(failed.verdict.summary);
    expect(pages[0]?.Message).toContain(`Runbook: ${RUNBOOK}`);
    // The page points to the HTML report beside the JSON.
    expect(pages[0]?.Message).toContain(
      'https://s3.console.aws.amazon.com/s3/object/dd-reports?region=us-east-1&prefix=latest%2Floopback.html',
    );
    expect(pages[0]?.Message).toContain('aws s3 cp s3://dd-reports/latest/loopback.html report.html');
    expect(logged).toContainEqual(expect.stringContaining('INSUFFICIENT_DATA pages no one'));
    // The rule's severity travels as a message attribute: a filter policy routes warnings apart from pages.
    expect(filtered.filter((f) => f.startsWith('/critical '))).toHaveLength(2);
    expect(filtered.filter((f) => f.startsWith('/warning '))).toEqual([]);
  });

  it('notifier: a malformed event throws, naming its fields (Lambda retries it, then dead-letters it)', async () => {
    const notifier = await load('notifier');
    await expect(notifier.handler({ Records: [{ Sns: {} }] })).rejects.toThrow(
      'the notifier event is malformed: Records[0].Sns.Message: expected string, got nothing',
    );
  });

  it("notifier: ignores another instance's alarm for a target of the same name", async () => {
    const before = pages.length;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const other = alarm('ALARM');
    const record = other.Records[0] as { Sns: { Message: string } };
    record.Sns.Message = record.Sns.Message.replace(`download-doctor-${INSTANCE}-`, 'download-doctor-other-');
    await (await load('notifier')).handler(other);
    await new Promise((r) => setTimeout(r, 300));
    const logged = log.mock.calls.flat();
    log.mockRestore();
    expect(pages.length).toBe(before);
    expect(logged).toContainEqual(
      expect.stringContaining(`not a target alarm of download-doctor instance \\"${INSTANCE}\\"`),
    );
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
    const report = (await (
      await load('diagnose')
    ).handler({ target: 'loopback', ...stages('ok', 'ok') })) as Report;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      // Act: the report bundle at cold start with a heartbeat URL (a fresh instance of the module).
      process.env.HEARTBEAT_URL = `${base}/ping/token-123`;
      const beating = (await import(`${pathToFileURL(bundles.report).href}?heartbeat`)) as LambdaModule;
      await beating.handler(report);
      await beating.handler(report);
      process.env.HEARTBEAT_URL = `${base}/hang`;
      const hanging = (await import(`${pathToFileURL(bundles.report).href}?hang`)) as LambdaModule;
      const started = performance.now();
      await hanging.handler(report);
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
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    }
  }, 30_000);

  it('notifier: in a maintenance window, no page and no notice, the alarm re-armed; after the window, the page goes', async () => {
    // Prepare: a failed run of the target in maintenance, as the diagnose and report bundles make and store it
    // (diagnose reads the window from the config layer), and its down alarm in ALARM, in moto's CloudWatch.
    const target = 'loopback-maint';
    const failed = (await (
      await load('diagnose')
    ).handler({ target, ...stages('status', 'ok', 'ok', 'status') })) as Report;
    expect(failed.maintenance?.window).toBe('nightly deploys');
    await (await load('report')).handler(failed);
    const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1' });
    const names = instanceNames(INSTANCE);
    const name = names.alarm(target, TARGET_ALARMS.find((r) => r.id === 'down') as AlarmRule);
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: names.namespace,
        MetricName: METRICS.healthy,
        Dimensions: targetDimensions(target),
        Statistic: 'Minimum',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'test' }),
    );
    const before = pages.length;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const notifier = await load('notifier');
    const inWindow = new Date(Date.parse(failed.maintenance?.until ?? '') - 60_000).toISOString();

    // Act 1: the alarm rises, then falls, inside the window.
    await notifier.handler(alarm('ALARM', target, inWindow));
    const rearmed = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    await notifier.handler(alarm('OK', target, inWindow));
    await new Promise((r) => setTimeout(r, 300));
    const held = pages.slice(before);
    const logged = log.mock.calls.flat();

    // Act 2: re-armed, it rises again once the window is over: the page goes.
    await notifier.handler(alarm('ALARM', target, failed.maintenance?.until));
    await new Promise((r) => setTimeout(r, 300));
    log.mockRestore();
    cloudwatch.destroy();

    // Assess
    expect(held).toEqual([]);
    expect(rearmed.MetricAlarms?.[0]?.StateValue).toBe('OK');
    expect(rearmed.MetricAlarms?.[0]?.StateReason).toContain('in maintenance (nightly deploys) until');
    expect(logged).toContainEqual(expect.stringContaining(`"notPaged":"${name}","state":"ALARM"`));
    expect(logged).toContainEqual(expect.stringContaining(`"notPaged":"${name}","state":"OK"`));
    expect(pages.slice(before).map((p) => p.Subject)).toEqual([
      `[download-doctor] FAILED ${target}: fault proxy`,
    ]);
  });

  it('notifier: a stored report that breaks the contract is logged naming the field, and the page still goes', async () => {
    // Prepare: a latest report with a bad field, as a buggy or foreign writer would leave it.
    const failed = (await (
      await load('diagnose')
    ).handler({ target: 'loopback', ...stages('status', 'ok', 'ok', 'status') })) as Report;
    const bad = { ...failed, results: failed.results.map((r, i) => (i === 1 ? { ...r, timings: {} } : r)) };
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true });
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'latest/loopback.json', Body: JSON.stringify(bad) }),
    );
    s3.destroy();
    const before = pages.length;
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    // Act
    await (await load('notifier')).handler(alarm('ALARM'));
    await new Promise((r) => setTimeout(r, 300));
    const errors = error.mock.calls.flat();
    error.mockRestore();
    log.mockRestore();

    // Assess
    expect(errors).toContainEqual(
      expect.stringContaining(
        'the stored report s3://dd-reports/latest/loopback.json is malformed: results[1].timings.totalMs: expected number, got nothing',
      ),
    );
    expect(pages.slice(before)).toHaveLength(1);
    expect(pages.at(-1)?.Message).toContain('No recent verdict was found');
  });
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
