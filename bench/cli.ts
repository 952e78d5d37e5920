/**
 * The CLI as a user runs it, a process from start to exit: `npx tsx bench/cli.ts` (part of `npm run bench`).
 * Each figure is the median of several fresh processes, printed beside a reference measured in the same run:
 *   - `download-doctor --help` (the cold start of the command), against `node -e 0` (Node.js's own start);
 *   - `download-doctor check end-to-end` of a small sentinel, against curl of the same URL and `node -e 0`, and
 *     against its floor: a script bundled as the CLI is that imports undici's client and makes the check's three
 *     requests (the download and its HEAD at once, then the conditional GET), the body through sha256;
 *   - the same check of a 1 GiB sentinel (streamed through sha256), time and peak RSS, against
 *     `curl | sha256sum`.
 * Goals (issue 10): the small check at most 0.15 s and 80 MiB; the 1 GiB check at most 100 MiB, no slower than
 * the reference. Wall time is taken around the spawn; peak RSS is GNU time's %M.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE, builtinsByRequire } from '../scripts/dist.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const BIN = join(ROOT, 'dist/cli/bin.js');
const SMALL = Buffer.from('download-doctor bench sentinel\n');
const BIG = 1024 ** 3;
const BLOCK = Buffer.alloc(1024 * 1024, 'download-doctor ');

interface Sample {
  ms: number;
  rssMiB: number;
}

/** One process under GNU time: its wall time (ms, measured here) and peak RSS (MiB). */
function once(command: string, args: string[], cwd: string): Promise<Sample> {
  const rss = join(cwd, 'rss');
  return new Promise((resolve, reject) => {
    const start = performance.now();
    execFile(
      '/usr/bin/time',
      ['-f', '%M', '-o', rss, command, ...args],
      { cwd, maxBuffer: 1 << 24 },
      (err) => {
        const ms = performance.now() - start;
        if (err) return reject(new Error(`${command} ${args.join(' ')}: ${err.message}`));
        resolve({ ms, rssMiB: Number(readFileSync(rss, 'utf8').trim().split('\n').pop()) / 1024 });
      },
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function measure(runs: number, command: string, args: string[], cwd: string): Promise<Sample> {
  await once(command, args, cwd); // warm: caches, V8's compile cache
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(command, args, cwd));
  return { ms: median(samples.map((s) => s.ms)), rssMiB: median(samples.map((s) => s.rssMiB)) };
}

const server = http.createServer((req, res) => {
  if (req.url?.startsWith('/app/')) {
    res.writeHead(200, { 'X-Accel-Redirect': '/_storage/bench.txt', 'Content-Length': 0 }).end();
  } else if (req.url?.startsWith('/big/')) {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BIG });
    let sent = 0;
    const pump = (): void => {
      while (sent < BIG) {
        sent += BLOCK.length;
        if (!res.write(BLOCK)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  } else res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': SMALL.length }).end(SMALL);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const dir = mkdtempSync(join(tmpdir(), 'dd-bench-cli-'));
try {
  const bigSha = createHash('sha256');
  for (let sent = 0; sent < BIG; sent += BLOCK.length) bigSha.update(BLOCK);
  const target = (name: string, url: string, sha256: string, size: number) => ({
    name,
    sentinel: { sha256, size },
    app: { url: `${base}/app/`, offload: { header: 'X-Accel-Redirect', value: '/_storage/bench.txt' } },
    endToEnd: { url, timeoutMs: 300_000 },
  });
  const smallSha = createHash('sha256').update(SMALL).digest('hex');
  writeFileSync(
    join(dir, 'small.json'),
    JSON.stringify({ targets: [target('small', `${base}/small/`, smallSha, SMALL.length)] }),
  );
  writeFileSync(
    join(dir, 'big.json'),
    JSON.stringify({ targets: [target('big', `${base}/big/`, bigSha.digest('hex'), BIG)] }),
  );

  // The floor: Node.js, undici's client as the probe imports it, and the check's requests; nothing else.
  writeFileSync(
    join(dir, 'floor-src.mjs'),
    `import Client from 'undici/lib/dispatcher/client.js';
import request from 'undici/lib/api/api-request.js';
import { createHash } from 'node:crypto';
const url = new URL(process.argv[2]);
const once = async (method, headers = {}) => {
  const client = new Client(url.origin, { pipelining: 1 });
  const r = await request.call(client, { path: url.pathname, method, headers });
  const sha = createHash('sha256');
  for await (const chunk of r.body) sha.update(chunk);
  await client.destroy();
  return r.headers;
};
const [got] = await Promise.all([once('GET', { 'accept-encoding': 'gzip, deflate, br, zstd' }), once('HEAD')]);
await once('GET', got.etag ? { 'if-none-match': got.etag } : {});
`,
  );
  await build({
    ...BUNDLE,
    entryPoints: [join(dir, 'floor-src.mjs')],
    outdir: join(dir, 'floor'),
    nodePaths: [join(ROOT, 'node_modules')],
  });
  await builtinsByRequire(join(dir, 'floor'));
  writeFileSync(
    join(dir, 'floor', 'entry.mjs'),
    "import module from 'node:module';\nmodule.enableCompileCache();\nawait import('./floor-src.js');\n",
  );

  const node0 = await measure(9, NODE, ['-e', '0'], dir);
  // --liftoff-only: without it this script's process stays up about 100 ms after its last request, while V8
  // optimizes undici's WASM parser; the CLI's process exits as it prints (measured), so the floor must not wait.
  const floorArgs = ['--liftoff-only', join(dir, 'floor', 'entry.mjs'), `${base}/small/`];
  const floor = await measure(9, NODE, floorArgs, dir);
  const help = await measure(9, NODE, [BIN, '--help'], dir);
  const check = await measure(9, NODE, [BIN, 'check', 'end-to-end', '--config', 'small.json'], dir);
  const curl = await measure(9, 'curl', ['-sf', '-o', '/dev/null', `${base}/small/`], dir);
  const big = await measure(3, NODE, [BIN, 'check', 'end-to-end', '--config', 'big.json'], dir);
  const bigCurl = await measure(3, 'sh', ['-c', `curl -sf ${base}/big/ | sha256sum`], dir);

  const row = (what: string, s: Sample, ref: Sample, refName: string) =>
    `${what.padEnd(42)}${`${(s.ms / 1000).toFixed(3)} s`.padStart(10)}${`${s.rssMiB.toFixed(0)} MiB`.padStart(10)}   ` +
    `${(s.ms / ref.ms).toFixed(2)}x the time, ${(s.rssMiB / ref.rssMiB).toFixed(1)}x the memory of ${refName}`;
  const version = execFileSync(NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  console.log(`download-doctor as a process, median of fresh runs (Node.js ${version}, dist/cli)\n`);
  console.log(`${'what'.padEnd(42)}${'wall'.padStart(10)}${'peak RSS'.padStart(10)}`);
  console.log(row('node -e 0 (reference)', node0, node0, 'itself'));
  console.log(row('download-doctor --help', help, node0, 'node -e 0'));
  console.log(row('curl, small sentinel (reference)', curl, curl, 'itself'));
  console.log(row('download-doctor check end-to-end, small', check, curl, 'curl'));
  console.log(`${''.padEnd(62)}   ${(check.ms / node0.ms).toFixed(2)}x the time of node -e 0`);
  console.log(row('floor: Node.js, undici and the 3 requests', floor, node0, 'node -e 0'));
  console.log(
    `${''.padEnd(62)}   the check takes ${(check.ms / floor.ms).toFixed(2)}x the time of its floor`,
  );
  console.log(row('curl | sha256sum, 1 GiB (reference)', bigCurl, bigCurl, 'itself'));
  console.log(row('download-doctor check end-to-end, 1 GiB', big, bigCurl, 'curl | sha256sum'));
  const goals = [
    [`small check ≤ 0.15 s`, check.ms <= 150],
    [`small check ≤ 80 MiB`, check.rssMiB <= 80],
    [`1 GiB check ≤ 100 MiB`, big.rssMiB <= 100],
    [`1 GiB check no slower than curl | sha256sum`, big.ms <= bigCurl.ms],
  ] as const;
  console.log(`\ngoals: ${goals.map(([goal, met]) => `${goal}: ${met ? 'met' : 'NOT met'}`).join('; ')}`);
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
