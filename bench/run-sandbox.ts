/**
 * How long a healthy `run` takes on the sandbox: `npx tsx bench/run-sandbox.ts`.
 *
 * Absolute times on a shared machine are noisy, so each figure is printed with its ratio to a reference measured
 * in the same run against the same servers:
 *   - in-process: the whole workflow (local engine, stage 1 in parallel, diagnose) against the same raw undici
 *     requests, draining the bodies: the download then its conditional GET, beside them the end-to-end check's
 *     negative, range and HEAD probes (the sandbox turns them on), the app and its HEAD;
 *   - as a command: `bin/download-doctor run` of the written target (process start included) against `curl` of
 *     the download and the app.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { runTarget } from '../cli/run.ts';
import type { Target } from '../functions/config/schema.ts';
import { validateConfig } from '../functions/config/validate.ts';
import { startSandbox } from '../sandbox/stack.ts';

const IN_PROCESS_RUNS = 30;
const COMMAND_RUNS = 5;
const BIN = new URL('../bin/download-doctor', import.meta.url).pathname;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function timed(n: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

async function drain(
  url: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'HEAD' = 'GET',
): Promise<string | undefined> {
  const res = await request(url, { method, headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  for await (const _ of res.body) {
    // read every byte, as the checks do
  }
  const etag = res.headers.etag;
  return typeof etag === 'string' ? etag : undefined;
}

const box = await startSandbox();
try {
  Object.assign(process.env, box.env);
  const v = validateConfig(box.config);
  if (!v.ok) throw new Error('invalid sandbox config');
  const target = v.config.targets[0] as Target;
  const urls = [target.endToEnd.url, target.app.url];
  const browser = { 'accept-encoding': 'gzip, deflate, br, zstd' };
  // The same requests as the checks: the download (as a browser asks), then a conditional GET with its ETag;
  // beside it the negative, range and HEAD probes; the app and its HEAD.
  const probes = () => [
    drain(target.endToEnd.url, browser).then((etag) =>
      drain(target.endToEnd.url, { ...browser, ...(etag ? { 'if-none-match': etag } : {}) }),
    ),
    drain(target.endToEnd.internalUrl ?? target.endToEnd.url),
    drain(target.endToEnd.url, { range: 'bytes=0-9' }),
    drain(target.endToEnd.url, browser, 'HEAD'),
    drain(target.app.url),
    drain(target.app.url, {}, 'HEAD'),
  ];
  const file = join(box.dir, 'download-doctor.config.json');
  writeFileSync(file, JSON.stringify(box.config));

  // Warm up both sides (gunicorn workers, the S3 client, the JIT).
  for (let i = 0; i < 3; i++) {
    await runTarget(v.config, target);
    await Promise.all(probes());
  }
  const workflow = await timed(IN_PROCESS_RUNS, async () => {
    const { report } = await runTarget(v.config, target);
    if (report.verdict.status !== 'healthy') throw new Error(`not healthy: ${report.verdict.summary}`);
  });
  const raw = await timed(IN_PROCESS_RUNS, () => Promise.all(probes()));
  const command = await timed(COMMAND_RUNS, () =>
    execFileSync(BIN, ['run', '--config', file, '--target', target.name], { stdio: 'ignore' }),
  );
  const curl = await timed(COMMAND_RUNS, () =>
    execFileSync('curl', ['-s', '-o', '/dev/null', '-o', '/dev/null', ...urls]),
  );

  const row = (name: string, ms: number, ref: number, refName: string) =>
    `${name.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / ref).toFixed(1).padStart(6)}x ${refName}`;
  console.log(
    `healthy run on the sandbox (median of ${IN_PROCESS_RUNS} in-process, ${COMMAND_RUNS} as a command)`,
  );
  console.log(row('reference: 7 raw undici requests, as the checks', raw, raw, 'raw undici'));
  console.log(row('workflow in-process (engine + checks)', workflow, raw, 'raw undici'));
  console.log(row('reference: curl of the same 2 URLs', curl, curl, 'curl'));
  console.log(row('bin/download-doctor run (process included)', command, curl, 'curl'));
} finally {
  await box.stop();
}
