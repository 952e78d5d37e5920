/**
 * `serve` with several locations, as it ships (dist/cli/bin.js, child processes), against the sandbox (nginx + S3 +
 * Django): a home (`paris`, with each location's ingest token: `--ingest-tokens-file F`) and two locations (`tokyo`,
 * `lima`: `serve --location NAME --home URL --home-token-file F`, each with its own token), K = 2 of 3 (the default), every target on a 3-second schedule. `lima` has its own network
 * path: its end-to-end check connects through a TCP relay on loopback (test/fixtures/relay.ts) that the test breaks
 * and repairs. The config has no per-location `connectTo`: lima's process reads its own copy of the config,
 * differing only in the end-to-end check's `connectTo` (the relay), as a location whose resolver or route differs
 * would. Pages and notices are read from what the home's webhook posts (a loopback receiver here), by topic: `page`
 * for on-call, `monitor` for the monitor's owner; and from the home's status pages and its latest report (JSON).
 * Each fault is set or cleared mid-period, so that no one slot is split between a working and a broken stack.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextSlot, startOffsetMs } from '../../functions/config/schedule.ts';
import type { Report } from '../../functions/contract/types.ts';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';
import { type Loopback, serveLoopback } from '../fixtures/loopback.ts';
import { type Relay, startRelay } from '../fixtures/relay.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const BIN = join(ROOT, 'dist/cli/bin.js');
const TOKEN = 'locations-test-token-0123456789abcdef';
/** Each other location's own ingest token: neither the home's token nor another's. */
const INGEST: Record<string, string> = {
  tokyo: 'tokyo-ingest-token-0123456789abcdef',
  lima: 'lima-ingest-token-0123456789abcdef',
};
const HOOK_SECRET = 'hook-key-locations-55';
const PERIOD_MS = 3_000;
const HOME = 'paris';
const LOCATIONS = ['paris', 'tokyo', 'lima'] as const;

interface Hook {
  alarm: string;
  target: string;
  rule: string;
  topic: 'page' | 'monitor';
  state: 'OK' | 'ALARM';
  subject: string;
  message: string;
}

interface Proc {
  proc: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
  base?: string;
}

let box: Sandbox;
let relay: Relay;
let hook: Loopback;
let dir: string;
let home: Proc;
const locations = new Map<string, Proc>();
const received: Hook[] = [];

/** Starts `serve` with these options; resolves once it says it is up (the home: the URL it serves on). */
function startServe(args: string[], ready: RegExp): Promise<Proc> {
  const proc = spawn(NODE, [BIN, 'serve', ...args], {
    cwd: dir,
    env: {
      ...process.env,
      ...box.env,
      DD_HOOK: `${hook.base}/hook?key=${HOOK_SECRET}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out.join('\n')}`)), 30_000);
    const read = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        out.push(line);
        const m = ready.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ proc, out, exited, ...(m[1] ? { base: m[1] } : {}) });
        }
      }
    };
    proc.stdout?.on('data', read);
    proc.stderr?.on('data', read);
    exited.then((code) => reject(new Error(`serve exited (${code}): ${out.join('\n')}`)));
  });
}

const configOf = (name: string) => join(dir, `${name}.config.json`);

function startLocation(name: string): Promise<Proc> {
  return startServe(
    [
      '--config',
      configOf(name),
      '--location',
      name,
      '--home',
      home.base as string,
      '--home-token-file',
      join(dir, `${name}.token`),
    ],
    new RegExp(`^location ${name}: checking`),
  );
}

async function stop(p: Proc | undefined): Promise<void> {
  if (p && p.proc.exitCode === null) {
    p.proc.kill('SIGTERM');
    await p.exited;
  }
}

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${home.base}${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}

/** The home's latest decided report of the sandbox target. */
async function latest(): Promise<Report> {
  const r = await get('/targets/sandbox?format=json');
  expect(r.status).toBe(200);
  return JSON.parse(r.body) as Report;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `pick` finds something in the pages received since `from` (at most `ms`). */
async function waitFor(what: string, pick: (h: Hook) => boolean, from: number, ms = 45_000): Promise<Hook> {
  const until = Date.now() + ms;
  for (;;) {
    const found = received.slice(from).find(pick);
    if (found) return found;
    if (Date.now() > until)
      throw new Error(
        `no ${what} within ${ms} ms; received: ${JSON.stringify(received.slice(from).map((h) => h.subject))}\nhome:\n${home.out.slice(-40).join('\n')}`,
      );
    await sleep(200);
  }
}

/** Waits until the home's latest report satisfies `ok`. */
async function waitForReport(what: string, ok: (r: Report) => boolean, ms = 45_000): Promise<Report> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await latest().catch(() => undefined);
    if (r && ok(r)) return r;
    if (Date.now() > until)
      throw new Error(`${what}: not within ${ms} ms; latest: ${r?.agreement?.summary ?? r?.verdict.summary}`);
    await sleep(250);
  }
}

