/**
 * download-doctor as people install it, from the README's own commands (test/fixtures/doc-blocks.ts: each run as
 * written, its placeholders replaced by this machine's, each named), offline: npm's cache holds what these
 * installs need (the repository's own install, and scripts/setup.sh). The repository is served as a git remote
 * (a bare clone of HEAD), where the README says `https://example.com/your-org/download-doctor.git`.
 *
 * 1. A new user, README only, in a fresh project in a 0700 directory: Node.js 22 and download-doctor from the git
 *    URL (npm clones it, installs its development dependencies, runs its `prepare`, which builds dist/, and packs
 *    it), `init` against the nginx + S3 sandbox, `run` healthy, `--publish` to moto (docs/checks.md), `serve` as
 *    the README and docs/serve.md start it, and stopped by SIGTERM with no process left (through npx too), then
 *    `report` from serve's history in the person's state directory, and from an instance's table (moto).
 * 2. The release tarball the README makes in a clone (`npm install && npm pack`), installed into a new CDK app laid
 *    out by the pinned aws-cdk CLI's own `cdk init app --language typescript`: the CLI's help; `init` and a
 *    healthy `run`; the app, which imports that config and `download-doctor/cdk`, passes `tsc` and synthesizes
 *    offline, its Lambda code the package's prebuilt bundles byte for byte; the library's entries load nothing
 *    else. And the clone's own CDK app synthesizes the config, as docs/aws.md says.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
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
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf, emptyDay } from '../../functions/alerting/history.ts';
import { newTargetState } from '../../functions/alerting/target-state.ts';
import { dynamoTargetStore } from '../../functions/probes/target-store.ts';
import pkg from '../../package.json' with { type: 'json' };
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';
import { createKeyedTable } from '../fixtures/aws-fleet.ts';
import { cfnLint } from '../fixtures/cdk.ts';
import { asScript, blocksOf, type DocBlock, docBlock, substituted } from '../fixtures/doc-blocks.ts';
import { CONSUMER } from './consumer-deps.ts';
import { environOf, personEnv, type Started, sh, startInGroup, until } from './processes.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const CDK = join(ROOT, 'node_modules/.bin/cdk');
/** Where the README says the repository lives. */
const README_REMOTE = 'https://example.com/your-org/download-doctor.git';
/** serve's default address, as the docs use it. */
const SERVE = 'http://127.0.0.1:9810';

let work: string;
let remote: string;
let box: Sandbox;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dd-package-'));
  remote = join(work, 'remote', 'download-doctor.git');
  const [cloned, sandbox] = await Promise.all([
    sh('git', ['clone', '--quiet', '--bare', ROOT, remote], work, process.env),
    startSandbox({ variant: 'nginx-s3' }),
  ]);
  box = sandbox;
  expect(cloned.code, cloned.err).toBe(0);
}, 120_000);

