/**
 * `serve` on a fleet: `npx tsx bench/serve-fleet.ts [TARGETS]` (500 by default).
 *
 * One sandbox stack (nginx, Django, moto) and its target copied TARGETS times under other names, every copy on a
 * 1-minute schedule, watched by one `serve` (the built CLI, a child process) that pages to a webhook here. After the
 * start (every target runs once: none has a run yet), two whole periods are measured, each a minute of the clock
 * (the slots are aligned to it): that every target ran exactly once for a slot in each, that none paged, the
 * period's wall time (from its first run's start to its last run's end), the largest lag of a run behind its slot,
 * and serve's peak resident memory (VmHWM). The references, measured in the same run: one run alone (a serve of the one target,
 * through /probe, median of 20) for the lag, and that serve's peak memory and `node -e 0`'s for the memory.
 * Exits 1 when a target missed a period, ran twice in one, or paged.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONCURRENCY, PER_ORIGIN } from '../cli/run-pool.ts';
import { startSandbox } from '../sandbox/stack.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const TARGETS = Number(process.argv[2] ?? 500);
const PERIOD_MS = 60_000;
const MEASURED_PERIODS = 2;
/** After a period's end, how long its last runs have to finish and be logged. */
const TAIL_MS = 15_000;

/** A run as serve logs it: `AT NAME: OUTCOME [SOURCE, N ms] (lag N ms)`. */
interface Run {
  target: string;
  at: number;
  durationMs: number;
  lagMs?: number;
  source: string;
  outcome: string;
}
const RUN_LINE = /^(\S+) ([a-z0-9-]+): (.+?) \[(schedule|probe), (\d+) ms\](?: \(lag (\d+) ms\))?$/;

const kib = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

interface Serve {
  proc: ChildProcess;
  base: string;
  runs: Run[];
  skipped: string[];
  other: string[];
}

function startServe(dir: string, name: string, config: unknown, env: NodeJS.ProcessEnv, hook: string) {
  const file = join(dir, `${name}.config.json`);
  writeFileSync(file, JSON.stringify(config));
  const proc = spawn(
    NODE,
    [
      join(ROOT, 'dist/cli/bin.js'),
      'serve',
      '--config',
      file,
      '--port',
      '0',
      '--db',
      join(dir, `${name}.db`),
      '--webhook',
      hook,
    ],
    { env, cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const serve: Serve = { proc, base: '', runs: [], skipped: [], other: [] };
  let rest = '';
  return new Promise<Serve>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`serve exited (${code})`)));
    proc.stdout?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const m = RUN_LINE.exec(line);
        if (m)
          serve.runs.push({
            at: Date.parse(m[1] ?? ''),
            target: m[2] ?? '',
            outcome: m[3] ?? '',
            source: m[4] ?? '',
            durationMs: Number(m[5]),
            ...(m[6] === undefined ? {} : { lagMs: Number(m[6]) }),
          });
        else if (line.includes('slot skipped')) serve.skipped.push(line);
        else serve.other.push(line);
        const on = / on (http:\/\/\S+) /.exec(line);
        if (on?.[1]) {
          serve.base = on[1];
          resolve(serve);
        }
      }
    });
  });
}

async function stop(serve: Serve) {
  if (serve.proc.exitCode !== null) return;
  const exited = new Promise((resolve) => serve.proc.once('exit', resolve));
  serve.proc.kill('SIGTERM');
  await exited;
}