/**
 * Waits for the middle of the target's period: a fault set or cleared then lands between two slots, never while one
 * slot's runs are under way at some locations and not yet at others (which would split that one slot).
 */
async function midPeriod(): Promise<void> {
  const offset = startOffsetMs('sandbox', PERIOD_MS);
  const now = Date.now();
  const mid = nextSlot(now, PERIOD_MS, offset) + PERIOD_MS / 2 - PERIOD_MS;
  await sleep(mid > now ? mid - now : mid + PERIOD_MS - now);
}

const outcomes = (r: Report) =>
  Object.fromEntries((r.agreement?.locations ?? []).map((l) => [l.location, l.outcome]));
const allPass = (r: Report) => r.agreement?.of === 3 && LOCATIONS.every((l) => outcomes(r)[l] === 'pass');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-locations-'));
  box = await startSandbox();
  hook = await serveLoopback((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.url?.startsWith('/hook')) received.push(JSON.parse(body) as Hook);
      res.writeHead(200).end();
    });
  });
  relay = await startRelay({ host: '127.0.0.1', port: box.ports.proxy });
  const [written] = (box.config as { targets: Record<string, unknown>[] }).targets;
  const { sentinels: _extra, ...target } = written ?? {};
  const config = (connectTo?: string) => ({
    locations: LOCATIONS.map((name) => ({ name, ...(name === HOME ? { home: true } : {}) })),
    targets: [
      {
        ...target,
        schedule: `${PERIOD_MS / 1000}s`,
        endToEnd: { ...(target.endToEnd as object), ...(connectTo ? { connectTo } : {}) },
      },
    ],
  });
  for (const name of LOCATIONS)
    writeFileSync(configOf(name), JSON.stringify(config(name === 'lima' ? relay.address : undefined)));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
  for (const [name, token] of Object.entries(INGEST))
    writeFileSync(join(dir, `${name}.token`), `${token}\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, 'ingest-tokens'),
    Object.entries(INGEST)
      .map(([name, token]) => `${name} ${token}\n`)
      .join(''),
    { mode: 0o600 },
  );
  home = await startServe(
    [
      '--config',
      configOf(HOME),
      '--port',
      '0',
      '--data-dir',
      join(dir, 'state'),
      '--token-file',
      join(dir, 'token'),
      '--ingest-tokens-file',
      join(dir, 'ingest-tokens'),
      '--webhook-env',
      'DD_HOOK',
    ],
    / on (http:\/\/\S+) /,
  );
  for (const name of ['tokyo', 'lima']) locations.set(name, await startLocation(name));
  // Every location answers, and passes: the starting point of each case.
  await waitForReport('all three locations pass', allPass, 60_000);
}, 120_000);

afterAll(async () => {
  if (process.env.DD_DUMP) writeFileSync(process.env.DD_DUMP, JSON.stringify(received, null, 1));
  await Promise.all([...locations.values()].map(stop));
  await stop(home);
  await Promise.all([box?.stop(), relay?.close(), hook?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('serve with three locations (a home and two), on the sandbox', () => {
  it('the site broken: one page to on-call naming the layer, with every location’s evidence; repaired: one recovery', async () => {
    const from = received.length;
    await midPeriod();
    await box.applyFault('app-down');
    const page = await waitFor('page', (h) => h.topic === 'page' && h.state === 'ALARM', from);
    expect(page.rule).toBe('down');
    expect(page.subject).toMatch(/sandbox/);
    // The layer at fault, and all three locations agreeing, each with its evidence.
    expect(page.message).toMatch(/3 of 3 locations/);
    expect(page.message).toMatch(/\bapp\b/);
    for (const l of LOCATIONS)
      expect(page.message).toMatch(new RegExp(`^\\s*${l}(\\b| \\(home\\)).*FAIL`, 'm'));
    const failed = await waitForReport('the decided report names the app', (r) => r.verdict.fault === 'app');
    expect(failed.agreement).toMatchObject({ of: 3, quorum: 2, confirmed: true });
    expect(outcomes(failed)).toEqual({ paris: 'fail', tokyo: 'fail', lima: 'fail' });

    // Still failing a few periods on: no second page.
    await sleep(2 * PERIOD_MS);
    const alarms = received.slice(from).filter((h) => h.state === 'ALARM');
    expect(alarms.map((h) => `${h.topic} ${h.rule}`)).toEqual(['page down']);

    const repaired = received.length;
    await midPeriod();
    await box.clearFaults();
    const ok = await waitFor('recovery', (h) => h.topic === 'page' && h.state === 'OK', repaired);
    expect(ok.rule).toBe('down');
    await waitForReport('healthy again, every location passing', allPass);
    await sleep(PERIOD_MS);
    expect(received.slice(repaired).map((h) => `${h.topic} ${h.rule} ${h.state}`)).toEqual(['page down OK']);
    // The status page shows the incident and each location.
    const status = await get('/');
    expect(status.status).toBe(200);
    for (const l of LOCATIONS) expect(status.body).toContain(`data-location="${l}"`);
    // The page and its recovery, in the pages and notices the status page lists.
    expect(status.body).toContain('[download-doctor] FAILED sandbox: fault app (3 of 3 locations)');
    expect(status.body).toContain('[download-doctor] RESOLVED sandbox: downloads work again');
  }, 120_000);

  it('only one location’s path broken: no page, one notice to the monitor’s owner naming it and its error', async () => {
    const from = received.length;
    await midPeriod();
    await relay.break();
    const notice = await waitFor('location-path notice', (h) => h.rule === 'location-path', from);
    expect(notice).toMatchObject({ topic: 'monitor', state: 'ALARM' });
    expect(notice.subject).toMatch(/only lima fails/);
    expect(notice.message).toMatch(/lima/);
    expect(notice.message).toMatch(/ECONNREFUSED|refused/);
    expect(notice.message).toMatch(/not the site/);
    const report = await waitForReport('lima fails alone', (r) => outcomes(r).lima === 'fail');
    expect(report.verdict.status).toBe('healthy');
    expect(outcomes(report)).toEqual({ paris: 'pass', tokyo: 'pass', lima: 'fail' });
    const page = await get('/status/sandbox');
    expect(page.body).toMatch(/data-location="lima" data-outcome="fail"/);
    expect((await get('/')).body).toContain('[download-doctor] NETWORK PATH sandbox: only lima fails');
    await sleep(2 * PERIOD_MS);
    expect(received.slice(from).map((h) => `${h.topic} ${h.rule} ${h.state}`)).toEqual([
      'monitor location-path ALARM',
    ]);

    const repaired = received.length;
    await midPeriod();
    await relay.repair();
    const ok = await waitFor(
      'path recovery',
      (h) => h.rule === 'location-path' && h.state === 'OK',
      repaired,
    );
    expect(ok.topic).toBe('monitor');
    expect(received.slice(repaired).filter((h) => h.topic === 'page')).toEqual([]);
  }, 120_000);

  it('a location stopped: a notice to the monitor’s owner that it went silent, none to on-call; back: resolved', async () => {
    await waitForReport('all three locations pass', allPass);
    const from = received.length;
    await midPeriod();
    await stop(locations.get('tokyo'));
    const silent = await waitFor('location-silent notice', (h) => h.rule === 'location-silent', from);
    expect(silent).toMatchObject({ topic: 'monitor', state: 'ALARM', target: 'tokyo' });
    expect(silent.subject).toMatch(/tokyo/);
    const report = await latest();
    expect(outcomes(report).tokyo).toBe('unknown');
    expect((await get('/status/sandbox')).body).toMatch(/data-location="tokyo" data-outcome="unknown"/);
    expect((await get('/')).body).toContain('[download-doctor] LOCATION SILENT tokyo: no result');
    expect(report.verdict.status).toBe('healthy');
    expect(received.slice(from).filter((h) => h.topic === 'page')).toEqual([]);

    const back = received.length;
    locations.set('tokyo', await startLocation('tokyo'));
    const ok = await waitFor('silence over', (h) => h.rule === 'location-silent' && h.state === 'OK', back);
    expect(ok).toMatchObject({ topic: 'monitor', target: 'tokyo' });
    expect(received.slice(from).filter((h) => h.topic === 'page')).toEqual([]);
  }, 120_000);

  it('never shows a secret: the tokens and the webhook’s key are in no page and no log', async () => {
    const all = [
      ...received.map((h) => JSON.stringify(h)),
      ...home.out,
      ...[...locations.values()].flatMap((p) => p.out),
      (await get('/')).body,
      (await get('/status/sandbox')).body,
    ].join('\n');
    for (const s of [TOKEN, HOOK_SECRET, ...Object.values(INGEST)]) expect(all).not.toContain(s);
  });
});
