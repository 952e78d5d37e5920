/**
 * A secret never leaves: the checks send `Authorization` from `{"env": ...}` to loopback servers that reflect it
 * everywhere they can (a response header, the offload header, a redirect's Location, the body, and a TLS
 * certificate whose names carry it, so that the probe's error text does). Then every output of the run is
 * searched for the value, its URL-encoding and its base64, whole and without its scheme: the table, JSON, JUnit
 * and HTML outputs with all they logged, the report stored in S3 (moto) as JSON and HTML, and the page.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAndPrint } from '../../cli/commands/run.ts';
import { runTarget } from '../../cli/run.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import type { Config } from '../../functions/config/schema.ts';
import type { Report } from '../../functions/contract/types.ts';
import { s3ReportReader } from '../../functions/probes/report-reader.ts';
import { s3ReportWriter } from '../../functions/probes/report-writer.ts';
import { pageText } from '../../functions/render/page.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';
import { loopbackTargetInput, validConfig } from '../fixtures/config.ts';
import { type Loopback, serveLoopback } from '../fixtures/loopback.ts';

const ENV = 'DD_REDACTION_TEST_TOKEN';
const CREDENTIAL = 'dd-T0ken/with+reflect=';
const VALUE = `Bearer ${CREDENTIAL}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** What must never appear, written out here rather than taken from the code under test. */
const FORMS = [VALUE, CREDENTIAL].flatMap((s) => [
  s,
  encodeURIComponent(s),
  encodeURIComponent(s).toLowerCase(),
  b64(s),
  b64(s).replace(/=+$/, ''),
]);
const BUCKET = 'dd-redaction';
const REGION = 'us-east-1';
const SENTINEL = Buffer.from('download-doctor redaction sentinel\n');

function expectNoSecret(text: string, where: string): void {
  for (const form of FORMS) expect(text.includes(form), `${where} contains "${form}"`).toBe(false);
  // The servers did reflect it: what is there instead is the mark.
  expect(text, where).toContain('[redacted]');
}

let dir: string;
let server: Loopback;
let tlsServer: https.Server;
let moto: MotoServer;
let config: Config;
const saved = process.env[ENV];

useTestCredentials();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-redaction-'));
  const file = join(dir, 'healthcheck.txt');
  writeFileSync(file, SENTINEL);
  // A certificate whose names carry the credential: a name mismatch puts them in the probe's error text.
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ...['-subj', '/CN=download.example.test'],
      ...[
        '-addext',
        `subjectAltName=DNS:download.example.test,URI:https://download.example.test/?t=${CREDENTIAL}`,
      ],
    ],
    { stdio: 'ignore', timeout: 30_000 },
  );
  server = await serveLoopback((req, res) => {
    const auth = req.headers.authorization ?? '';
    if (req.url?.startsWith('/app/')) {
      res
        .writeHead(200, {
          'X-Accel-Redirect': `/_storage/${auth}`,
          'Content-Disposition': `attachment; filename="${CREDENTIAL}.txt"`,
          'Content-Length': '0',
        })
        .end();
      return;
    }
    res
      .writeHead(302, {
        Location: `/login?next=%2Fhealthcheck-utils%2Fdownload%2F&auth=${encodeURIComponent(auth)}`,
        Server: `reflect/${b64(auth)}`,
        'Content-Type': `text/plain; token=${CREDENTIAL}`,
      })
      .end(`your token is ${auth}\n`);
  });
  tlsServer = https.createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (_req, res) => res.end('never reached'),
  );
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  moto = await startMotoServer(dir);
  const s3 = new S3Client({ endpoint: moto.endpoint, region: REGION, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  s3.destroy();

  const headers = { Authorization: { env: ENV } };
  const target = loopbackTargetInput(server.base, file, SENTINEL);
  config = validConfig({
    ...target,
    name: 'redaction',
    app: { ...target.app, headers },
    proxy: {
      url: `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/healthcheck-utils/storage/`,
      tls: { caFile: join(dir, 'cert.pem'), serverName: 'other.example.test' },
      headers,
    },
    endToEnd: { ...target.endToEnd, headers },
  });
  process.env[ENV] = VALUE;
}, 60_000);

afterAll(async () => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
  await Promise.all([server?.close(), new Promise((resolve) => tlsServer?.close(resolve)), moto?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Everything the command printed, to stdout and stderr. */
async function printed(run: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await run();
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  return lines.join('\n');
}

describe('a secret reflected by the servers appears in no output', () => {
  it('the servers got it and reflected it, and the run failed at the proxy (its TLS error carries the credential)', async () => {
    const { report } = await runTarget(config, config.targets[0] as Config['targets'][0]);
    expect(server.seen.map((r) => r.headers.authorization)).toContain(VALUE);
    expect(report.verdict).toMatchObject({ status: 'failed', fault: 'proxy' });
    const proxy = report.results.find((r) => r.layer === 'proxy');
    expect(proxy).toMatchObject({ kind: 'tls', observed: { error: expect.stringContaining('[redacted]') } });
  });

  it.each(['table', 'json', 'junit', 'html'] as const)(
    'run --format %s, and all it logged',
    async (format) => {
      const out = await printed(() => runAndPrint(config, { format }));
      expectNoSecret(out, format);
    },
  );

  it('the report stored in S3 (moto), as JSON and as HTML, and the page made of it', async () => {
    const aws = { endpoint: moto.endpoint, region: REGION };
    const writer = s3ReportWriter(BUCKET, aws);
    await runTarget(config, config.targets[0] as Config['targets'][0], {
      record: (report) => writer.store(report),
    });

    const s3 = new S3Client({ endpoint: moto.endpoint, region: REGION, forcePathStyle: true });
    for (const key of ['latest/redaction.json', 'latest/redaction.html']) {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expectNoSecret((await object.Body?.transformToString()) ?? '', key);
    }
    s3.destroy();

    const latest = (await s3ReportReader(BUCKET, aws).latest('redaction')) as Report;
    const rule = TARGET_ALARMS.find((r) => r.id === 'down');
    if (!rule) throw new Error('no down rule');
    const page = pageText(
      {
        alarmName: 'download-doctor-redaction-down',
        target: 'redaction',
        rule,
        state: 'ALARM',
        at: new Date(),
      },
      latest,
      'arn:aws:states:us-east-1:123456789012:stateMachine:dd',
      { bucket: BUCKET, region: REGION },
    );
    expectNoSecret(`${page.subject}\n${page.message}`, 'the page');
  });
});
