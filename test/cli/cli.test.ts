/**
 * The CLI as it ships: dist/cli/bin.js (built by the global setup) run by Node.js 22 in a temporary project
 * directory, against a loopback server that plays a working download stack.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
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
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackTargetInput, targetInput } from '../fixtures/config.ts';
import { serveLoopback } from '../fixtures/loopback.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node');
const BIN = join(ROOT, 'dist/cli/bin.js');

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A new project directory where `download-doctor` resolves to this repository (as if installed). */
function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dd-cli-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'download-doctor'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Runs the CLI in `cwd` (a child process: the loopback server below must keep answering meanwhile). */
async function dd(args: string[], files: Record<string, string> = {}, cwd = project(files)) {
  return new Promise<{ code: number | null; out: string; err: string; cwd: string }>((resolve, reject) => {
    // The per-user state (run counts, alarm states) in the project's own temp directory, not this user's home.
    const env = { ...process.env, XDG_STATE_HOME: join(cwd, '.state') };
    execFile(NODE, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 30_000 }, (error, out, err) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, out, err, cwd });
    });
  });
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
const json = (value: unknown) => JSON.stringify(value);

describe('the CLI on bad input', () => {
  it.each([
    [['--port', 'http'], '--port must be a port number (got "http")'],
    [
      ['--token-env', 'DD_NOT_SET_ANYWHERE'],
      '--token-env: the environment variable DD_NOT_SET_ANYWHERE is not set, or empty',
    ],
    [['--token-file', '/nonexistent/token'], '--token-file: /nonexistent/token cannot be read (ENOENT)'],
    [['--token-env', 'HOME', '--token-file', '/x'], 'give --token-env or --token-file, not both'],
    [['--webhook', 'ftp://hooks.example/x'], '--webhook must be an http(s) URL'],
    [['--concurrency', '0'], '--concurrency must be a whole number from 1 to 100 (got "0")'],
    [
      ['--token-file', 'token'],
      '--token-file: token can be read by other users (mode 0644): chmod 600 token',
    ],
    [['--public-status'], '--public-status needs a token: without one, every page is open'],
    [['--keep-runs', '1w'], '--keep-runs must be a span such as 7d or 36h (got "1w")'],
    [['--keep-hourly', '12h'], '--keep-hourly must be 2d at least (the 24-hour figures read it)'],
    [['--data-dir', 'd', '--db', 'f'], 'give --data-dir or --db, not both'],
  ])('serve %j exits 2: %s', async (args, message) => {
    const r = await dd(['serve', ...args], {
      'download-doctor.config.json': json({ targets: [targetInput()] }),
      token: 'a-token-that-others-can-read-0123\n',
    });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`download-doctor: ${message}\n`);
  });

  it.each([
    [['--location', 'tokyo'], '--location needs --home URL: the home serve that receives the results'],
    [['--home', 'http://127.0.0.1:9'], '--home and its token go with --location'],
    [['--home-token-file', 'hometoken'], '--home and its token go with --location'],
    [
      ['--location', 'nowhere', '--home', 'http://127.0.0.1:9'],
      '--location: "nowhere" is not a location of the config (paris, tokyo, lima)',
    ],
    [
      ['--location', 'paris', '--home', 'http://127.0.0.1:9'],
      '--location paris is the home: it takes no --home',
    ],
    [
      ['--location', 'tokyo', '--home', 'ftp://127.0.0.1:9', '--home-token-file', 'hometoken'],
      '--home must be an http(s) URL',
    ],
    [
      ['--location', 'tokyo', '--home', 'http://127.0.0.1:9'],
      "--location needs its ingest token, the one the home's --ingest-tokens-file gives it: --home-token-env or --home-token-file",
    ],
    [
      ['--location', 'tokyo', '--home', 'http://127.0.0.1:9', '--home-token-env', 'DD_NOT_SET_ANYWHERE'],
      '--home-token-env: the environment variable DD_NOT_SET_ANYWHERE is not set, or empty',
    ],
    [
      ['--location', 'tokyo', '--home', 'http://127.0.0.1:9', '--home-token-file', 'token'],
      '--home-token-file: token can be read by other users (mode 0644): chmod 600 token',
    ],
    [
      ['--location', 'tokyo', '--home', 'http://127.0.0.1:9', '--home-token-file', 'short'],
      '--home-token-file: the bearer token is shorter than 16 characters: use a long random one',
    ],
    [
      [
        '--location',
        'tokyo',
        '--home',
        'http://127.0.0.1:9',
        '--home-token-file',
        'hometoken',
        '--data-dir',
        'd',
      ],
      '--location tokyo keeps no history, serves no page and pages no one (the home does): drop --data-dir',
    ],
    [
      [],
      'the config names several locations: the home needs a token for each other location (tokyo, lima): --ingest-tokens-file F, one `LOCATION TOKEN` line each, mode 0600; each location sends its own with --home-token-file',
    ],
    [
      ['--ingest-tokens-file', 'ingest-one'],
      '--ingest-tokens-file: ingest-one: no token for lima: one `LOCATION TOKEN` line each',
    ],
    [
      ['--ingest-tokens-file', 'ingest-open'],
      '--ingest-tokens-file: ingest-open can be read by other users (mode 0644): chmod 600 ingest-open',
    ],
    [
      ['--location', 'tokyo', '--home', 'http://monitor.example.com', '--home-token-file', 'hometoken'],
      "--home: http://monitor.example.com would send the location's token in clear across the network: use https (a TLS proxy in front of the home), or a loopback address",
    ],
    [
      ['--location', 'tokyo', '--home', 'http://10.0.0.5:9810', '--home-token-file', 'hometoken'],
      "--home: http://10.0.0.5:9810 would send the location's token in clear across the network: use https (a TLS proxy in front of the home), or a loopback address",
    ],
    [
      [
        '--location',
        'tokyo',
        '--home',
        'http://127.0.0.1:9',
        '--home-token-file',
        'hometoken',
        '--ingest-tokens-file',
        'ingest-one',
      ],
      '--location tokyo keeps no history, serves no page and pages no one (the home does): drop --ingest-tokens-file',
    ],
  ])('serve %j with three locations exits 2: %s', async (args, message) => {
    const dir = project({
      'download-doctor.config.json': json({
        locations: [{ name: 'paris', home: true }, { name: 'tokyo' }, { name: 'lima' }],
        targets: [targetInput()],
      }),
      token: 'a-token-that-others-can-read-0123\n',
    });
    writeFileSync(join(dir, 'hometoken'), 'a-home-token-0123456789abcdef\n', { mode: 0o600 });
    writeFileSync(join(dir, 'short'), 'too-short\n', { mode: 0o600 });
    writeFileSync(join(dir, 'ingest-one'), 'tokyo a-tokyo-token-0123456789\n', { mode: 0o600 });
    writeFileSync(join(dir, 'ingest-open'), 'tokyo a-tokyo-token-0123456789\n', { mode: 0o644 });
    const r = await dd(['serve', ...args], {}, dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`download-doctor: ${message}\n`);
  });

  it('serve --location exits 2 when the config names no locations', async () => {
    const r = await dd(['serve', '--location', 'tokyo', '--home', 'http://127.0.0.1:9'], {
      'download-doctor.config.json': json({ targets: [targetInput()] }),
    });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'download-doctor: --location: the config names no `locations` (two or more) to be one of\n',
    );
  });

  it('exits 2 and names every bad field of a JSON config, without a stack trace', async () => {
    const bad = {
      targets: [
        {
          ...targetInput(),
          name: 'Prod!',
          app: { url: 'ftp://x', offload: { header: 'X-Foo', value: '/a' } },
        },
      ],
    };
    const r = await dd(['run'], { 'download-doctor.config.json': json(bad) });
    expect(r.code).toBe(2);
    expect(r.err).toContain('invalid config (3 problems)');
    expect(r.err).toContain('targets[0].name: must be a short slug');
    expect(r.err).toContain('targets[0].app.url: must be an http(s) URL (got "ftp://x")');
    expect(r.err).toContain('targets[0].app.offload.header');
    noStack(r.err);
  });

  it('exits 2 on an instance name the construct would refuse, or one without --publish', async () => {
    const config = { 'download-doctor.config.json': json({ targets: [targetInput()] }) };
    const dashed = await dd(['run', '--publish', 'http://127.0.0.1:9', '--instance', 'prod-eu'], config);
    expect(dashed.code).toBe(2);
    expect(dashed.err).toContain('--instance "prod-eu": must be letters and digits');
    const alone = await dd(['run', '--instance', 'prod'], config);
    expect(alone.code).toBe(2);
    expect(alone.err).toContain('--instance needs --publish URL');
    noStack(dashed.err + alone.err);
  });

  it('exits 2 on a config that is not JSON, or missing', async () => {
    const broken = await dd(['run'], { 'download-doctor.config.json': '{ "targets": [' });
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/not valid JSON/);
    const missing = await dd(['run', '--config', 'nope.json']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toContain('config file not found: nope.json');
  });

  it("loads a typed config that imports defineConfig from 'download-doctor', and says which file it read", async () => {
    const ts = `import { defineConfig } from 'download-doctor';
const name: string = 'prod';
export default defineConfig({ targets: [{ ...${json(targetInput())}, name }] });`;
    const r = await dd(['run', '--target', 'qa'], { 'download-doctor.config.ts': ts });
    expect(r.err).toContain('no target named "qa" (configured: prod)');
    expect(r.code).toBe(2);
    const snippet = await dd(['snippets', 'nginx'], {}, r.cwd);
    expect(snippet.code, snippet.err).toBe(0);
  });

  it('loads a typed config in a project whose package.json says "type": "commonjs" (as npm init -y writes)', async () => {
    const ts = `import { defineConfig } from 'download-doctor';
export default defineConfig({ targets: [${json(targetInput())}] });`;
    const r = await dd(['snippets', 'nginx'], {
      'package.json': json({ name: 'app', type: 'commonjs' }),
      'download-doctor.config.ts': ts,
    });
    expect(r.err).not.toContain('Warning');
    expect(r.code, r.err).toBe(0);
  });

  it('refuses to choose between a .ts and a .json config', async () => {
    const config = json({ targets: [targetInput()] });
    const r = await dd(['run'], {
      'download-doctor.config.json': config,
      'download-doctor.config.ts': `export default ${config};`,
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('both download-doctor.config.ts and download-doctor.config.json are in');
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['run', '--format', 'xml'], "argument 'xml' is invalid. Allowed choices are table, json, junit, html"],
    [
      ['check', 'storage', '--format', 'junit'],
      "argument 'junit' is invalid. Allowed choices are table, json",
    ],
    [['check', 'database'], "value 'database' is invalid for argument 'layer'"],
    [['run', '--nope'], "unknown option '--nope'"],
    [['run', 'extra'], 'too many arguments'],
    [['run', '--alarm-state', 'x.json'], '--alarm-state needs --publish URL'],
    [['invoke'], "required option '-t, --target <name>' not specified"],
    [['invoke', '--target', 'prod'], "invoke needs the workflow's state machine"],
    [['sandbox', 'faults', '--variant', 'iis'], "argument 'iis' is invalid. Allowed choices are nginx-s3"],
    [['seed'], "required option '--file <path>' not specified"],
  ])('exits 2 on bad usage: %s', async (args, message) => {
    const r = await dd(args, { 'download-doctor.config.json': json({ targets: [targetInput()] }) });
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    noStack(r.err);
  });

  it('prints the help on no command (exit 2) and on --help (exit 0)', async () => {
    const none = await dd([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: download-doctor');
    const help = await dd(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes: 0 healthy, 1 degraded or failed, 2 bad config or usage');
  });

  it('on a Node.js older than 22.19, says so in one line with how to get a newer one, and exits 3', async () => {
    // A preload makes Node.js report an old version: the gate reads process.versions.node before anything loads.
    const cwd = project({
      'old-node.mjs': "Object.defineProperty(process.versions, 'node', { value: '20.11.1' });",
    });
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      execFile(
        NODE,
        ['--import', './old-node.mjs', BIN, '--help'],
        { cwd, encoding: 'utf8' },
        (error, _out, err) => resolve({ code: error ? (error.code as number) : 0, err }),
      );
    });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /^download-doctor: needs Node\.js 22\.19 or newer \(this is Node\.js 20\.11\.1\); /,
    );
    expect(r.err).toContain('npm install --save-dev node@22');
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('ends quietly when its output is closed (| head)', async () => {
    const child = spawn(NODE, [BIN, 'sandbox', 'faults'], {
      cwd: project(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('prints the nginx snippet for a target', async () => {
    const r = await dd(['snippets', 'nginx'], {
      'download-doctor.config.json': json({ targets: [targetInput()] }),
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('internal;');
    expect(r.out).toContain('location /_storage/ {');
  });

  it('refuses a snippet for a target without storage, naming what is missing', async () => {
    const { storage: _storage, ...noStorage } = targetInput();
    const r = await dd(['snippets', 'nginx'], {
      'download-doctor.config.json': json({ targets: [noStorage] }),
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('snippets nginx: target "prod" has no storage');
  });

  it('prints the Apache snippet for a target on disk, and refuses one on S3 naming the field', async () => {
    const disk = {
      ...targetInput(),
      storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
      app: { ...targetInput().app, offload: { header: 'X-Sendfile', value: '/srv/files/healthcheck.txt' } },
    };
    const r = await dd(['snippets', 'apache'], { 'download-doctor.config.json': json({ targets: [disk] }) });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('XSendFilePath "/srv/files"');
    const s3 = await dd(['snippets', 'apache'], {
      'download-doctor.config.json': json({ targets: [targetInput()] }),
    });
    expect(s3.code).toBe(2);
    expect(s3.err).toContain('snippets apache: storage.type is "s3"');
    noStack(s3.err);
  });

  it('prints the lighttpd snippet for a target on disk', async () => {
    const disk = {
      ...targetInput(),
      storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
      app: { ...targetInput().app, offload: { header: 'X-Sendfile', value: '/srv/files/healthcheck.txt' } },
    };
    const r = await dd(['snippets', 'lighttpd'], {
      'download-doctor.config.json': json({ targets: [disk] }),
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('"allow-x-send-file" => "enable", "x-sendfile-docroot" => ("/srv/files/")');
    const s3 = await dd(['snippets', 'lighttpd'], {
      'download-doctor.config.json': json({ targets: [targetInput()] }),
    });
    expect(s3.code).toBe(2);
    expect(s3.err).toContain('snippets lighttpd: storage.type is "s3"');
    expect((await dd(['snippets', 'caddy'])).err).toContain(
      'Allowed choices are nginx, apache, lighttpd, django',
    );
  });

  it('lists the sandbox faults of every variant, or of one', async () => {
    const all = await dd(['sandbox', 'faults']);
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/^nginx-s3: /m);
    expect(all.out).toMatch(/^apache-disk: /m);
    expect(all.out).toMatch(/^lighttpd-disk: /m);
    expect(all.out).toMatch(/^ {2}lighttpd-xsendfile-off +failed proxy-app +end-to-end: size-mismatch$/m);
    expect(all.out).toMatch(/^ {2}apache-xsendfile-off +failed proxy-app +end-to-end: header-leak$/m);
    expect(all.out).toMatch(/^ {2}storage-headers-shown +healthy +end-to-end: note storage-headers$/m);
    expect(all.out).toMatch(
      /^ {2}stale-storage-settings +healthy \+warning +storage: s3-no-such-bucket \(a full run\)$/m,
    );
    const one = await dd(['sandbox', 'faults', '--variant', 'apache-disk']);
    expect(one.out).not.toContain('nginx-s3');
  });

  it('run --format html prints the self-contained page of the run, and exits 1 when it failed', async () => {
    const sentinel = Buffer.from('sentinel\n');
    const dir = project({ 'healthcheck.txt': sentinel.toString() });
    const server = await serveLoopback((_req, res) => res.writeHead(404).end('not here'));
    try {
      const target = loopbackTargetInput(server.base, join(dir, 'healthcheck.txt'), sentinel);
      writeFileSync(join(dir, 'download-doctor.config.json'), json({ targets: [target] }));
      const r = await dd(['run', '--format', 'html'], {}, dir);
      expect(r.code, r.err).toBe(1);
      expect(r.out).toMatch(/^<!doctype html>\n/);
      expect(r.out).toContain('<title>FAILED prod: fault proxy, app · download-doctor</title>');
      expect(r.out.trimEnd()).toMatch(/<\/html>$/);
    } finally {
      await server.close();
    }
  });
});

describe('init, hash and run against a working stack (a loopback server)', () => {
  const body = Buffer.from('download-doctor init sentinel\n');
  const sha256 = createHash('sha256').update(body).digest('hex');
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const file = {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Disposition': 'attachment; filename="hc.txt"',
      };
      if (req.url?.startsWith('/signed-app/')) {
        const signed = '/_storage/hc.txt?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0123abcd';
        res.writeHead(200, { ...file, 'X-Accel-Redirect': signed, 'Content-Length': 0 }).end();
      } else if (req.url?.startsWith('/app/')) {
        res.writeHead(200, { ...file, 'X-Accel-Redirect': '/_storage/hc.txt', 'Content-Length': 0 }).end();
      } else if (req.url?.startsWith('/streams/')) {
        res.writeHead(200, { ...file, 'Content-Length': body.length }).end(body);
      } else if (req.url?.startsWith('/download/')) {
        res.writeHead(200, { ...file, 'Content-Length': body.length }).end(body);
      } else if (req.url?.startsWith('/leaky/')) {
        // Storage's own headers passed on: a note, not a failure.
        const leaked = { 'x-amz-request-id': 'R1', 'x-amz-id-2': 'I2' };
        res.writeHead(200, { ...file, ...leaked, 'Content-Length': body.length }).end(body);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('init --download --app writes a config whose first run is healthy', async () => {
    const dir = project();
    const init = await dd(
      ['init', '--download', `${base}/download/`, '--app', `${base}/app/`, '--name', 'staging'],
      {},
      dir,
    );
    expect(init.code, init.err).toBe(0);
    const written = readFileSync(join(dir, 'download-doctor.config.ts'), 'utf8');
    expect(written).toContain("import { defineConfig } from 'download-doctor';");
    expect(written).toContain(`sha256: '${sha256}'`);
    expect(written).toContain(`size: ${body.length}`);
    expect(written).toContain("fileName: 'hc.txt'");
    expect(written).toContain("header: 'X-Accel-Redirect'");
    expect(written).toContain("value: '/_storage/hc.txt'");
    const run = await dd(['run'], {}, dir);
    expect(run.out).toContain('config: ./download-doctor.config.ts');
    expect(run.out).toContain('staging: HEALTHY');
    expect(run.code, run.out + run.err).toBe(0);
  });

  it('init hints at the diagnostics not given, and only those', async () => {
    const args = ['init', '--download', `${base}/download/`, '--app', `${base}/app/`];
    const neither = await dd(args);
    expect(neither.code, neither.err).toBe(0);
    expect(neither.err).toContain(
      'add --proxy URL (a proxy location serving the sentinel straight from storage) and --storage',
    );
    const proxied = await dd([...args, '--proxy', `${base}/download/`]);
    expect(proxied.code, proxied.err).toBe(0);
    expect(proxied.out).toMatch(/PASS {2}proxy/);
    expect(proxied.err).toContain(
      'to name the layer at fault when a check fails, add --storage s3://BUCKET/KEY or PATH',
    );
    expect(proxied.err).not.toContain('add --proxy');
  });

  it('init exits 2 when downloads work but a diagnostic it wrote fails: its settings are wrong', async () => {
    const r = await dd([
      'init',
      '--download',
      `${base}/download/`,
      '--app',
      `${base}/app/`,
      '--proxy',
      `${base}/missing/`,
    ]);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.out).toMatch(/FAIL {2}proxy .*\[status\]/);
    expect(r.out).toContain('MONITOR WARNING');
    expect(r.err).toContain(
      'the checks above fail with this config: fix the stack or download-doctor.config.ts',
    );
  });

  it("init keeps an X-Accel-Redirect's path, not the signed query a private bucket adds", async () => {
    const dir = project();
    const init = await dd(
      ['init', '--download', `${base}/download/`, '--app', `${base}/signed-app/`],
      {},
      dir,
    );
    expect(init.code, init.err).toBe(0);
    const written = readFileSync(join(dir, 'download-doctor.config.ts'), 'utf8');
    expect(written).toContain("value: '/_storage/hc.txt'");
    expect(written).not.toContain('0123abcd');
  });

  it('init refuses to overwrite without --force, and writes JSON with $schema', async () => {
    const dir = project();
    const args = ['init', '--download', `${base}/download/`, '--app', `${base}/app/`, '--format', 'json'];
    expect((await dd(args, {}, dir)).code).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'download-doctor.config.json'), 'utf8'));
    expect(config.$schema).toBe('./node_modules/download-doctor/docs/config.schema.json');
    const again = await dd(args, {}, dir);
    expect(again.code).toBe(2);
    expect(again.err).toContain('download-doctor.config.json exists: pass --force to overwrite it');
    expect((await dd([...args, '--force'], {}, dir)).code).toBe(0);
  });

  it.each([
    [['--download', 'not a url'], '--download: not a URL: "not a url"'],
    [['--download', 'ftp://x/'], '--download: must be an http(s) URL'],
    [['--download', '{base}/missing/'], '--download {base}/missing/: answered 404, expected 200'],
    [['--download', '{base}/download/', '--app', 'http://127.0.0.1:1/'], 'the connection was refused'],
    [['--download', '{base}/download/', '--app', '{base}/streams/'], 'answered without an offload header'],
    [['--storage', 'bucket/key'], '--storage: expected s3://BUCKET/KEY or an absolute path'],
  ])('init exits 2 with one line on %s', async (args, message) => {
    const dir = project();
    const r = await dd(['init', ...args.map((a) => a.replace('{base}', base))], {}, dir);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(message.replace('{base}', base));
  });

  it("init's refusal prints no password of a URL it was given", async () => {
    // From a new user's trial: the refusal quoted `http://user:PASSWORD@...` as given.
    const r = await dd(['init', '--download', 'http://user:s3cret-pw@127.0.0.1:1/d/'], {}, project());
    expect(r.code).toBe(2);
    expect(r.err).toContain('--download http://user:[redacted]@127.0.0.1:1/d/: the connection was refused');
    expect(r.err).not.toContain('s3cret-pw');
  });

  it('init without URLs writes a template whose TODOs fail validation by name', async () => {
    const dir = project();
    expect((await dd(['init'], {}, dir)).code).toBe(0);
    const run = await dd(['run'], {}, dir);
    expect(run.code).toBe(2);
    expect(run.err).toContain('targets[0].sentinel.sha256: must be 64 lower-case hex characters');
    expect(run.err).toContain('targets[0].app.url: must be an http(s) URL');
  });

  it('hash prints the sentinel block of a file and of a URL', async () => {
    const dir = project({ 'healthcheck.txt': body.toString() });
    const file = await dd(['hash', 'healthcheck.txt'], {}, dir);
    expect(JSON.parse(file.out)).toEqual({
      sentinel: { sha256, size: body.length, contentType: 'text/plain; charset=utf-8' },
    });
    const url = await dd(['hash', `${base}/download/`], {}, dir);
    expect(JSON.parse(url.out).sentinel).toMatchObject({ sha256, size: body.length, fileName: 'hc.txt' });
    const missing = await dd(['hash', 'nope.txt'], {}, dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read nope.txt: ENOENT');
  });

  /** A target of this stack whose storage check reads a file that is not there (a stale path). */
  const staleTarget = (extra: Record<string, unknown> = {}) => ({
    name: 'stale',
    sentinel: { sha256, size: body.length },
    storage: { type: 'filesystem', path: '/nonexistent/download-doctor/hc.txt' },
    app: { url: `${base}/app/`, offload: { header: 'X-Accel-Redirect', value: '/_storage/hc.txt' } },
    proxy: { url: `${base}/download/` },
    endToEnd: { url: `${base}/download/` },
    ...extra,
  });

  it('a healthy run whose download carries hygiene notes prints them and exits 0', async () => {
    const target = { ...staleTarget(), endToEnd: { url: `${base}/leaky/` } };
    const r = await dd(['run'], { 'download-doctor.config.json': json({ targets: [target] }) });
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('stale: HEALTHY');
    expect(r.out).toMatch(
      / {19}note: storage headers reach the client \(hide them at the proxy\): x-amz-request-id, x-amz-id-2 \[storage-headers\]/,
    );
  });

  it('run --all-layers and check all run the four checks: a stale storage setting is a monitor warning (exit 2)', async () => {
    const files = { 'download-doctor.config.json': json({ targets: [staleTarget()] }) };
    const normal = await dd(['run'], files);
    expect(normal.code, normal.out).toBe(0);
    expect(normal.out).not.toMatch(/(PASS|FAIL) {2}storage/);
    const full = await dd(['run', '--all-layers', '--format', 'json'], files);
    expect(full.code, full.err).toBe(2);
    const report = JSON.parse(full.out).reports[0];
    expect(report.results.map((x: { layer: string }) => x.layer)).toEqual([
      'end-to-end',
      'app',
      'storage',
      'proxy',
    ]);
    expect(report.verdict).toMatchObject({ status: 'healthy', fault: null });
    expect(report.verdict.monitorWarning).toContain(
      "the proxy serves the sentinel's exact bytes from storage, yet the storage check fails",
    );
    const all = await dd(['check', 'all'], files);
    expect(all.code).toBe(2);
    expect(all.out).toMatch(/FAIL {2}storage .*\[fs-not-found\]/);
    expect(all.out).toContain("=> stale: MONITOR WARNING (for the monitor's owners)");
  });

  it('fullRunEvery: every N-th run of a target is a full one, counted between runs', async () => {
    const dir = project({
      'download-doctor.config.json': json({ targets: [staleTarget({ fullRunEvery: 2 })] }),
    });
    const first = await dd(['run'], {}, dir);
    expect(first.code, first.out).toBe(0);
    expect(first.out).not.toContain('a full run');
    const second = await dd(['run'], {}, dir);
    expect(second.out).toContain('stale: (a full run: all four checks)');
    expect(second.code).toBe(2);
    expect((await dd(['run'], {}, dir)).code).toBe(0);
    // Counted in the per-user state directory, private; nothing under /tmp with a predictable name.
    const state = join(dir, '.state', 'download-doctor');
    expect(statSync(state).mode & 0o777).toBe(0o700);
    const [counts] = readdirSync(state);
    expect(counts).toMatch(/^runs-[0-9a-f]{12}\.json$/);
    expect(statSync(join(state, counts ?? '')).mode & 0o777).toBe(0o600);
  });

  it('without storage and proxy, a failure is unknown and says the diagnostics are not configured', async () => {
    const target = {
      name: 'bare',
      sentinel: { sha256, size: body.length },
      app: { url: `${base}/app/`, offload: { header: 'X-Accel-Redirect', value: '/_storage/hc.txt' } },
      endToEnd: { url: `${base}/missing/` },
    };
    const r = await dd(['run', '--format', 'json'], {
      'download-doctor.config.json': json({ targets: [target] }),
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out).reports[0];
    expect(report.verdict).toMatchObject({ status: 'failed', fault: 'unknown' });
    expect(report.results.map((x: { layer: string; kind?: string }) => [x.layer, x.kind])).toEqual([
      ['end-to-end', 'status'],
      ['app', undefined],
      ['storage', 'not-configured'],
      ['proxy', 'not-configured'],
    ]);
    expect(report.verdict.summary).toContain('the target has no "storage" settings');
    const table = await dd(['run'], {}, r.cwd);
    expect(table.out).toMatch(/^ {2}N\/A {3}storage /m);
    const alone = await dd(['check', 'storage'], {}, r.cwd);
    expect(alone.code).toBe(2);
    expect(alone.err).toContain('target "bare" has no "storage" settings');
  });
});
