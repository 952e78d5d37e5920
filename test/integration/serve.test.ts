/**
 * `download-doctor serve` as it ships (dist/cli/bin.js, a child process) against the sandbox (nginx + S3), paging
 * through a moto_server of its own (SNS) and a webhook, both received here. One serve at a time, on the same
 * history: every endpoint, the bearer token, a maintenance window that holds pages back, a restart that keeps
 * the history and the alarm states, and a graceful stop with a run under way. /metrics and /probe are read by
 * Prometheus's own parser (test/fixtures/prometheus.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TOPICS } from '../../cli/pagers.ts';
import { nextSlot, startOffsetMs } from '../../functions/config/schedule.ts';
import { parseReport } from '../../functions/contract/wire.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';
import { parsePrometheus, sampleValue } from '../fixtures/prometheus.ts';
import { subscribeTopics } from '../fixtures/sns.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const BIN = join(ROOT, 'dist/cli/bin.js');
const TOKEN = 'serve-test-token-0123456789abcdef';
const SECRET = 'header-secret-value-42';
const HOOK_SECRET = 'hook-key-98765';
const FAULT = 'storage-upstream-wrong-port'; // failed, fault proxy
const CONFIRM_MS = 1_500;

interface Received {
  via: 'sns' | 'webhook';
  subject: string;
  message: string;
  state?: string;
}

let box: Sandbox;
let moto: MotoServer;
let receiver: http.Server;
let dir: string;
let configFile: string;
let windowEnd: number;
const received: Received[] = [];

interface Serve {
  proc: ChildProcess;
  base: string;
  out: string[];
  exited: Promise<number | null>;
}
let serve: Serve;

function startServe(): Promise<Serve> {
  const proc = spawn(
    NODE,
    [
      BIN,
      'serve',
      '--config',
      configFile,
      '--port',
      '0',
      '--data-dir',
      join(dir, 'state'),
      '--token-file',
      join(dir, 'token'),
      '--sns-endpoint',
      moto.endpoint,
      '--webhook-env',
      'DD_HOOK',
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        ...box.env,
        AWS_REGION: 'us-east-1',
        DD_SECRET: SECRET,
        DD_HOOK: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?key=${HOOK_SECRET}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out.join('\n')}`)), 20_000);
    const read = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        out.push(line);
        const m = / on (http:\/\/\S+) /.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve({ proc, base: m[1], out, exited });
        }
      }
    };
    proc.stdout?.on('data', read);
    proc.stderr?.on('data', read);
    exited.then((code) => reject(new Error(`serve exited (${code}): ${out.join('\n')}`)));
  });
}

async function get(path: string, token: string | null = TOKEN, headers: Record<string, string> = {}) {
  const res = await fetch(`${serve.base}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/**
 * A schedule whose next slot for `sandbox` is over 15 minutes away, so that no scheduled run comes during the tests
 * but the one at start: the runs here come through /probe.
 */
function quietSchedule(): string {
  const now = Date.now();
  const hours = [24, 23].find((h) => {
    const period = h * 3_600_000;
    return nextSlot(now, period, startOffsetMs('sandbox', period)) - now > 15 * 60_000;
  });
  return `${hours}h`;
}

/** A run now, through /probe; returns the parsed exposition and the pages received meanwhile. */
async function probe() {
  const before = received.length;
  const r = await get('/probe?target=sandbox');
  expect(r.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 300)); // moto and the webhook post as they publish
  return { families: parsePrometheus(r.body), pages: received.slice(before) };
}

/** Every body an endpoint serves must be free of secrets: the header's, the webhook's, the token. */
const secretFree = (body: string) => {
  for (const s of [SECRET, HOOK_SECRET, TOKEN]) expect(body).not.toContain(s);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-serve-'));
  [box, moto] = await Promise.all([startSandbox(), startMotoServer(dir)]);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const msg = JSON.parse(body);
      if (req.url?.startsWith('/hook'))
        received.push({ via: 'webhook', subject: msg.subject, message: msg.message, state: msg.state });
      else if (msg.Type === 'Notification')
        received.push({ via: 'sns', subject: msg.Subject ?? '', message: msg.Message });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  await subscribeTopics(
    moto.endpoint,
    Object.values(LOCAL_TOPICS),
    `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sns`,
  );
  // The written target only, running once a day (the runs here come through /probe), with a header that is a
  // secret, a confirmation delay a graceful stop can be caught in, and a maintenance window over the first tests.
  windowEnd = Date.now() + 25_000;
  const [written] = (box.config as { targets: Record<string, unknown>[] }).targets;
  const { sentinels: _extra, ...target } = written ?? {};
  const app = target.app as Record<string, unknown>;
  configFile = join(dir, 'download-doctor.config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      targets: [
        {
          ...target,
          schedule: quietSchedule(),
          confirmDelayMs: CONFIRM_MS,
          app: { ...app, headers: { 'X-Probe-Secret': { env: 'DD_SECRET' } } },
          maintenance: [
            {
              name: 'test window',
              start: new Date(Date.now() - 3_600_000).toISOString(),
              end: new Date(windowEnd).toISOString(),
            },
          ],
        },
      ],
    }),
  );
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
  serve = await startServe();
}, 120_000);

