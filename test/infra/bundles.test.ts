/**
 * The Lambda bundles as they deploy: synthesized by the construct (esbuild, ESM, the config baked in), then
 * imported and invoked here, against a loopback server, and for report and notifier against a moto_server of
 * their own (S3, CloudWatch, SNS). It proves the bundles load and run, not only build.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAlarmMessage } from '../../functions/core/alarm-message.ts';
import type { ConfigInput } from '../../functions/core/config.ts';
import { pageText } from '../../functions/core/page.ts';
import { METRICS, NAMESPACE, targetDimensions } from '../../functions/core/telemetry.ts';
import type { CheckResult, Report } from '../../functions/core/types.ts';
import type { HandlerName } from '../../functions/core/workflow.ts';
import { DownloadHealthchecks } from '../../infra/construct.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';
import { targetInput } from '../fixtures/config.ts';
import { stages } from '../fixtures/results.ts';

const BODY = Buffer.from('download-doctor bundled sentinel\n');
/** What the proxy bundle sent (its signed query: the bucket is private, the default). */
const proxyQueries: string[] = [];

// The proxy bundle signs its request (a pure computation with credentials from the environment).
useTestCredentials();
let server: http.Server;
let bundles: Record<HandlerName | 'notifier', string>;

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
  const config = {
    targets: [
      targetInput({
        name: 'loopback',
        sentinel: { sha256: createHash('sha256').update(BODY).digest('hex'), size: BODY.length },
        app: {
          url: `${base}/app/`,
          offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
        },
        proxy: { url: `${base}/proxy/` },
        endToEnd: { url: `${base}/healthcheck-utils/download/` },
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
    ],
  } as unknown as ConfigInput;
  const outdir = mkdtempSync(join(tmpdir(), 'dd-bundles-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Bundles');
  const hc = new DownloadHealthchecks(stack, 'Healthchecks', { config });
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Metadata?: Record<string, string> }>;
  };
  const functions = { ...hc.functions, notifier: hc.notifier };
  bundles = Object.fromEntries(
    (Object.entries(functions) as [HandlerName | 'notifier', { node: { defaultChild: unknown } }][]).map(
      ([name, fn]) => {
        const asset =
          template.Resources[stack.getLogicalId(fn.node.defaultChild as never)]?.Metadata?.['aws:asset:path'];
        return [name, join(outdir, asset ?? 'missing', 'index.mjs')];
      },
    ),
  ) as Record<HandlerName | 'notifier', string>;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

type LambdaModule = { handler: (event: unknown) => Promise<unknown> };
const load = async (name: HandlerName | 'notifier') =>
  (await import(pathToFileURL(bundles[name]).href)) as LambdaModule;

describe('the Lambda bundles', () => {
  it('run the end-to-end, app and proxy checks with the baked-in config', async () => {
    delete process.env.DOWNLOAD_DOCTOR_CONFIG; // the bundles must not need it
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

  it('load the storage bundle (S3 client) without error', async () => {
    expect(typeof (await load('storage')).handler).toBe('function');
  });
});

describe('the report and notifier bundles, on moto', () => {
  const BUCKET = 'dd-reports';
  const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:download-doctor';
  const saved = { ...process.env };
  const pages: { Subject?: string; Message: string }[] = [];
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
        const msg = JSON.parse(body) as { Type: string; Subject?: string; Message: string };
        if (msg.Type === 'Notification') pages.push({ Subject: msg.Subject, Message: msg.Message });
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
    s3.destroy();
    sns.destroy();
    process.env.PAGE_TOPIC_ARN = TopicArn;
  });

  afterAll(async () => {
    process.env = saved;
    await Promise.all([moto?.stop(), new Promise((r) => subscriber?.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  });

  const alarm = (state: string) => ({
    Records: [
      {
        Sns: {
          Message: JSON.stringify({
            AlarmName: 'download-doctor-loopback-down',
            NewStateValue: state,
            OldStateValue: state === 'OK' ? 'ALARM' : 'OK',
            StateChangeTime: '2026-11-24T00:10:00.000+0000',
            Trigger: {
              MetricName: 'Healthy',
              Dimensions: [{ value: 'loopback', name: 'Target' }],
              EvaluationPeriods: 3,
              DatapointsToAlarm: 2,
            },
          }),
        },
      },
    ],
  });

  it('report: store the report and publish the metrics (Healthy 0 for a failed run)', async () => {
    const failed = (await (
      await load('diagnose')
    ).handler({ target: 'loopback', ...stages('status', 'ok', 'ok', 'status') })) as Report;
    expect(failed.verdict.status).toBe('failed');
    await (await load('report')).handler(failed);
    const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint });
    const out = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: NAMESPACE,
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
      const parsed = parseAlarmMessage(alarm(state).Records[0]?.Sns.Message ?? '');
      if (parsed.kind !== 'transition') throw new Error('the alarm should parse');
      const page = pageText(parsed.transition, failed, STATE_MACHINE_ARN);
      return { Subject: page.subject, Message: page.message };
    });
    expect(pages).toEqual(expected);
    expect(pages[0]?.Message).toContain(failed.verdict.summary);
    expect(logged).toContainEqual(expect.stringContaining('INSUFFICIENT_DATA pages no one'));
  });
});