afterAll(async () => {
  await box?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A docs block run as written, but for its placeholders. */
function runDoc(
  block: DocBlock,
  cwd: string,
  env: NodeJS.ProcessEnv,
  placeholders = {},
  timeoutMs = 300_000,
) {
  return sh('bash', asScript(substituted(block, placeholders)), cwd, env, timeoutMs);
}

/** The sandbox in place of the README's example stack: its proxy, its app, its bucket on moto. */
function stackPlaceholders(): Record<string, string> {
  const t = box.config.targets[0];
  if (t?.storage?.type !== 's3') throw new Error('the nginx-s3 sandbox stores on S3');
  return {
    'https://staging.example.com': new URL(t.endToEnd.url).origin,
    'http://10.0.1.20:8000': new URL(t.app.url).origin,
    's3://example-downloads/healthcheck/healthcheck.txt': `s3://${t.storage.bucket}/${t.storage.key}`,
    '--region eu-west-1': `--region ${t.storage.region} --s3-endpoint ${t.storage.endpoint}`,
  };
}

describe('a new user, README only: from a git URL into a fresh project in a 0700 directory', () => {
  let project: string;
  let env: NodeJS.ProcessEnv;
  let stateHome: string;

  beforeAll(() => {
    const home = join(work, 'home');
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    project = join(home, 'downloads-site');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'downloads-site', private: true }, null, 2)}\n`,
    );
    // The sandbox's (dummy) AWS credentials, as a user has theirs in the environment; the person's own state
    // directory (serve's history, run's alarm states), in their home, not this machine's.
    stateHome = join(home, '.local', 'state');
    env = personEnv({ ...box.env, XDG_STATE_HOME: stateHome });
  });

  it('installs Node.js 22, then download-doctor from the git URL (npm builds it in its clone), offline', async () => {
    expect(statSync(join(work, 'home')).mode & 0o777).toBe(0o700);
    const node = await runDoc(docBlock('install-node'), project, env);
    expect(node.code, node.err).toBe(0);
    const git = await runDoc(docBlock('install-git'), project, env, { [README_REMOTE]: `file://${remote}` });
    expect(git.code, git.err).toBe(0);
    const installed = join(project, 'node_modules/download-doctor');
    // Built by the package's prepare script in npm's clone: dist/ is in no commit.
    for (const built of ['dist/cli/bin.js', 'dist/functions/index.js', 'dist/lambda/end-to-end/index.mjs'])
      expect(existsSync(join(installed, built)), built).toBe(true);
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(manifest.devDependencies['download-doctor']).toBe(`git+file://${remote}`);
    const version = await sh('npx', ['download-doctor', '--version'], project, env);
    expect(version.code, version.err).toBe(0);
    expect(version.out.trim()).toBe(pkg.version);
  }, 300_000);

  it('init, as the README writes it, against the sandbox: the config it writes passes every check', async () => {
    const init = await runDoc(docBlock('init'), project, env, stackPlaceholders());
    expect(init.code, init.out + init.err).toBe(0);
    expect(init.out).toContain('staging: HEALTHY');
    expect(init.err).toContain('next: npx download-doctor run');
    expect(existsSync(join(project, 'download-doctor.config.ts'))).toBe(true);
  }, 120_000);

  it('run, the HTML report and check all, as the README writes them: healthy', async () => {
    const run = await runDoc(docBlock('run'), project, env);
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toContain('staging: HEALTHY');
    const html = readFileSync(join(project, 'report.html'), 'utf8');
    expect(html).toContain('<title>HEALTHY staging');
    expect(html).toContain('npx download-doctor run --config ./download-doctor.config.ts --target staging');
  }, 120_000);

  it('run --publish to moto, as docs/checks.md writes it: the metrics sent, the alarms stepped', async () => {
    const moto = `http://127.0.0.1:${box.ports.storage}`;
    const run = await runDoc(docBlock('publish'), project, env, { 'http://127.0.0.1:5000': moto });
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toMatch(new RegExp(`published \\d+ metrics to ${moto}`));
  }, 120_000);

  describe('serve, started as the docs write it', () => {
    let server: Started | undefined;
    afterAll(async () => {
      await server?.kill();
    });

    /** Starts a block that keeps running; resolves once serve answers /health. */
    async function startServe(block: DocBlock, extra: Record<string, string> = {}): Promise<Started> {
      const started = startInGroup('bash', asScript(block.text), project, { ...env, ...extra });
      server = started;
      await until(
        async () => {
          try {
            return (await fetch(`${SERVE}/health`)).status < 600;
          } catch {
            return false;
          }
        },
        60_000,
        `serve to answer (${started.output()})`,
      );
      return started;
    }
    const serveNode = (s: Started) =>
      s
        .members()
        .find((p) => p.cmdline.some((a) => a.endsWith('download-doctor')) && p.cmdline.includes('serve'));
    const npmExec = (s: Started) =>
      s.members().find((p) => p.cmdline[0] === 'npm exec' || p.cmdline.join(' ').startsWith('npm exec'));
    /** Stops at SIGTERM to `pid`: every process of the group gone, within 15 s. */
    async function stoppedBy(s: Started, pid: number): Promise<string[]> {
      process.kill(pid, 'SIGTERM');
      await until(() => s.members().length === 0, 15_000).catch(() => undefined);
      return s.members().map((p) => `${p.pid} ${p.cmdline.join(' ')}`);
    }

    it('docs/serve.md: serve answers /metrics with the token, and stops when its node process gets SIGTERM', async () => {
      const s = await startServe(docBlock('serve-start'));
      const node = serveNode(s);
      if (!node) throw new Error(`no serve process in ${JSON.stringify(s.members())}`);
      // "from another shell": the token the first shell exported.
      const token = environOf(node.pid, 'DD_TOKEN') ?? '';
      expect(token).toMatch(/^[0-9a-f]{48}$/);
      // Once the first run is over: its gauges are there from then on.
      const curl = () => runDoc(docBlock('serve-metrics'), project, { ...env, DD_TOKEN: token });
      let metrics = await curl();
      await until(
        async () => {
          metrics = await curl();
          return metrics.out.includes('download_doctor_healthy{target="staging"}');
        },
        30_000,
        'the first run in /metrics',
      ).catch(() => undefined);
      expect(metrics.code, metrics.err).toBe(0);
      expect(metrics.out).toContain('download_doctor_healthy{target="staging"} 1');
      expect(await stoppedBy(s, node.pid)).toEqual([]);
      expect(s.output()).toContain('stopped');
    }, 120_000);

    // The README's own way: `npx download-doctor serve`. npm 11 passes SIGTERM only to the shell it started, which
    // does not pass it on; serve takes its parent's exit as a SIGTERM (issue 21, item 4).
    it("README: started by `npx download-doctor serve`, SIGTERM to npm's process stops it, no process left", async () => {
      const s = await startServe(docBlock('serve'));
      const npm = npmExec(s);
      expect(npm, JSON.stringify(s.members())).toBeDefined();
      const left = await stoppedBy(s, npm?.pid ?? -1);
      await s.kill();
      expect(left).toEqual([]);
    }, 120_000);
  });

  it("report, as docs/serve.md writes it: from serve's history in the person's state directory, and from an instance's table", async () => {
    // serve's history: in the state directory (0700, the database 0600), none in the project.
    const db = join(stateHome, 'download-doctor', 'serve.db');
    expect(statSync(join(stateHome, 'download-doctor')).mode & 0o777).toBe(0o700);
    expect(statSync(db).mode & 0o777).toBe(0o600);
    expect(readdirSync(project).filter((f) => /\.db$|^\.download-doctor$/.test(f))).toEqual([]);
    const local = await runDoc(docBlock('report'), project, env);
    expect(local.code, local.out + local.err).toBe(0);
    expect(local.out).toContain(`from serve's database at ${db}`);
    expect(local.out).toMatch(/^staging\s+100%/m);

    // A deployed instance's table, here on the sandbox's moto, under the name the docs give it.
    const moto = `http://127.0.0.1:${box.ports.storage}`;
    const table = 'download-doctor-prod-TargetsABC123';
    const aws = {
      endpoint: moto,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    };
    const dynamo = new DynamoDBClient(aws);
    await createKeyedTable(dynamo, table);
    dynamo.destroy();
    const saved = { ...process.env };
    Object.assign(process.env, box.env);
    const store = dynamoTargetStore(table, { endpoint: moto, region: 'us-east-1' });
    try {
      const day = { ...emptyDay(dayOf(new Date()), 300_000), healthy: 12, failed: 4 };
      await store.write('staging', { ...newTargetState(), version: 1, day });
    } finally {
      store.close();
      process.env = saved;
    }
    const remote = await runDoc(docBlock('report-instance'), project, { ...env, AWS_ENDPOINT_URL: moto });
    expect(remote.code, remote.out + remote.err).toBe(0);
    expect(remote.out).toContain(`from instance prod on AWS, table ${table}`);
    expect(remote.out).toMatch(/^staging\s+75\.00%\s+20 min/m);
  }, 120_000);
});

