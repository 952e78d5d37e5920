/**
 * TLS days left, end to end on the local side: a loopback HTTPS server whose certificate expires in 10 days,
 * `run --publish` against moto_server (CloudWatch, SNS), and what each place shows: the result (tls.daysLeft),
 * the table, the TlsDaysLeft metric per target and layer, and the `tls-expiry` warning page on the page topic.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAndPrint } from '../../cli/commands/run.ts';
import { LOCAL_TOPICS } from '../../cli/local-alarms.ts';
import { DIMENSIONS, METRICS } from '../../functions/alerting/metrics.ts';
import { instanceNames, LOCAL_INSTANCE } from '../../functions/alerting/names.ts';
import type { Config } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';
import { loopbackTargetInput } from '../fixtures/config.ts';
import { startSnsReceiver } from '../fixtures/sns.ts';
import { makeCertificate } from '../fixtures/tls.ts';

useTestCredentials();
const BODY = Buffer.from('download-doctor TLS sentinel\n');
const region = 'us-east-1';
let dir: string;
let moto: MotoServer;
let server: https.Server;
let subscriber: Awaited<ReturnType<typeof startSnsReceiver>>;
let config: Config;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-tls-days-'));
  const { certFile, key, cert } = makeCertificate(dir, { days: 10, names: ['localhost', '127.0.0.1'] });
  server = https.createServer({ key, cert }, (req, res) => {
    if (req.url?.startsWith('/app/'))
      res
        .writeHead(200, {
          'X-Accel-Redirect': '/_storage/healthcheck.txt',
          'Content-Length': '0',
          'Content-Disposition': 'attachment; filename="healthcheck.txt"',
        })
        .end();
    else
      res
        .writeHead(200, {
          'Content-Type': 'text/plain',
          'Content-Length': BODY.length,
          'Content-Disposition': 'attachment; filename="healthcheck.txt"',
        })
        .end(BODY);
  });
  const file = join(dir, 'healthcheck.txt');
  writeFileSync(file, BODY);
  [moto] = await Promise.all([
    startMotoServer(dir),
    new Promise<void>((r) => server.listen(0, '127.0.0.1', r)),
  ]);
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = loopbackTargetInput(base, file, BODY) as Record<string, unknown>;
  const withCa = (check: unknown) => ({ ...(check as object), tls: { caFile: certFile } });
  const v = validateConfig({
    targets: [
      { ...t, name: 'secure', app: withCa(t.app), proxy: withCa(t.proxy), endToEnd: withCa(t.endToEnd) },
    ],
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  config = v.config;

  subscriber = await startSnsReceiver(moto.endpoint, region, [LOCAL_TOPICS.page]);
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await Promise.all([moto?.stop(), new Promise((r) => server?.close(r)), subscriber?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a certificate that expires in 10 days', () => {
  it('is 9 whole days left in each HTTPS result, the table, the metric, and a warning page', async () => {
    // Act
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { reports } = await runAndPrint(config, {
      format: 'table',
      publish: moto.endpoint,
      alarmState: join(dir, 'alarms.json'),
    });
    const table = log.mock.calls.flat().join('\n');
    log.mockRestore();
    await new Promise((r) => setTimeout(r, 300)); // moto posts to the subscriber as it publishes

    // Assess: the results (10 days from the certificate's making, less the seconds since: 9 whole days).
    const report = reports[0];
    expect(report?.verdict.status, report?.verdict.summary).toBe('healthy');
    const https = report?.results.filter((r) => r.layer !== 'storage') ?? [];
    expect(https.map((r) => [r.layer, r.tls?.daysLeft])).toEqual([
      ['end-to-end', 9],
      ['app', 9],
    ]);
    expect(table).toMatch(/PASS {2}end-to-end[\s\S]*TLS certificate expires in 9 days \(\d{4}-\d{2}-\d{2}\)/);

    // The metric, per target and layer, in the local instance's namespace.
    const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint, region });
    const stat = async (dims: Record<string, string>) =>
      (
        await cloudwatch.send(
          new GetMetricStatisticsCommand({
            Namespace: instanceNames(LOCAL_INSTANCE).namespace,
            MetricName: METRICS.tlsDaysLeft,
            Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
            StartTime: new Date(Date.now() - 600_000),
            EndTime: new Date(Date.now() + 60_000),
            Period: 3600,
            Statistics: ['Minimum'],
          }),
        )
      ).Datapoints?.[0]?.Minimum;
    expect(await stat({ [DIMENSIONS.target]: 'secure', [DIMENSIONS.layer]: 'app' })).toBe(9);
    expect(await stat({ [DIMENSIONS.target]: 'secure' })).toBe(9);
    cloudwatch.destroy();

    // Below 14 days: a warning on the page topic, naming the days, though downloads are healthy.
    const pages = subscriber.received;
    expect(pages.map((p) => p.subject)).toEqual([
      expect.stringMatching(/^\[download-doctor\] WARNING secure: TLS certificate expires in 9 days/),
    ]);
    expect(pages[0]?.message).toContain('download-doctor-local-secure-tls-expiry');
    expect(pages[0]?.message).toContain('severity warning');
  }, 60_000);
});
