/**
 * Size and cold `import` time of each prebuilt Lambda bundle (dist/lambda/NAME/index.mjs, as the package ships
 * and the construct deploys them): `npx tsx bench/lambda-bundles.ts`. Each is imported in a fresh Node.js 22
 * process with the example config where the config layer would put it; the reference is a fresh process that
 * imports an empty module, measured in the same run. Goal (issue 10): at most 150 ms each.
 * The runs go round-robin (every bundle once, then again): the machine's drift hits every bundle alike.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TARGET_ALARMS } from '../functions/alerting/rules.ts';
import { CONFIG_IN_LAYER, DEPLOYMENT_IN_LAYER, RUNBOOKS_IN_LAYER } from '../functions/contract/workflow.ts';
import { parseConfig, readConfigFile } from '../functions/probes/config-file.ts';
import { configLayerFiles } from '../infra/config-layer.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const BUNDLES = join(ROOT, 'dist/lambda');
const RUNS = 11;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const dir = mkdtempSync(join(tmpdir(), 'dd-bench-bundles-'));
// The config layer as the construct writes it, from the example config.
const { raw, shown } = await readConfigFile(join(ROOT, 'examples/download-doctor.config.ts'));
const config = parseConfig(raw, shown);
const layer = configLayerFiles(raw, config, {
  targets: config.targets.map((t) => ({ name: t.name, periodMs: 300_000 })),
  rules: [...TARGET_ALARMS],
  metrics: 'summary',
  spreadMs: { '300000': 30_000 },
  graceMs: 330_000,
});
const configFile = join(dir, CONFIG_IN_LAYER);
mkdirSync(dirname(configFile), { recursive: true });
writeFileSync(configFile, layer.config);
writeFileSync(join(dir, RUNBOOKS_IN_LAYER), layer.runbooks);
writeFileSync(join(dir, DEPLOYMENT_IN_LAYER), layer.deployment);
// What the construct sets for the functions that need them (the notifier and report read these at cold start).
const env = {
  ...process.env,
  DOWNLOAD_DOCTOR_CONFIG_FILE: configFile,
  REPORT_BUCKET: 'bench',
  PAGE_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
  MONITOR_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench-monitor',
  ALARM_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench-alarms',
  TABLE_NAME: 'bench',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:bench',
  INSTANCE_NAME: 'bench',
  CHECK_FUNCTIONS: JSON.stringify({ 'end-to-end': 'e', app: 'a', storage: 's', proxy: 'p' }),
  AWS_REGION: 'us-east-1',
  // The probe function of another location (DownloadProbes): the home's Region, table and queue, by name.
  HOME_REGION: 'us-east-1',
  LOCATION: 'bench-location',
  SLOTS_TABLE: 'bench-slots',
  DECIDE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-decide',
};

/** One fresh process importing `file`: the import's wall time, in ms. */
function importMs(file: string): number {
  const script = `const t=performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now()-t)`;
  return Number(execFileSync(NODE, ['--input-type=module', '-e', script], { encoding: 'utf8', env }).trim());
}

/** The median cold import of each file, the runs round-robin; a first round only warms the file cache. */
function coldImportMs(files: string[]): number[] {
  const samples = files.map((): number[] => []);
  for (let round = 0; round <= RUNS; round++) {
    files.forEach((file, i) => {
      const ms = importMs(file);
      if (round > 0) samples[i]?.push(ms);
    });
  }
  return samples.map(median);
}

try {
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const names = readdirSync(BUNDLES).sort();
  const files = names.map((name) => join(BUNDLES, name, 'index.mjs'));
  const [reference = Number.NaN, ...times] = coldImportMs([empty, ...files]);
  console.log(`cold import of each prebuilt bundle, median of ${RUNS} fresh processes`);
  console.log(
    `${'function'.padEnd(12)} ${'size'.padStart(9)} ${'gzip'.padStart(9)} ${'import'.padStart(10)}  vs empty module (${reference.toFixed(1)} ms)`,
  );
  const over: string[] = [];
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  names.forEach((name, i) => {
    const file = files[i] ?? '';
    const ms = times[i] ?? Number.NaN;
    if (!(ms <= 150)) over.push(name);
    console.log(
      `${name.padEnd(12)} ${kib(statSync(file).size).padStart(9)} ${kib(gzipSync(readFileSync(file)).length).padStart(9)} ${`${ms.toFixed(1)} ms`.padStart(10)}  ${(ms / reference).toFixed(1)}x`,
    );
  });
  console.log(`\ngoal: each ≤ 150 ms: ${over.length ? `NOT met (${over.join(', ')})` : 'met'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
