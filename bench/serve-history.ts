/**
 * `serve` at fleet size and history length: `npx tsx bench/serve-history.ts [targets] [days]` (default 500 and 30).
 *
 * A history of `days` days for `targets` targets, as serve keeps it (its own schema: per-run detail for the last
 * 7 days at one run a minute, hourly and daily rollups for all of it, incidents, alarms, the latest report), is
 * written straight into the database; then serve (the built CLI, a child process) opens it and runs every target
 * once a minute against a loopback stack that answers as a healthy one. Measured, each as the median, p95 and max
 * of sequential requests: `/`, `/status/NAME`, `/health` and `/metrics`; the reference in the same run is the same
 * serve's answer to a request that reads nothing (`/login`, a redirect: the floor of a request), and the same pages
 * of a serve of the same targets with no history. While `/` is read without pause, the runs must keep their
 * schedule (each target at its slot of the minute, through serve's pool: 4 runs at once against this one origin):
 * the runs made against those due, the slots skipped, the largest lag of a run behind its slot, and the event loop's
 * largest delay are printed; it exits 1 when a slot was skipped, a due run not made, or a run not healthy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { seedHistory } from './fleet-history.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const TARGETS = Number(process.argv[2] ?? 500);
const DAYS = Number(process.argv[3] ?? 30);
const DETAIL_DAYS = 7;
const MIN = 60_000;
const SAMPLES = 25;
/** How long the pages are read without pause while the runs go on. */
const LOAD_MS = Number(process.env.DD_BENCH_LOAD_MS ?? 150_000);

const dir = mkdtempSync(join(tmpdir(), 'dd-serve-history-'));
const names = Array.from({ length: TARGETS }, (_, i) => `t${String(i).padStart(4, '0')}`);
const SENTINEL = Buffer.from('download-doctor sentinel: if you can read this, downloads work\n');

/**
 * A stack that answers as a healthy one: the app with the offload header and the file's name, the download with the
 * sentinel (a run whose app check failed would wait for its confirmation, 2 s, and be degraded). In a
 * process of its own: this one is busy reading pages without pause, and a stack that waited for it would make the
 * runs slow (and the schedule late) for a reason that is not serve's.
 */
const STACK = `
const http = require('node:http');
const sentinel = Buffer.from(process.env.SENTINEL, 'base64');
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/app/'))
    return res.writeHead(200, {
      'X-Accel-Redirect': '/_storage/healthcheck.txt',
      'Content-Length': '0',
      'Content-Disposition': 'attachment; filename="healthcheck.txt"',
    }).end();
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Content-Length': sentinel.length,
    'Content-Disposition': 'attachment; filename="healthcheck.txt"',
  }).end(req.method === 'HEAD' ? undefined : sentinel);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;
const stack = spawn(join(ROOT, 'node_modules/.bin/node'), ['-e', STACK], {
  env: { ...process.env, SENTINEL: SENTINEL.toString('base64') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stackPort = await new Promise<number>((resolve, reject) => {
  stack.once('exit', (code) => reject(new Error(`the stack exited (${code})`)));
  stack.stdout?.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())));
});
const base = `http://127.0.0.1:${stackPort}`;
const sentinelFile = join(dir, 'healthcheck.txt');
writeFileSync(sentinelFile, SENTINEL);
const config = join(dir, 'download-doctor.config.json');
writeFileSync(
  config,
  JSON.stringify({
    targets: names.map((name) => ({
      name,
      schedule: '1m',
      sentinel: {
        sha256: createHash('sha256').update(SENTINEL).digest('hex'),
        size: SENTINEL.length,
        contentType: 'text/plain',
        fileName: 'healthcheck.txt',
      },
      storage: { type: 'filesystem', path: sentinelFile },
      app: {
        url: `${base}/app/healthcheck-utils/download/`,
        offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
      },
      endToEnd: { url: `${base}/healthcheck-utils/download/` },
    })),
  }),
);

const logs = new Map<ChildProcess, string>();
/** What serve's log says of its schedule: each scheduled run's start and lag behind its slot, each slot skipped. */
const schedules = new Map<
  ChildProcess,
  { runs: { at: number; lagMs: number; ms: number }[]; skipped: number[] }
