/**
 * `init` as a new user runs it, against real stacks: each sandbox variant, and a stack like one the project did not
 * write (an unsigned internal location, a bucket the proxy reads without a signature, an object uploaded without a
 * type, and nginx adding `; charset=utf-8` to it). Each time: the config init writes passes every check that init
 * itself runs with it (`check all`), and the next `run` with that file is healthy. And without credentials: init
 * says which checks could not run, and where credentials come from.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initArgsOf } from '../../cli/commands/init.ts';
import { monitorEnv } from '../../sandbox/monitor.ts';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';
import type { Variant } from '../../sandbox/variants.ts';
import { tempDir } from '../fixtures/temp.ts';
import { until } from '../package/processes.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const BIN = join(ROOT, 'dist/cli/bin.js');

/** A new project where `download-doctor` resolves to this repository (as if installed). */
function project(): string {
  const dir = tempDir('dd-init-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'download-doctor'));
  return dir;
}

/** The CLI in `cwd`, with the sandbox's AWS variables (and no others of the caller's). */
function dd(args: string[], cwd: string, aws: Readonly<Record<string, string>>) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return new Promise<{ code: number; out: string; err: string }>((resolve, reject) => {
    execFile(
      NODE,
      [BIN, ...args],
      { cwd, env: { ...env, ...aws }, encoding: 'utf8', timeout: 60_000 },
      (error, out, err) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, out, err });
      },
    );
  });
}

/** init's options for the stack a sandbox runs (its URLs, where its sentinel is stored), as `sandbox up` prints them. */
function initArgs(box: Sandbox): string[] {
  const t = box.config.targets[0];
  if (!t?.proxy || !t.storage) throw new Error('the sandbox target has no proxy or storage');
  return initArgsOf({ ...t, name: 'staging' });
}

/** A command line as a shell runs it, in `cwd`, with no AWS variables of the caller's. */
function sh(line: string, cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile('bash', ['-c', line], { cwd, env, encoding: 'utf8', timeout: 60_000 }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

describe.each<[Variant, string]>([
  ['nginx-s3', 'presigned'],
  ['apache-disk', ''],
  ['lighttpd-disk', ''],
])('init against the %s sandbox', (variant, proxyAuth) => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await startSandbox({ variant });
  });
  afterAll(() => box?.stop());

  it('writes a config that passes every check, and the next run with it is healthy', async () => {
    const dir = project();
    const init = await dd(initArgs(box), dir, box.env);
    expect(init.code, init.out + init.err).toBe(0);
    for (const layer of ['end-to-end', 'app', 'storage', 'proxy'])
      expect(init.out).toMatch(new RegExp(`PASS {2}${layer}`));
    expect(init.out).toContain('staging: HEALTHY');
    expect(init.err).toContain('next: npx download-doctor run');
    // Both diagnostics were given: no hint to add them.
    expect(init.err).not.toContain('to name the layer at fault');
    const written = readFileSync(join(dir, 'download-doctor.config.ts'), 'utf8');
    if (proxyAuth) {
      expect(written).toContain(`proxyAuth: '${proxyAuth}'`);
      expect(init.err).toContain(`storage.proxyAuth: "${proxyAuth}": the app signs its X-Accel-Redirect URL`);
    } else expect(written).not.toContain('proxyAuth');
    const run = await dd(['run'], dir, box.env);
    expect(run.out).toContain('staging: HEALTHY');
    expect(run.code, run.out + run.err).toBe(0);
  });
});

