/**
 * Memory and speed of the HTTP probe, and of the end-to-end check of a big sentinel, on a body larger than 1 GiB
 * (nginx's default proxy_max_temp_file_size): `npx tsx bench/memory-1gib.ts`.
 *
 * A loopback node:http server streams 1 GiB + 1 MiB of deterministic bytes, generated on the fly (it answers HEAD
 * and a conditional GET as a download route does, and the app route with X-Accel-Redirect). Each client reads it
 * in its own process, so that its peak RSS is its own and not the server's:
 *   - curl -o /dev/null (the floor: no hashing, C),
 *   - a raw undici.request that only drains it,
 *   - httpProbe with body 'hash' (sha256 of every byte),
 *   - `download-doctor check end-to-end` as it ships (dist/cli/bin.js): the download as a browser asks for it,
 *     read up to the sentinel's size, with its HEAD and conditional GET, judged; its peak RSS is read by a module
 *     preloaded into that process (bench/rss-on-exit.mjs).
 * The same file is the child (`... memory-1gib.ts child <mode> <url>`), which prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { httpProbe } from '../functions/probes/http.ts';

/** Past nginx's 1 GiB temp-file limit, as a big sentinel is. */
const SIZE = 1024 ** 3 + 1024 ** 2;
const BLOCK = 1024 * 1024;
/** The big sentinel's check must stay within this peak RSS (issue 12). */
const RSS_BUDGET_MIB = 100;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One pseudo-random 1 MiB block (xorshift32, fixed seed); block i carries i in its first 4 bytes. */
const baseBlock = (() => {
  const block = Buffer.alloc(BLOCK);
  let x = 0x9e3779b9;
  for (let i = 0; i < BLOCK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  return block;
})();

function block(i: number): Buffer {
  const b = Buffer.from(baseBlock);
  b.writeUInt32LE(i, 0);
  return b;
}

interface ChildResult {
  ms: number;
  bytes: number;
  sha256?: string;
  maxRssMiB: number;
}

async function child(mode: string, url: string): Promise<void> {
  const start = performance.now();
  let result: Omit<ChildResult, 'maxRssMiB'>;
  if (mode === 'probe') {
    const obs = await httpProbe({
      url,
      headers: {},
      timeoutMs: 600_000,
      connectTimeoutMs: 5_000,
      body: 'hash',
    });
    if (!obs.reached) throw new Error(`${obs.kind}: ${obs.error}`);
    result = {
      ms: performance.now() - start,
      bytes: obs.bytes,
      ...(obs.sha256 ? { sha256: obs.sha256 } : {}),
    };
  } else if (mode === 'undici') {
    const { body } = await request(url);
    let bytes = 0;
    for await (const chunk of body) bytes += (chunk as Buffer).length;
    result = { ms: performance.now() - start, bytes };
  } else {
    result = { ms: 0, bytes: 0 }; // idle: the baseline of node + tsx + the imports
  }
  // maxRSS is in KiB.
  const out: ChildResult = { ...result, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function run(command: string, args: string[], stderr: 'inherit' | 'pipe' = 'inherit'): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', stderr] });
    let stdout = '';
    proc.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    let errors = '';
    proc.stderr?.on('data', (d: Buffer) => {
      errors += d.toString();
    });
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0
        ? resolvePromise(stderr === 'pipe' ? `${stdout}\n${errors}` : stdout)
        : reject(new Error(`${command} exited with ${code}: ${errors}`)),
    );
  });
}

/**
 * The end-to-end check of a big sentinel as the CLI runs it (`check end-to-end --format json`), with its peak RSS
 * printed at exit by the preloaded bench/rss-on-exit.mjs.
 */