>();
const RUN_LINE = /^(\S+Z) t\d+: .*\[schedule, ([\d.]+) ms\] \(lag (\d+) ms\)$/;
const SKIPPED_LINE = /^(\S+Z) t\d+: (?:slot skipped|(\d+) slot\(s\) skipped)/;
/** How long each serve took to read the history's recent days into memory. */
const warmed = new Map<ChildProcess, number>();
/** Starts serve on a database; resolves once it has read the history's recent days into memory. */
function startServe(db: string): Promise<{ proc: ChildProcess; base: string }> {
  const proc = spawn(
    join(ROOT, 'node_modules/.bin/node'),
    [join(ROOT, 'dist/cli/bin.js'), 'serve', '--config', config, '--port', '0', '--db', db],
    { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const schedule = { runs: [] as { at: number; lagMs: number; ms: number }[], skipped: [] as number[] };
  schedules.set(proc, schedule);
  let partial = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const run = RUN_LINE.exec(line);
      if (run)
        schedule.runs.push({ at: Date.parse(run[1] ?? ''), ms: Number(run[2]), lagMs: Number(run[3]) });
      const skipped = SKIPPED_LINE.exec(line);
      if (skipped)
        for (let i = 0; i < Number(skipped[2] ?? 1); i++) schedule.skipped.push(Date.parse(skipped[1] ?? ''));
    }
  });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`serve exited (${code})`)));
    let out = '';
    let where: string | undefined;
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk;
      const m = / on (http:\/\/\S+) /.exec(out);
      if (m?.[1]) where = m[1];
      if (where && /^history: the recent days of \d+ target\(s\) read into memory \((\d+) ms\)$/m.test(out)) {
        warmed.set(proc, Number(/read into memory \((\d+) ms\)/.exec(out)?.[1]));
        resolve({ proc, base: where });
      }
      // The log is kept short: its lines that are not runs (a problem would show there).
      out = out
        .split('\n')
        .filter((l) => !/^\S+Z t\d+: |^ {2}(sent|held)/.test(l))
        .slice(-20)
        .join('\n');
      logs.set(proc, out);
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function timed(url: string): Promise<{ ms: number; status: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, bytes }));
      })
      .on('error', reject);
  });
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

async function measure(serveBase: string, label: string) {
  const paths = ['/login', '/health', '/metrics', '/', `/status/${names[0]}`];
  const rows: string[] = [];
  for (const path of paths) {
    const ms: number[] = [];
    let last = { status: 0, bytes: 0 };
    for (let i = 0; i < SAMPLES; i++) {
      const r = await timed(`${serveBase}${path}`);
      ms.push(r.ms);
      last = r;
    }
    rows.push(
      `  ${label.padEnd(12)} ${path.padEnd(14)} ${String(last.status).padEnd(4)} ${(last.bytes / 1024).toFixed(0).padStart(6)} KiB  median ${pct(ms, 0.5).toFixed(1).padStart(6)} ms  p95 ${pct(ms, 0.95).toFixed(1).padStart(6)} ms  max ${Math.max(
        ...ms,
      )
        .toFixed(1)
        .padStart(6)} ms`,
    );
  }
  return rows;
}

const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

