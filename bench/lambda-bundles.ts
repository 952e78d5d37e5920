/**
 * Size and cold `import` time of each Lambda bundle: `npx tsx bench/lambda-bundles.ts`.
 * The bundles are synthesized by the construct (the example config), then each is imported in a fresh Node
 * process; the reference is a fresh Node process that imports an empty module, measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readConfigFile } from '../functions/config-file.ts';
import { CONFIG_IN_LAYER, type HandlerName } from '../functions/core/workflow.ts';
import { DownloadHealthchecks } from '../infra/construct.ts';

const RUNS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function coldImportMs(file: string, env: Record<string, string> = {}): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t=performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now()-t)`,
      ],
      { encoding: 'utf8', env: { ...process.env, ...env } },
    );
    samples.push(Number(out.trim()));
  }
  return median(samples);
}

const { raw } = await readConfigFile('examples/download-doctor.config.ts');
const outdir = mkdtempSync(join(tmpdir(), 'dd-bench-bundles-'));
const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
const stack = new Stack(app, 'Bench');
const hc = new DownloadHealthchecks(stack, 'Healthchecks', { config: raw as never });
const resources = Template.fromStack(stack).toJSON().Resources as Record<
  string,
  { Metadata?: Record<string, string> }
>;

// What the construct gives the functions at cold start: the config layer's file, the bucket, the topic and workflow.
const configLayer =
  resources[stack.getLogicalId(hc.configLayer.node.defaultChild as never)]?.Metadata?.['aws:asset:path'];
const BUNDLE_ENV = {
  DOWNLOAD_DOCTOR_CONFIG_FILE: join(outdir, configLayer ?? '', CONFIG_IN_LAYER),
  REPORT_BUCKET: 'bench-reports',
  PAGE_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:pages',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:bench',
  AWS_REGION: 'us-east-1',
};

const empty = join(outdir, 'empty.mjs');
writeFileSync(empty, 'export {};\n');
const reference = coldImportMs(empty);
console.log(`cold import of each bundle, median of ${RUNS} fresh processes (node ${process.version})`);
console.log(
  `${'function'.padEnd(12)} ${'size'.padStart(9)} ${'gzip'.padStart(9)} ${'import'.padStart(10)}  vs empty module (${reference.toFixed(1)} ms)`,
);
for (const [name, fn] of Object.entries({ ...hc.functions, notifier: hc.notifier }) as [
  HandlerName | 'notifier',
  { node: { defaultChild: unknown } },
][]) {
  const asset = resources[stack.getLogicalId(fn.node.defaultChild as never)]?.Metadata?.['aws:asset:path'];
  const file = join(outdir, asset ?? '', 'index.mjs');
  const size = statSync(file).size;
  const gz = gzipSync(readFileSync(file)).length;
  const ms = coldImportMs(file, BUNDLE_ENV);
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(
    `${name.padEnd(12)} ${kib(size).padStart(9)} ${kib(gz).padStart(9)} ${`${ms.toFixed(1)} ms`.padStart(10)}  ${(ms / reference).toFixed(1)}x`,
  );
}