describe('sandbox up, as a new user starts it', () => {
  it('prints an init command that writes a config of their own, which passes; and stops on Ctrl-C', async () => {
    const up = spawn(NODE, [BIN, 'sandbox', 'up', '--variant', 'apache-disk'], { cwd: tempDir('dd-up-') });
    let out = '';
    up.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    try {
      await until(() => out.includes('Ctrl-C stops it.'), 60_000, 'sandbox up to print its commands');
      expect(out).toMatch(/the sentinel in storage: +\/\S+/);
      const lines = out.split('\n');
      const printed = lines[lines.findIndex((l) => l.startsWith('or write a config of your own')) + 1] ?? '';
      expect(printed).toMatch(/^ {2}(\S+=\S+ )*npx download-doctor init --name /);
      // As printed, in a new project (the launcher aside: npx there would look for the package on the registry).
      const dir = project();
      const init = await sh(printed.replace('npx download-doctor', `${NODE} ${BIN}`), dir);
      expect(init.code, init.out + init.err).toBe(0);
      expect(init.out).toMatch(/: HEALTHY/);
      for (const layer of ['end-to-end', 'app', 'storage', 'proxy'])
        expect(init.out).toMatch(new RegExp(`PASS {2}${layer}`));
    } finally {
      up.kill('SIGINT');
      await new Promise((r) => up.once('exit', r));
    }
    expect(out).toContain('The apache-disk sandbox stopped.');
  });
});

describe('init against a stack with an unsigned internal location and a proxy that adds a charset', () => {
  let box: Sandbox;
  beforeAll(async () => {
    box = await startSandbox({ variant: 'nginx-s3' });
    // The app sends unsigned URLs into the internal location; the bucket lets anonymous requests from the
    // proxy's network path read; the object has S3's default type, to which nginx adds `; charset=utf-8`.
    await box.setLever({ lever: 'app', option: 'unsignedUrls', value: true });
    await box.setLever({ lever: 'sentinel-access', value: 'network' });
    await box.setLever({ lever: 'sentinel-metadata', value: 'default-type' });
  });
  afterAll(() => box?.stop());

  it('records the type as served and the unsigned offload, and the config it writes passes', async () => {
    const dir = project();
    const init = await dd(initArgs(box), dir, box.env);
    expect(init.code, init.out + init.err).toBe(0);
    const written = readFileSync(join(dir, 'download-doctor.config.ts'), 'utf8');
    // As served: the storage check compares it with the object's `binary/octet-stream` as every check does.
    expect(written).toContain("contentType: 'binary/octet-stream; charset=utf-8'");
    // moto serves anonymous reads to anyone on loopback: init says what it inferred, and why.
    expect(written).toContain("proxyAuth: 'public'");
    expect(init.err).toContain(
      'storage.proxyAuth: "public": the app\'s X-Accel-Redirect URL is unsigned, so the proxy reads the bucket without a signature, and S3 served the sentinel to an anonymous read from here',
    );
    for (const layer of ['end-to-end', 'app', 'storage', 'proxy'])
      expect(init.out).toMatch(new RegExp(`PASS {2}${layer}`));
    const run = await dd(['run', '--all-layers'], dir, box.env);
    expect(run.out).toContain('staging: HEALTHY');
    expect(run.code, run.out + run.err).toBe(0);
    // The snippet says what an anonymous read means for this bucket, precisely.
    const nginx = await dd(['snippets', 'nginx'], dir, box.env);
    expect(nginx.code, nginx.err).toBe(0);
    expect(nginx.out).toContain('# WARNING: storage.proxyAuth is "public"');
    expect(nginx.out).toContain('say so with proxyAuth "network"');
  });

  it('without credentials: says which checks could not run, and where credentials come from', async () => {
    const dir = project();
    const none = monitorEnv(box.env, { credentials: 'absent' }, join(dir, 'nowhere'));
    const init = await dd(initArgs(box), dir, none);
    // The file is right: downloads work, and only the monitor's credentials are missing.
    expect(init.code, init.out + init.err).toBe(0);
    expect(init.out).toMatch(/FAIL {2}storage .*\[monitor-credentials\]/);
    expect(init.err).toContain('the storage check could not run:');
    expect(init.err).toContain(
      "S3 is read with the AWS SDK's default credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
    expect(init.err).toContain('next: npx download-doctor run');
  });
});