let full: ChildProcess | undefined;
let empty: ChildProcess | undefined;
try {
  const db = join(dir, 'history.db');
  const seeding = performance.now();
  await seedHistory(db, names, DAYS, DETAIL_DAYS);
  const probe = new DatabaseSync(db, { readOnly: true });
  const count = (table: string) => Number(probe.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n);
  console.log(
    `history: ${TARGETS} targets, ${DAYS} days: ${count('runs').toLocaleString('en')} runs (${DETAIL_DAYS} days in detail, one a minute), ${count('hours').toLocaleString('en')} hourly rows, ${count('days').toLocaleString('en')} daily rows; ${(statSync(db).size / 1024 ** 2).toFixed(0)} MiB; seeded in ${((performance.now() - seeding) / 1000).toFixed(0)} s`,
  );
  probe.close();

  const served = await startServe(db);
  full = served.proc;
  console.log(
    `serve read the recent days of ${TARGETS} targets into memory in ${warmed.get(served.proc)} ms`,
  );
  await new Promise((r) => setTimeout(r, 3_000));
  const rows = await measure(served.base, 'history');

  // The same targets with no history: the reference for what the history's length costs.
  const fresh = await startServe(join(dir, 'fresh.db'));
  empty = fresh.proc;
  await new Promise((r) => setTimeout(r, 3_000));
  const reference = await measure(fresh.base, 'no history');
  fresh.proc.kill('SIGTERM');
  await new Promise((r) => fresh.proc.once('exit', r));
  empty = undefined;

  console.log('\nsequential requests, serve running every target once a minute meanwhile:');
  for (const line of [...reference, ...rows]) console.log(line);

  // Pages read without pause while the runs go on: the lag of the runs behind their minute, the event loop's delay.
  await timed(`${served.base}/metrics`); // prom-client's event-loop histogram restarts at each scrape
  const loadStarted = Date.now();
  let pages = 0;
  while (Date.now() - loadStarted < LOAD_MS) {
    await timed(`${served.base}/`);
    pages += 1;
  }
  const metrics = await new Promise<string>((resolve) =>
    http.get(`${served.base}/metrics`, { agent }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve(body));
    }),
  );
  served.proc.kill('SIGTERM');
  await new Promise((r) => served.proc.once('exit', r));
  full = undefined;
  if (process.env.DD_BENCH_LOG) console.log(logs.get(served.proc));
  const after = new DatabaseSync(db, { readOnly: true });
  const gaps = after
    .prepare(
      `SELECT target, at - LAG(at) OVER (PARTITION BY target ORDER BY at) AS gap FROM runs WHERE at >= ? AND source = 'schedule'`,
    )
    .all(loadStarted)
    .flatMap((row) => (row.gap === null ? [] : [Number(row.gap)]));
  const runs = Number(after.prepare('SELECT COUNT(*) AS n FROM runs WHERE at >= ?').get(loadStarted)?.n);
  const healthy = Number(
    after.prepare("SELECT COUNT(*) AS n FROM runs WHERE at >= ? AND outcome = 'healthy'").get(loadStarted)?.n,
  );
  after.close();
  // Each target runs at its own slot of the minute (functions/config/schedule.ts): about TARGETS runs a minute.
  const expected = Math.floor((TARGETS * LOAD_MS) / MIN);
  const schedule = schedules.get(served.proc) ?? { runs: [], skipped: [] };
  const during = schedule.runs.filter((r) => r.at >= loadStarted);
  const lags = during.map((r) => r.lagMs);
  const took = during.map((r) => r.ms);
  const skipped = schedule.skipped.filter((at) => at >= loadStarted).length;
  console.log(
    `\nwhile / was read ${pages} times in ${LOAD_MS / 1000} s (one after the other): ${runs} runs (at one a minute per target, ${expected} are due), ${healthy} healthy; slots skipped ${skipped}; the largest lag of a run behind its slot ${lags.length ? Math.max(...lags) : '-'} ms, median ${lags.length ? pct(lags, 0.5) : '-'} ms; a run took ${took.length ? pct(took, 0.5) : '-'} ms (median); the largest gap between two runs of a target ${gaps.length ? (Math.max(...gaps) / 1000).toFixed(1) : '-'} s (the schedule: 60 s); event loop delay: max ${(gauge(metrics, 'nodejs_eventloop_lag_max_seconds') * 1000).toFixed(0)} ms, p99 ${(gauge(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(0)} ms`,
  );
  // Runs keep their schedule while pages render: no slot skipped, every due run made (within a few at the edges),
  // each healthy (the stack is).
  if (skipped > 0 || runs < expected - TARGETS / 20 || healthy < runs) {
    console.log('FAILED: the runs did not keep their schedule while / was read');
    process.exitCode = 1;
  }
} finally {
  for (const p of [full, empty]) if (p?.exitCode === null) p.kill('SIGTERM');
  stack.kill('SIGTERM');
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