const sleepUntil = async (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

const dir = mkdtempSync(join(tmpdir(), 'dd-serve-fleet-'));
const pages: { target: string; state: string; subject: string }[] = [];
const hook = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    pages.push(JSON.parse(body));
    res.writeHead(200).end();
  });
});
await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
const box = await startSandbox();
const env = { ...process.env, ...box.env };
const serves: Serve[] = [];
let failed = false;
try {
  const [written] = (box.config as { targets: Record<string, unknown>[] }).targets;
  const { sentinels: _extra, ...target } = written ?? {};

  // The references: node -e 0, and serve of the one target, its runs through /probe one after the other.
  const bare = spawnSync(NODE, ['--import', join(ROOT, 'bench/rss-on-exit.mjs'), '-e', '0'], {
    encoding: 'utf8',
  });
  const nodeKib = Number(/DD_MAX_RSS_KIB (\d+)/.exec(bare.stderr)?.[1]);
  const one = await startServe(
    dir,
    'one',
    { targets: [{ ...target, name: 'sandbox', schedule: '24h' }] },
    env,
    hookUrl,
  );
  serves.push(one);
  for (let i = 0; i < 21; i++)
    await (await fetch(`${one.base}/probe?target=sandbox`, { signal: AbortSignal.timeout(30_000) })).text();
  const alone = median(one.runs.filter((r) => r.source === 'probe').map((r) => r.durationMs));
  const oneKib = kib(one.proc.pid ?? 0, 'VmHWM');
  await stop(one);

  // The fleet.
  const names = Array.from({ length: TARGETS }, (_, i) => `fleet-${String(i).padStart(3, '0')}`);
  const started = Date.now();
  const fleet = await startServe(
    dir,
    'fleet',
    { targets: names.map((name) => ({ ...target, name, schedule: '1m' })) },
    env,
    hookUrl,
  );
  serves.push(fleet);
  const seen = new Set<string>();
  while (seen.size < TARGETS) {
    await new Promise((r) => setTimeout(r, 200));
    for (const r of fleet.runs) seen.add(r.target);
    if (Date.now() - started > 5 * PERIOD_MS) throw new Error(`only ${seen.size} targets ran in 5 minutes`);
  }
  const startRuns = fleet.runs.filter((r) => r.at < started + PERIOD_MS).slice(0, TARGETS);
  const startEnd = Math.max(...startRuns.map((r) => r.at + r.durationMs));
  const first = Math.ceil(Date.now() / PERIOD_MS) * PERIOD_MS;
  const last = first + MEASURED_PERIODS * PERIOD_MS;
  // Resident memory after each period: it must not grow with the runs.
  const rssAfter: number[] = [];
  for (let end = first + PERIOD_MS; end <= last; end += PERIOD_MS) {
    await sleepUntil(end);
    rssAfter.push(kib(fleet.proc.pid ?? 0, 'VmRSS'));
  }
  await sleepUntil(last + TAIL_MS);
  const peakKib = kib(fleet.proc.pid ?? 0, 'VmHWM');
  const nowKib = kib(fleet.proc.pid ?? 0, 'VmRSS');
  await stop(fleet);

  console.log(
    `serve with ${TARGETS} targets on one sandbox stack (nginx, Django, moto), each every minute; --concurrency ${DEFAULT_CONCURRENCY}, at most ${PER_ORIGIN} runs per origin (the machine's load average over the last 5 minutes: ${loadavg()[1]?.toFixed(1)})`,
  );
  console.log(
    `one run alone (serve of the one target, /probe, median of 21): ${alone} ms; node -e 0: ${mib(nodeKib)} peak RSS`,
  );
  console.log(
    `the start (no target had run): ${startRuns.length} runs, all done ${s(startEnd - started)} after serve started; largest lag ${s(Math.max(...startRuns.map((r) => r.lagMs ?? 0)))}`,
  );
  for (let from = first; from < last; from += PERIOD_MS) {
    // A run belongs to the period of its slot (its start less its lag): a run late into the next period is still
    // the run of its own slot.
    const slotOf = (r: Run) => r.at - (r.lagMs ?? 0);
    const runs = fleet.runs.filter(
      (r) => r.source === 'schedule' && slotOf(r) >= from && slotOf(r) < from + PERIOD_MS,
    );
    const per = new Map<string, number>();
    for (const r of runs) per.set(r.target, (per.get(r.target) ?? 0) + 1);
    const missed = names.filter((n) => !per.has(n));
    const twice = [...per].filter(([, n]) => n > 1).map(([t]) => t);
    const outcomes = new Map<string, number>();
    for (const r of runs) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    const lag = Math.max(...runs.map((r) => r.lagMs ?? 0));
    const wall = Math.max(...runs.map((r) => r.at + r.durationMs)) - Math.min(...runs.map((r) => r.at));
    const skipped = fleet.skipped.filter((l) => {
      const at = Date.parse(l.split(' ')[0] ?? '');
      return at >= from && at < from + PERIOD_MS;
    });
    console.log(
      `period ${clock(from)}-${clock(from + PERIOD_MS)}: ${runs.length} runs of ${per.size} targets (missed ${missed.length}, twice ${twice.length}, slots skipped ${skipped.length}); ${[...outcomes].map(([o, n]) => `${n} ${o}`).join(', ')}`,
    );
    console.log(
      `  wall time ${s(wall)} (first start to last end; the runs' own time added up ${s(runs.reduce((n, r) => n + r.durationMs, 0))}); largest lag behind a slot ${lag} ms (${(lag / alone).toFixed(1)}x one run alone), median lag ${median(runs.map((r) => r.lagMs ?? 0))} ms`,
    );
    if (missed.length || twice.length) failed = true;
  }
  console.log(
    `pages and notices sent: ${pages.length}${pages.length ? ` (${pages.map((p) => `${p.target} ${p.state}`).join(', ')})` : ''}`,
  );
  console.log(
    `peak RSS of serve (VmHWM): ${mib(peakKib)}, ${(peakKib / oneKib).toFixed(2)}x serve of one target (${mib(oneKib)}), ${(peakKib / nodeKib).toFixed(2)}x node -e 0; RSS at the end of each period ${rssAfter.map(mib).join(', ')}, at the end ${mib(nowKib)}`,
  );
  if (pages.length) failed = true;
} finally {
  for (const serve of serves) await stop(serve);
  await box.stop();
  hook.close();
  rmSync(dir, { recursive: true, force: true });
}
if (failed) {
  console.log('FAILED: a target missed a period, ran twice in one, or paged');
  process.exitCode = 1;
}
