/**
 * A page always goes out, from a server that answers with a 125 KB header: a loopback server whose every answer
 * carries a 125 KB Content-Disposition, `run --publish` against moto_server (CloudWatch, SNS; moto refuses a
 * message over SNS's 256 KB, "Message too long", as SNS does), and the page on the page topic, received by an http
 * subscription. The header reaches the result (undici reads a header section up to 256 KiB), cut by the checks;
 * the page is delivered, under PAGE_MAX_BYTES, the header's value cut in it with a visible marker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAndPrint } from '../../cli/commands/run.ts';
import { LOCAL_TOPICS } from '../../cli/local-alarms.ts';
import type { Config } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import { MAX_TEXT_LENGTH } from '../../functions/contract/text.ts';
import { PAGE_MAX_BYTES, PAGE_VALUE_MAX } from '../../functions/render/page.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';
import { loopbackTargetInput } from '../fixtures/config.ts';
import { startSnsReceiver } from '../fixtures/sns.ts';

useTestCredentials();
const BODY = Buffer.from('download-doctor page-size sentinel\n');
/** 125 KB, as the soak's hostile server sent. */
const HUGE = `attachment; filename="${'x'.repeat(125_000)}.txt"`;
const region = 'us-east-1';
let dir: string;
let moto: MotoServer;
let server: http.Server;
let subscriber: Awaited<ReturnType<typeof startSnsReceiver>>;
let config: Config;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-page-size-'));
  server = http.createServer((req, res) => {
    const headers = { 'Content-Type': 'text/plain', 'Content-Disposition': HUGE };
    if (req.url?.startsWith('/app/'))
      res
        .writeHead(200, { ...headers, 'X-Accel-Redirect': '/_storage/healthcheck.txt', 'Content-Length': 0 })
        .end();
    else res.writeHead(200, { ...headers, 'Content-Length': BODY.length }).end(BODY);
  });
  const file = join(dir, 'healthcheck.txt');
  writeFileSync(file, BODY);
  [moto] = await Promise.all([
    startMotoServer(dir),
    new Promise<void>((r) => server.listen(0, '127.0.0.1', r)),
  ]);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const v = validateConfig({ targets: [{ ...loopbackTargetInput(base, file, BODY), name: 'huge-header' }] });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  config = v.config;
  subscriber = await startSnsReceiver(moto.endpoint, region, [LOCAL_TOPICS.page]);
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await Promise.all([moto?.stop(), new Promise((r) => server?.close(r)), subscriber?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a server that answers with a 125 KB header', () => {
  it('reaches the result cut, and its page is delivered through SNS, under the bound', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const runs = [];
    try {
      // The down alarm pages on its second failed run of three.
      for (let i = 0; i < 3 && subscriber.received.length === 0; i++) {
        runs.push(
          await runAndPrint(config, {
            format: 'json',
            publish: moto.endpoint,
            alarmState: join(dir, 'alarms.json'),
          }),
        );
        await new Promise((r) => setTimeout(r, 300)); // moto posts to the subscriber as it publishes
      }
    } finally {
      log.mockRestore();
    }
    // The header came through undici whole, and the check cut it: its marker counts the 125 KB.
    const report = runs.at(-1)?.reports[0];
    expect(report?.verdict.status).toBe('failed');
    const seen = report?.results.find((r) => r.layer === 'end-to-end')?.observed.headers?.[
      'content-disposition'
    ];
    expect(seen?.length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
    const shownByCheck = seen?.indexOf('…') ?? 0;
    expect(seen).toContain(`… [${HUGE.length - shownByCheck} more characters cut]`);

    expect(subscriber.received).toHaveLength(1);
    const page = subscriber.received[0];
    expect(page?.subject).toMatch(/^\[download-doctor\] FAILED huge-header: fault /);
    expect(Buffer.byteLength(page?.message ?? '')).toBeLessThanOrEqual(PAGE_MAX_BYTES);
    // The summary (it quotes the file name: cut to a line too), with the layer at fault in the first line.
    expect(page?.message.split('\n')[0]).toMatch(/^download-doctor: target "huge-header" is FAILED, fault /);
    expect(page?.message).toContain(report?.verdict.summary.slice(0, 200));
    // In the page, the value is cut shorter, and its marker still counts what the server sent.
    const inPage = /content-disposition: (attachment; filename="x+)… \[(\d+) more characters cut\]/.exec(
      page?.message ?? '',
    );
    expect(inPage?.[0].length).toBeLessThanOrEqual(PAGE_VALUE_MAX + 'content-disposition: '.length);
    expect(Number(inPage?.[2])).toBe(HUGE.length - (inPage?.[1]?.length ?? 0));
  });
});
