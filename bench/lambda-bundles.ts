/**
 * Size and cold `import` time of each prebuilt Lambda bundle (dist/lambda/NAME/index.mjs, as the package ships
 * and the construct deploys them): `npx tsx bench/lambda-bundles.ts`. Each is imported in a fresh Node.js 22
 * process with the example config where the config layer would put it; the reference is a fresh process that
 * imports an empty module, measured in the same run. Goal (issue 10): at most 150 ms each.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readConfigFile } from '../functions/config-file.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const BUNDLES = join(ROOT, 'dist/lambda');
const RUNS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const dir = mkdtempSync(join(tmpdir(), 'dd-bench-bundles-'));
const { raw } = await readConfigFile(join(ROOT, 'examples/download-doctor.config.ts'));
const configFile = join(dir, 'config.json');
writeFileSync(configFile, JSON.stringify(raw));
// What the construct sets for the functions that need them (the notifier and report read these at cold start).
const env = {
  ...process.env,
  DOWNLOAD_DOCTOR_CONFIG_FILE: configFile,
  REPORT_BUCKET: 'bench',
  PAGE_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:bench',
  INSTANCE_NAME: 'bench',
  CHECK_FUNCTIONS: JSON.stringify({ 'end-to-end': 'e', app: 'a', storage: 's', proxy: 'p' }),
  AWS_REGION: 'us-east-1',
};

function coldImportMs(file: string): number {
  const samples: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const script = `const t=performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now()-t)`;
    const out = execFileSync(NODE, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
    if (i > 0) samples.push(Number(out.trim())); // the first run only warms the file cache
  }
  return median(samples);
}

try {
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const reference = coldImportMs(empty);
  console.log(`cold import of each prebuilt bundle, median of ${RUNS} fresh processes`);
  console.log(
    `${'function'.padEnd(12)} ${'size'.padStart(9)} ${'gzip'.padStart(9)} ${'import'.padStart(10)}  vs empty module (${reference.toFixed(1)} ms)`,
  );
  const over: string[] = [];
  for (const name of readdirSync(BUNDLES).sort()) {
    const file = join(BUNDLES, name, 'index.mjs');
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    const ms = coldImportMs(file);
    if (ms > 150) over.push(name);
    console.log(
      `${name.padEnd(12)} ${kib(statSync(file).size).padStart(9)} ${kib(gzipSync(readFileSync(file)).length).padStart(9)} ${`${ms.toFixed(1)} ms`.padStart(10)}  ${(ms / reference).toFixed(1)}x`,
    );
  }
  console.log(`\ngoal: each ≤ 150 ms: ${over.length ? `NOT met (${over.join(', ')})` : 'met'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
