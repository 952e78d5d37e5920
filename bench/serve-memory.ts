/**
 * The memory of `download-doctor serve` over many runs: `npx tsx bench/serve-memory.ts`.
 *
 * serve (the built CLI, a child process) watches the sandbox's target; the runs come through /probe one after the
 * other (a run like a scheduled one: the workflow, the store, the alarms), fast. Its resident memory (VmRSS, from
 * /proc) after 1,000 runs is printed against after 10, with the steps between: it must level off, not grow with
 * the runs. Beside it, the live JS heap (after a full collection). The history database's size is printed too
 * (on disk: outcomes for a week, reports for the latest 20).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../sandbox/stack.ts';

const ROOT = new URL('../', import.meta.url).pathname;
/** Where the resident memory is read, in runs. */
const CHECKPOINTS = [10, 100, 250, 500, 750, 1000, 1500, 2000];

const rssMiB = (pid: number) => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
};

function startServe(
  config: string,
  db: string,
  env: NodeJS.ProcessEnv,
): Promise<{ proc: ChildProcess; base: string }> {
  const proc = spawn(
    join(ROOT, 'node_modules/.bin/node'),
    [join(ROOT, 'dist/cli/bin.js'), 'serve', '--config', config, '--port', '0', '--db', db],
    { env, cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`serve exited (${code})`)));
    proc.stdout?.on('data', (chunk: Buffer) => {
      const m = / on (http:\/\/\S+) /.exec(chunk.toString());
      if (m?.[1]) resolve({ proc, base: m[1] });
    });
  });
}

/**
 * The live JS heap: a heap snapshot (on SIGUSR2, --heapsnapshot-signal) starts with a full garbage collection, so
 * the heap in use that /metrics reports right after it is what the process holds on to, not garbage not yet
 * collected. The snapshot itself is deleted.
 */
async function liveHeapMiB(child: ChildProcess, base: string): Promise<number> {
  const before = new Set(readdirSync(dir));
  child.kill('SIGUSR2');
  let snapshot: string | undefined;
  for (let i = 0; i < 600 && !snapshot; i++) {
    await new Promise((r) => setTimeout(r, 100));
    snapshot = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
  }
  if (!snapshot) throw new Error('no heap snapshot came');
  // The process answers once the snapshot is written (writing it blocks its event loop).
  const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(120_000) })).text();
  rmSync(join(dir, snapshot));
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1]) / 1024 ** 2;
}

const dir = mkdtempSync(join(tmpdir(), 'dd-serve-bench-'));
const box = await startSandbox();
let proc: ChildProcess | undefined;

/**
 * `runs` runs through /probe, one after the other, on a serve of its own (a history of its own); at each
 * checkpoint, `measure` (which may not come back to the process's memory: a heap snapshot leaves native memory
 * behind, so RSS and the live heap are measured on two processes).
 */
async function series(
  name: string,
  checkpoints: readonly number[],
  measure: (child: ChildProcess, base: string) => Promise<number>,
) {
  const [written] = (box.config as { targets: Record<string, unknown>[] }).targets;
  const { sentinels: _extra, ...target } = written ?? {};
  const config = join(dir, 'download-doctor.config.json');
  // Runs come through /probe only: the schedule's first run at start, then one an hour.
  writeFileSync(config, JSON.stringify({ targets: [{ ...target, schedule: '1h' }] }));
  const db = join(dir, `${name}.db`);
  const serve = await startServe(config, db, {
    ...process.env,
    ...box.env,
    NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2',
  });
  proc = serve.proc;
  const values = new Map<number, number>();
  let failed = 0;
  const started = performance.now();
  for (let run = 1; run <= (checkpoints.at(-1) ?? 0); run++) {
    const res = await fetch(`${serve.base}/probe?target=sandbox`, { signal: AbortSignal.timeout(30_000) });
    if (!/^probe_success 1$/m.test(await res.text())) failed += 1;
    if (checkpoints.includes(run)) values.set(run, await measure(serve.proc, serve.base));
  }
  const seconds = (performance.now() - started) / 1000;
  serve.proc.kill('SIGTERM');
  await new Promise((resolve) => serve.proc.once('exit', resolve));
  return { values, seconds, failed, dbKiB: statSync(db).size / 1024 };
}

const ratio = (m: Map<number, number>, a: number, b: number) =>
  ((m.get(a) ?? 0) / (m.get(b) ?? 1)).toFixed(2);
try {
  const rss = await series('rss', CHECKPOINTS, async (child) => rssMiB(child.pid ?? 0));
  console.log(
    `serve's resident memory (VmRSS) over runs of the sandbox target through /probe (${rss.seconds.toFixed(0)} s; ${rss.failed} not healthy; history ${rss.dbKiB.toFixed(0)} KiB on disk)`,
  );
  for (const [run, mib] of rss.values)
    console.log(
      `after ${String(run).padStart(5)} runs  ${mib.toFixed(1).padStart(6)} MiB  ${ratio(rss.values, run, 10).padStart(5)}x after 10`,
    );
  console.log(
    `after 1,000 runs against after 10: ${ratio(rss.values, 1000, 10)}x; after 2,000 against after 1,000: ${ratio(rss.values, 2000, 1000)}x`,
  );
  const heap = await series('heap', [10, 1000], liveHeapMiB);
  console.log(
    `live JS heap (after a full collection), another serve: after 10 runs ${heap.values.get(10)?.toFixed(1)} MiB, after 1,000 ${heap.values.get(1000)?.toFixed(1)} MiB (${ratio(heap.values, 1000, 10)}x)`,
  );
} finally {
  if (proc?.exitCode === null) proc.kill('SIGTERM');
  await box.stop();
  rmSync(dir, { recursive: true, force: true });
}
