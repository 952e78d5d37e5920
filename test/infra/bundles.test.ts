/**
 * The Lambda bundles as they deploy: synthesized by the construct (esbuild, ESM, the config baked in), then
 * imported and invoked here, against a loopback server. It proves the bundles load and run, not only build.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../functions/core/config.ts';
import type { CheckResult, Report } from '../../functions/core/types.ts';
import type { HandlerName } from '../../functions/core/workflow.ts';
import { DownloadHealthchecks } from '../../infra/construct.ts';
import { targetInput } from '../fixtures/config.ts';

const BODY = Buffer.from('download-doctor bundled sentinel\n');
let server: http.Server;
let bundles: Record<HandlerName, string>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/app')) {
      res.writeHead(200, { 'X-Accel-Redirect': '/_storage/healthcheck.txt', 'Content-Length': '0' }).end();
    } else res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length }).end(BODY);
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
  bundles = Object.fromEntries(
    (Object.entries(hc.functions) as [HandlerName, { node: { defaultChild: unknown } }][]).map(
      ([name, fn]) => {
        const asset =
          template.Resources[stack.getLogicalId(fn.node.defaultChild as never)]?.Metadata?.['aws:asset:path'];
        return [name, join(outdir, asset ?? 'missing', 'index.mjs')];
      },
    ),
  ) as Record<HandlerName, string>;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

type LambdaModule = { handler: (event: unknown) => Promise<unknown> };
const load = async (name: HandlerName) => (await import(pathToFileURL(bundles[name]).href)) as LambdaModule;

describe('the Lambda bundles', () => {
  it('run the end-to-end, app and proxy checks with the baked-in config', async () => {
    delete process.env.DOWNLOAD_DOCTOR_CONFIG; // the bundles must not need it
    const e2e = (await (await load('end-to-end')).handler({ target: 'loopback' })) as CheckResult;
    expect(e2e).toMatchObject({ layer: 'end-to-end', ok: true });
    const appCheck = (await (await load('app')).handler({ target: 'loopback' })) as CheckResult;
    expect(appCheck).toMatchObject({ layer: 'app', ok: true });
    const proxy = (await (await load('proxy')).handler({ target: 'loopback' })) as CheckResult;
    expect(proxy).toMatchObject({ layer: 'proxy', ok: true, observed: { bytes: BODY.length } });
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