describe('a release tarball, as the README makes it, installed into a new CDK app', () => {
  let clone: string;
  let tarball: string;
  let app: string;
  /** Node.js 22 (the project's, from the `node` package) first on PATH: a CDK app's npx runs its own tools. */
  let env: NodeJS.ProcessEnv;
  const run = (command: string, args: string[], timeoutMs?: number) => sh(command, args, app, env, timeoutMs);

  beforeAll(async () => {
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(join(ROOT, 'node_modules/node/bin/node'), join(bin, 'node'));
    env = personEnv({ CDK_DISABLE_CLI_TELEMETRY: 'true' });
    env.PATH = `${bin}:${env.PATH}`;

    // The README's tarball: a clone, its install (which builds dist/), then npm pack.
    const packed = await runDoc(
      docBlock('pack'),
      work,
      personEnv(),
      { [README_REMOTE]: `file://${remote}` },
      420_000,
    );
    expect(packed.code, packed.out + packed.err).toBe(0);
    clone = join(work, 'download-doctor');
    tarball = join(clone, `download-doctor-${pkg.version}.tgz`);
    expect(existsSync(tarball), packed.out).toBe(true);

    // The app as `cdk init` lays it out; its test tooling (jest, swc) is left out, as nothing here runs it.
    app = join(work, 'downloads-app');
    mkdirSync(app);
    const init = await run(CDK, ['init', 'app', '--language', 'typescript', '--generate-only']);
    expect(init.code, init.err).toBe(0);
    // Versions pinned to those npm's cache holds (scripts/setup.sh fills it): the install below is offline.
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ ...manifest, ...CONSUMER }, null, 2));
    rmSync(join(app, 'test'), { recursive: true });
    rmSync(join(app, 'jest.config.js'));
    const tsconfig = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8'));
    tsconfig.compilerOptions.types = ['node'];
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    copyFileSync(tarball, join(app, `download-doctor-${pkg.version}.tgz`));
    const install = await runDoc(docBlock('install-tarball'), app, env, {}, 300_000);
    expect(install.code, install.err).toBe(0);
  }, 900_000);

  it('ships the compiled CLI, library and Lambda bundles, and no tests or benchmarks', async () => {
    const listed = await run('tar', ['tzf', tarball]);
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
    const help = await run('npx', ['download-doctor', '--help']);
    expect(help.code, help.err).toBe(0);
    expect(help.out).toContain('Usage: download-doctor');
  });

  it('init writes a config from the live sandbox, and run with it is healthy', async () => {
    const t = box.config.targets[0];
    if (!t) throw new Error('the sandbox has no target');
    const init = await run('npx', [
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
    const again = await run('npx', ['download-doctor', 'run']);
    expect(again.out).toContain('staging: HEALTHY');
    expect(again.code, again.out + again.err).toBe(0);
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

    const tsc = await run('npx', ['tsc', '--noEmit']);
    expect(tsc.code, tsc.out + tsc.err).toBe(0);
    const synth = await run('npx', ['cdk', 'synth', '--no-notices', '--quiet'], 240_000);
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

  it('synthesizes from a plain-Node app (.mjs, a JSON config, cdk.json) as docs/aws.md writes it, offline', async () => {
    // From a new user's trial: the page showed the app's import, not the cdk.json that `cdk synth` needs.
    const plain = join(app, 'plain');
    mkdirSync(plain);
    const t = box.config.targets[0];
    if (!t) throw new Error('the sandbox has no target');
    const init = await sh(
      'npx',
      ['download-doctor', 'init', '--format', 'json', '--download', t.endToEnd.url, '--app', t.app.url],
      plain,
      env,
    );
    expect(init.code, init.err).toBe(0);
    const aws = blocksOf('docs/aws.md');
    const cdkJson = aws.find((b) => b.lang === 'json' && b.text.includes('"app"'))?.text ?? 'missing';
    const vpc = aws.find((b) => b.lang === 'ts' && b.text.includes('fromVpcAttributes'))?.text ?? 'missing';
    writeFileSync(join(plain, 'cdk.json'), cdkJson);
    const importLine = /`(import config from '\.\/download-doctor\.config\.json'[^`]*)`/.exec(
      readFileSync(join(ROOT, 'docs/aws.md'), 'utf8'),
    )?.[1];
    expect(importLine).toBeDefined();
    writeFileSync(
      join(plain, 'app.mjs'),
      [
        "import { App, Duration, Stack } from 'aws-cdk-lib';",
        "import { DownloadHealthchecks } from 'download-doctor/cdk';",
        importLine,
        'const app = new App();',
        "const stack = new Stack(app, 'Plain', { env: { region: 'eu-west-1' } });",
        // docs/aws.md's VPC block: its imports at the top, the rest in the stack (`this` is the stack there).
        ...vpc.split('\n').filter((line) => line.startsWith('import ')),
        `(function () {\n${vpc
          .split('\n')
          .filter((line) => !line.startsWith('import '))
          .join('\n')}\n}).call(stack);`,
      ].join('\n'),
    );
    const synth = await sh('npx', ['cdk', 'synth', '--no-notices', '--quiet'], plain, env, 240_000);
    expect(synth.code, synth.out + synth.err).toBe(0);
    const template = readFileSync(join(plain, 'cdk.out', 'Plain.template.json'), 'utf8');
    expect(template).toContain('AWS::StepFunctions::StateMachine');
    expect(template).toContain('subnet-0123456789abcdef1');
  }, 300_000);

  it("synthesizes the config with the clone's own CDK app, as docs/aws.md writes it, offline", async () => {
    copyFileSync(join(app, 'download-doctor.config.ts'), join(clone, 'download-doctor.config.ts'));
    const synth = await runDoc(docBlock('synth'), clone, env, {}, 300_000);
    expect(synth.code, synth.err).toBe(0);
    const out = join(clone, 'cdk.out');
    const templates = readdirSync(out).filter((f) => f.endsWith('.template.json'));
    expect(templates).toHaveLength(1);
    const template = readFileSync(join(out, templates[0] ?? ''), 'utf8');
    expect(template).toContain('AWS::StepFunctions::StateMachine');
    expect(template).toContain('vpc-0123456789abcdef0');
  }, 300_000);

  it.each([
    ['download-doctor', ['/dist/cli/', '/sandbox/', 'undici', '@aws-sdk', 'aws-cdk-lib', 'commander']],
    ['download-doctor/cdk', ['/dist/cli/', '/sandbox/', 'undici', '@aws-sdk', 'commander']],
  ])('a library import of %s loads neither the CLI nor the sandbox', async (entry, forbidden) => {
    const probe = `
      const seen = [];
      require('node:module').registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
      import(${JSON.stringify(entry)}).then(() => console.log(JSON.stringify(seen)));`;
    const r = await run('node', ['-e', probe]);
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
    const r = await run('node', [
      '-e',
      "console.log(typeof require('download-doctor/cdk').DownloadHealthchecks)",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe('function');
  });
});