afterAll(async () => {
  if (serve && serve.proc.exitCode === null) {
    serve.proc.kill('SIGTERM');
    await serve.exited;
  }
  await Promise.all([box?.stop(), moto?.stop(), new Promise((r) => receiver?.close(r))]);
  rmSync(dir, { recursive: true, force: true });
});

describe('download-doctor serve on the sandbox', () => {
  it('answers /health to anyone, and every other endpoint only with the bearer token', async () => {
    for (const path of ['/', '/metrics', '/probe?target=sandbox', '/targets/sandbox']) {
      for (const token of [null, 'wrong-token-0123456789']) {
        const r = await get(path, token);
        expect(r.status, `${path} with ${token}`).toBe(401);
        expect(r.headers.get('www-authenticate')).toBe(
          `Bearer realm="download-doctor"${token ? ', error="invalid_token"' : ''}`,
        );
      }
    }
    // The first scheduled run comes at start: wait for its verdict.
    let health = await get('/health', null);
    for (
      let i = 0;
      i < 100 && JSON.parse(health.body).checks['sandbox:verdict'][0].observedValue !== 'healthy';
      i++
    ) {
      await new Promise((r) => setTimeout(r, 200));
      health = await get('/health', null);
    }
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toBe('application/health+json');
    const doc = JSON.parse(health.body);
    expect(doc).toMatchObject({
      status: 'pass',
      checks: { 'sandbox:verdict': [{ componentId: 'sandbox', status: 'pass', observedValue: 'healthy' }] },
    });
    expect(health.body).not.toContain('http://'); // no URL, no summary: /health is public
    expect(serve.out.join('\n')).toMatch(/sandbox: healthy \[schedule, \d+ ms\]/);
  });

  it('serves /metrics and /probe in the Prometheus text format', async () => {
    const metrics = await get('/metrics');
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parsePrometheus(metrics.body);
    expect(sampleValue(m, 'download_doctor_healthy', { target: 'sandbox' })).toBe(1);
    expect(sampleValue(m, 'download_doctor_degraded', { target: 'sandbox' })).toBe(0);
    expect(sampleValue(m, 'download_doctor_flapped', { target: 'sandbox' })).toBe(0);
    for (const layer of ['end-to-end', 'app']) {
      expect(sampleValue(m, 'download_doctor_check_success', { target: 'sandbox', layer })).toBe(1);
      expect(
        sampleValue(m, 'download_doctor_check_duration_seconds', { target: 'sandbox', layer }),
      ).toBeGreaterThan(0);
      expect(
        sampleValue(m, 'download_doctor_check_first_byte_seconds', { target: 'sandbox', layer }),
      ).toBeGreaterThan(0);
    }
    const last = sampleValue(m, 'download_doctor_last_run_timestamp_seconds', { target: 'sandbox' }) ?? 0;
    expect(Math.abs(Date.now() / 1000 - last)).toBeLessThan(120);
    expect(sampleValue(m, 'download_doctor_in_maintenance', { target: 'sandbox' })).toBe(1);
    const runs = m.filter((f) => f.name.startsWith('download_doctor_'));
    // Gauges (values as of the latest run), but the slots skipped since start: a counter.
    expect(runs.filter((f) => f.help === '')).toEqual([]);
    expect(runs.filter((f) => f.type !== 'gauge').map((f) => [f.name, f.type])).toEqual([
      ['download_doctor_skipped_slots', 'counter'],
    ]);
    // The schedule: the run at start was late by no more than its wait for room, and no slot was skipped.
    expect(sampleValue(m, 'download_doctor_schedule_lag_seconds', { target: 'sandbox' })).toBeLessThan(5);
    expect(sampleValue(m, 'download_doctor_skipped_slots_total', { target: 'sandbox' })).toBe(0);
    // serve's own process, in the names of Prometheus's client libraries (prom-client's default metrics).
    expect(sampleValue(m, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 ** 2);
    expect(sampleValue(m, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sampleValue(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

    const p = await probe();
    expect(sampleValue(p.families, 'probe_success')).toBe(1);
    expect(sampleValue(p.families, 'probe_duration_seconds')).toBeGreaterThan(0);
    expect(sampleValue(p.families, 'download_doctor_check_success', { layer: 'end-to-end' })).toBe(1);
    // A registry of the probe's own: its run, not the process.
    expect(p.families.filter((f) => /^(process|nodejs)_/.test(f.name))).toEqual([]);
    expect((await get('/probe')).status).toBe(400);
    expect((await get('/probe?target=nope')).body).toContain('one of: sandbox');
    for (const body of [metrics.body]) secretFree(body);
  });

  it('serves the status page and the latest report, self-contained, without secrets', async () => {
    const page = await get('/');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.body).toContain('data-target="sandbox" data-status="healthy"');
    expect(page.body).toContain('In maintenance (test window)');
    expect(page.body).not.toMatch(/<script|<link|src="http|url\(/);
    const report = await get('/targets/sandbox');
    expect(report.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(report.body).toContain('data-target="sandbox"');
    const asJson = await get('/targets/sandbox?format=json');
    const parsed = parseReport(JSON.parse(asJson.body));
    expect(parsed).toMatchObject({
      target: 'sandbox',
      verdict: { status: 'healthy' },
      maintenance: { window: 'test window' },
    });
    expect((await get('/targets/sandbox', TOKEN, { accept: 'application/json' })).body).toBe(asJson.body);
    expect((await get('/targets/nope')).status).toBe(404);
    for (const body of [page.body, report.body, asJson.body, (await get('/health', null)).body])
      secretFree(body);
  });

  it('holds pages back in the maintenance window, and pages once it is over', async () => {
    await box.applyFault(FAULT);
    const held = [await probe(), await probe()];
    expect(held.flatMap((p) => p.pages)).toEqual([]);
    expect(sampleValue(held[1]?.families ?? [], 'probe_success')).toBe(0);
    const health = JSON.parse((await get('/health', null)).body);
    expect(health.checks['sandbox:verdict'][0]).toMatchObject({ status: 'warn', observedValue: 'failed' });
    expect(health.checks['sandbox:verdict'][0].output).toContain('in maintenance until');
    expect((await get('/')).body).toContain('held back: in maintenance (test window)');

    await new Promise((r) => setTimeout(r, Math.max(0, windowEnd - Date.now() + 500)));
    const after = await probe();
    expect(after.pages.map((p) => [p.via, p.subject]).sort()).toEqual([
      ['sns', '[download-doctor] FAILED sandbox: fault proxy'],
      ['webhook', '[download-doctor] FAILED sandbox: fault proxy'],
    ]);
    expect(after.pages.find((p) => p.via === 'webhook')?.state).toBe('ALARM');
    expect((await probe()).pages).toEqual([]); // one page per incident
    secretFree(serve.out.join('\n'));
  }, 60_000);

  it('keeps the history and the alarm states across a restart: the recovery notice still comes', async () => {
    serve.proc.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    serve = await startServe();
    // Before any new run: the stored verdict, and the trend.
    const health = JSON.parse((await get('/health', null)).body);
    expect(health).toMatchObject({ status: 'fail' });
    expect((await get('/status/sandbox')).body).toMatch(/last 24 h: \d+ healthy, 0 degraded, [3-9] failed/);
    // Recovery: the down alarm was in ALARM before the restart, so 2 healthy runs of the last 3 send one notice.
    await box.clearFaults();
    const pages = [...(await probe()).pages, ...(await probe()).pages, ...(await probe()).pages];
    expect(pages.map((p) => [p.via, p.subject]).sort()).toEqual([
      ['sns', '[download-doctor] RESOLVED sandbox: downloads work again'],
      ['webhook', '[download-doctor] RESOLVED sandbox: downloads work again'],
    ]);
    // An incident: from the page to this notice, which says how long it lasted; the target's page lists it.
    expect(pages[0]?.message).toMatch(/The incident lasted \d+ (s|min)\b.* \(paged at 20\d\d-/);
    const status = (await get('/status/sandbox')).body;
    expect(status).toMatch(/<tr data-incident="down" data-fault="proxy"><td>20\d\d-[^<]+<\/td><td>20\d\d-/);
  }, 60_000);

  it('keeps its history private: the state directory 0700, the database and its WAL files 0600', () => {
    const state = join(dir, 'state');
    expect(statSync(state).mode & 0o777).toBe(0o700);
    for (const f of ['serve.db', 'serve.db-wal', 'serve.db-shm'])
      expect(statSync(join(state, f)).mode & 0o777, f).toBe(0o600);
    expect(readdirSync(dir)).not.toContain('download-doctor.db');
  });

  it('stops gracefully on SIGTERM: a run under way finishes and answers', async () => {
    await box.applyFault(FAULT);
    try {
      // A failing run waits CONFIRM_MS before its confirmation: the signal comes meanwhile.
      const pending = get('/probe?target=sandbox');
      await new Promise((r) => setTimeout(r, 400));
      serve.proc.kill('SIGTERM');
      const r = await pending;
      expect(r.status).toBe(200);
      expect(sampleValue(parsePrometheus(r.body), 'download_doctor_healthy', { target: 'sandbox' })).toBe(0);
      expect(await serve.exited).toBe(0);
      expect(serve.out.join('\n')).toMatch(
        /SIGTERM: stopping; waiting for 1 run\(s\) under way[\s\S]*sandbox: failed \(fault proxy\) \[probe[\s\S]*\nstopped$/,
      );
    } finally {
      await box.clearFaults();
    }
  }, 60_000);
});