async function runCheckCommand(
  base: string,
  sha256: string,
): Promise<ChildResult & { ok: boolean; kind?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'dd-bench-big-'));
  try {
    const config = join(dir, 'download-doctor.config.json');
    const target = {
      name: 'big',
      sentinel: { sha256, size: SIZE },
      app: {
        url: `${base}/app/`,
        offload: { header: 'X-Accel-Redirect', value: '/_storage/sentinel-1gib.bin' },
      },
      endToEnd: {
        url: `${base}/sentinel-1gib.bin`,
        timeoutMs: 600_000,
        headProbe: true,
        conditionalProbe: true,
      },
    };
    writeFileSync(config, JSON.stringify({ targets: [target] }));
    const start = performance.now();
    const cli = [
      join(ROOT, 'dist/cli/bin.js'),
      'check',
      'end-to-end',
      '--config',
      config,
      '--format',
      'json',
    ];
    const out = await run(
      process.execPath,
      ['--import', join(ROOT, 'bench/rss-on-exit.mjs'), ...cli],
      'pipe',
    );
    const ms = performance.now() - start;
    const rss = /DD_MAX_RSS_KIB (\d+)/.exec(out)?.[1];
    const result = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as {
      ok: boolean;
      kind?: string;
      observed: { bytes?: number; sha256?: string };
    };
    return {
      ms,
      bytes: result.observed.bytes ?? 0,
      ...(result.observed.sha256 ? { sha256: result.observed.sha256 } : {}),
      maxRssMiB: Number(rss) / 1024,
      ok: result.ok,
      ...(result.kind ? { kind: result.kind } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(mode: string, url: string): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  return run(process.execPath, ['--import', 'tsx', self, 'child', mode, url]).then(
    (out) => JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult,
  );
}

async function main(): Promise<void> {
  // The server writes block after block, waiting for 'drain': it never holds more than a few blocks.
  const etag = '"big-sentinel"';
  const server = http.createServer((req, res) => {
    // The app's answer: the offload header and no body.
    if (req.url?.startsWith('/app/')) {
      res.writeHead(200, { 'X-Accel-Redirect': '/_storage/sentinel-1gib.bin', 'Content-Length': '0' }).end();
      return;
    }
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { ETag: etag }).end();
    const headers = {
      'Content-Length': String(SIZE),
      'Content-Type': 'application/octet-stream',
      ETag: etag,
    };
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    let i = 0;
    const write = (): void => {
      while (i < SIZE / BLOCK) {
        if (!res.write(block(i++))) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${base}/sentinel-1gib.bin`;

  const expected = createHash('sha256');
  for (let i = 0; i < SIZE / BLOCK; i++) expected.update(block(i));
  const expectedSha256 = expected.digest('hex');

  console.log(`1 GiB + 1 MiB from ${url}, node ${process.version}\n`);
  const idle = await runChild('idle', url);
  const curlOut = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{time_total} %{size_download}', url]);
  const [curlSeconds, curlBytes] = curlOut.trim().split(' ').map(Number);
  const curl = { ms: (curlSeconds ?? Number.NaN) * 1000, bytes: curlBytes ?? 0 };
  const undici = await runChild('undici', url);
  const probe = await runChild('probe', url);
  const check = await runCheckCommand(base, expectedSha256);
  server.close();

  const rows: [string, { ms: number; bytes: number; maxRssMiB?: number }][] = [
    ['curl -o /dev/null', curl],
    ['undici.request, drain', undici],
    ['httpProbe, sha256', probe],
    ['check end-to-end (CLI)', check],
  ];
  const pad = (s: string, n: number): string => s.padEnd(n);
  console.log(
    `${pad('client', 24)}${pad('time (s)', 10)}${pad('MiB/s', 8)}${pad('vs curl', 9)}${pad('vs undici', 11)}peak RSS (MiB)`,
  );
  for (const [name, r] of rows) {
    console.log(
      pad(name, 24) +
        pad((r.ms / 1000).toFixed(2), 10) +
        pad((r.bytes / 1024 ** 2 / (r.ms / 1000)).toFixed(0), 8) +
        pad(`${(r.ms / curl.ms).toFixed(2)}x`, 9) +
        pad(`${(r.ms / undici.ms).toFixed(2)}x`, 11) +
        (r.maxRssMiB === undefined ? '-' : r.maxRssMiB.toFixed(0)),
    );
  }
  console.log(`${pad('(node + tsx, idle)', 62)}${idle.maxRssMiB.toFixed(0)}`);

  const ok =
    probe.bytes === SIZE &&
    probe.sha256 === expectedSha256 &&
    undici.bytes === SIZE &&
    curl.bytes === SIZE &&
    check.ok &&
    check.sha256 === expectedSha256;
  console.log(
    `\nsha256 ${probe.sha256 === expectedSha256 ? 'matches' : 'DIFFERS'} (${expectedSha256.slice(0, 16)}…)`,
  );
  console.log(`probe peak RSS over the idle baseline: ${(probe.maxRssMiB - idle.maxRssMiB).toFixed(0)} MiB`);
  const within = check.maxRssMiB <= RSS_BUDGET_MIB;
  console.log(
    `the big sentinel's end-to-end check (the CLI): ${check.ok ? 'passed' : `FAILED (${check.kind})`}, peak RSS ` +
      `${check.maxRssMiB.toFixed(0)} MiB (budget ${RSS_BUDGET_MIB} MiB: ${within ? 'within' : 'OVER'})`,
  );
  if (!ok || !within) process.exitCode = 1;
}

const [, , role, mode, url] = process.argv;
if (role === 'child' && mode && url) await child(mode, url);
else await main();
