/**
 * download-doctor as a platform team installs it: the tarball of `npm pack`, installed offline (from the tarball
 * and npm's cache) into a new CDK app outside the repository, laid out by the pinned aws-cdk CLI's own
 * `cdk init app --language typescript`. There: the CLI's help; `init` against the nginx + S3 sandbox, then a
 * healthy `run` with the config it wrote; the app, which imports that config and `download-doctor/cdk`, passes
 * `tsc` and synthesizes offline, its Lambda code the package's prebuilt bundles byte for byte (nothing bundles at
 * synth: the template's tsx brings esbuild along, unused); and the library's entries load nothing else.
 */
import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';
import { cfnLint } from '../fixtures/cdk.ts';
import { CONSUMER } from './consumer-deps.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const CDK = join(ROOT, 'node_modules/.bin/cdk');

let work: string;
let app: string;
let env: NodeJS.ProcessEnv;
let box: Sandbox;
let tarball: string;

/** Runs a command in the app's directory with Node.js 22 first on PATH; resolves with its output and exit code. */
function sh(command: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  return new Promise<{ code: number; out: string; err: string }>((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd ?? app,
        env,
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 1 << 26,
      },
      (error, out, err) => {
        if (error && typeof error.code !== 'number')
          reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${err}`));
        else resolve({ code: error ? (error.code as number) : 0, out, err });
      },
    );
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dd-package-'));
  // Node.js 22 (the project's, from the `node` package) and nothing else of the repository on PATH.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'node_modules/node/bin/node'), join(bin, 'node'));
  env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && !k.startsWith('AWS_')),
  );
  Object.assign(env, {
    PATH: `${bin}:${process.env.PATH}`,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  });

  const [packed, sandbox] = await Promise.all([
    sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], { cwd: ROOT }),
    startSandbox({ variant: 'nginx-s3' }),
  ]);
  box = sandbox;
  expect(packed.code, packed.err).toBe(0);
  tarball = join(work, packed.out.trim().split('\n').at(-1) ?? '');

  // The app as `cdk init` lays it out; its test tooling (jest, swc) is left out, as nothing here runs it.
  app = join(work, 'downloads-app');
  mkdirSync(app);
  const init = await sh(CDK, ['init', 'app', '--language', 'typescript', '--generate-only'], { cwd: app });
  expect(init.code, init.err).toBe(0);
  // Versions pinned to those npm's cache holds (scripts/setup.sh fills it): the install below is offline.
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ ...manifest, ...CONSUMER }, null, 2));
  rmSync(join(app, 'test'), { recursive: true });
  rmSync(join(app, 'jest.config.js'));
  const tsconfig = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8'));
  tsconfig.compilerOptions.types = ['node'];
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const install = await sh('npm', ['install', '--no-save', tarball], { timeoutMs: 240_000 });
  expect(install.code, install.err).toBe(0);
}, 360_000);

afterAll(async () => {
  await box?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball, installed into a new CDK app', () => {
  it('ships the compiled CLI, library and Lambda bundles, and no tests or benchmarks', async () => {
    const listed = await sh('tar', ['tzf', tarball]);
    const files = listed.out.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/cli/bin.js');
    expect(files).toContain('package/dist/functions/index.d.ts');
    expect(files).toContain('package/dist/infra/index.js');
    expect(files).toContain('package/dist/lambda/end-to-end/index.mjs');
    // The docs pages the README links, for a user who reads them in node_modules, and the config's JSON Schema.
    const docs = readdirSync(new URL('../../docs/', import.meta.url)).map((f) => `package/docs/${f}`);
    expect(docs).toEqual(
      expect.arrayContaining(['package/docs/config.md', 'package/docs/config.schema.json']),
    );
    expect(files).toEqual(expect.arrayContaining(docs));
    expect(files.some((f) => /^package\/(test|bench|scripts)\//.test(f) || f.endsWith('.test.ts'))).toBe(
      false,
    );
    console.log(`tarball: ${(statSync(tarball).size / 1e6).toFixed(2)} MB, ${files.length} files`);
  });

  it('runs `npx download-doctor --help` from the installed bin', async () => {
    const help = await sh('npx', ['download-doctor', '--help']);
    expect(help.code, help.err).toBe(0);
    expect(help.out).toContain('Usage: download-doctor');
  });

  it('init writes a config from the live sandbox, and run with it is healthy', async () => {
    const t = box.config.targets[0];
    if (!t) throw new Error('the sandbox has no target');
    const init = await sh('npx', [
      'download-doctor',
      'init',
      '--download',
      t.endToEnd.url,
      '--app',
      t.app.url,
      '--name',
      'staging',
    ]);
    expect(init.code, init.err).toBe(0);
    const run = await sh('npx', ['download-doctor', 'run']);
    expect(run.out).toContain('staging: HEALTHY');
    expect(run.code, run.out + run.err).toBe(0);
  });

  it('type-checks and synthesizes a stack with the construct, offline, deploying the prebuilt bundles', async () => {
    const stackFile = readdirSync(join(app, 'lib')).find((f) => f.endsWith('-stack.ts')) ?? '';
    const source = readFileSync(join(app, 'lib', stackFile), 'utf8')
      .replace(
        "import { Construct } from 'constructs';",
        [
          "import { Construct } from 'constructs';",
          "import * as ec2 from 'aws-cdk-lib/aws-ec2';",
          "import { AwsSolutionsChecks } from 'cdk-nag';",
          "import { DownloadHealthchecks } from 'download-doctor/cdk';",
          "import config from '../download-doctor.config';",
        ].join('\n'),
      )
      .replace(
        '// The code that defines your stack goes here',
        // The config init wrote points at private addresses (the sandbox's loopback): the checks join the app's
        // VPC, named by its attributes so that synth stays offline (a user might use Vpc.fromLookup instead).
        [
          "const vpc = ec2.Vpc.fromVpcAttributes(this, 'AppVpc', {",
          "  vpcId: 'vpc-0123456789abcdef0',",
          "  availabilityZones: ['eu-west-1a', 'eu-west-1b'],",
          "  privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],",
          '});',
          "new DownloadHealthchecks(this, 'Downloads', { config, vpc, defaultSchedule: cdk.Duration.minutes(5) });",
          'cdk.Validations.of(this).addPlugins(new AwsSolutionsChecks(this));',
        ].join('\n'),
      );
    expect(source).toContain('new DownloadHealthchecks');
    writeFileSync(join(app, 'lib', stackFile), source);

    const tsc = await sh('npx', ['tsc', '--noEmit']);
    expect(tsc.code, tsc.out + tsc.err).toBe(0);
    const synth = await sh('npx', ['cdk', 'synth', '--no-notices', '--quiet'], { timeoutMs: 240_000 });
    expect(synth.code, synth.err).toBe(0);
    const templateFile =
      readdirSync(join(app, 'cdk.out')).find((f) => f.endsWith('.template.json')) ?? 'missing';
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', templateFile), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(8);
    const prebuilt = readdirSync(join(app, 'node_modules/download-doctor/dist/lambda')).map((name) =>
      readFileSync(join(app, 'node_modules/download-doctor/dist/lambda', name, 'index.mjs'), 'utf8'),
    );
    for (const fn of functions) {
      const code = readFileSync(
        join(app, 'cdk.out', fn.Metadata?.['aws:asset:path'] ?? 'missing', 'index.mjs'),
        'utf8',
      );
      expect(prebuilt).toContain(code);
    }
    // The consumer's template, as CloudFormation would take it: cfn-lint finds no error (cdk-nag ran at synth).
    expect(cfnLint(join(app, 'cdk.out', templateFile)).errors).toEqual([]);
    const layers = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::LayerVersion');
    const layerAsset = join(app, 'cdk.out', layers[0]?.Metadata?.['aws:asset:path'] ?? 'missing');
    expect(
      JSON.parse(readFileSync(join(layerAsset, 'download-doctor/config.json'), 'utf8')).targets[0].name,
    ).toBe('staging');
  }, 300_000);

  it.each([
    ['download-doctor', ['/dist/cli/', '/sandbox/', 'undici', '@aws-sdk', 'aws-cdk-lib', 'commander']],
    ['download-doctor/cdk', ['/dist/cli/', '/sandbox/', 'undici', '@aws-sdk', 'commander']],
  ])('a library import of %s loads neither the CLI nor the sandbox', async (entry, forbidden) => {
    const probe = `
      const seen = [];
      require('node:module').registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
      import(${JSON.stringify(entry)}).then(() => console.log(JSON.stringify(seen)));`;
    const r = await sh('node', ['-e', probe]);
    expect(r.code, r.err).toBe(0);
    const loaded = JSON.parse(r.out) as string[];
    expect(loaded.some((u) => u.includes('/node_modules/download-doctor/dist/'))).toBe(true);
    for (const word of forbidden)
      expect(
        loaded.filter((u) => u.includes(word)),
        word,
      ).toEqual([]);
  });

  it('loads download-doctor/cdk with require(), as a CommonJS app does', async () => {
    const r = await sh('node', [
      '-e',
      "console.log(typeof require('download-doctor/cdk').DownloadHealthchecks)",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe('function');
  });
});
