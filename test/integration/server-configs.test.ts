/**
 * The generated configurations as the real servers read them (`nginx -t`, `apache2 -t`, `lighttpd -tt`), for
 * targets the sandbox does not run: S3 on AWS (a host name nginx resolves as it goes, TLS), a public bucket, an
 * HTTPS app, a path that differs between proxy and app, and every fault option. Nothing is served: the sandbox's
 * tests serve the sandbox's own targets.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema, type Target } from '../../functions/config/schema.ts';
import { apacheMainConfig, apacheSnippet } from '../../functions/snippets/apache.ts';
import { lighttpdMainConfig, lighttpdSnippet } from '../../functions/snippets/lighttpd.ts';
import { nginxMainConfig, nginxParts } from '../../functions/snippets/nginx.ts';

const dir = mkdtempSync(join(tmpdir(), 'dd-server-configs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function target(
  storage: object,
  offload: object,
  app = 'http://127.0.0.1:8000/healthcheck-utils/download/',
): Target {
  const [t] = configSchema.parse({
    targets: [
      {
        name: 'prod',
        sentinel: { sha256: 'a'.repeat(64), size: 25 },
        storage,
        app: { url: app, offload },
        proxy: { url: 'https://files.example.com/healthcheck-utils/storage/' },
        endToEnd: { url: 'https://files.example.com/healthcheck-utils/download/' },
      },
    ],
  }).targets;
  if (!t) throw new Error('no target');
  return t;
}

const aws = (proxyAuth: string) =>
  target(
    { type: 's3', bucket: 'media', key: 'reports/rapport-été.txt', region: 'eu-west-1', proxyAuth },
    { header: 'X-Accel-Redirect', value: '/_storage/reports/rapport-%C3%A9t%C3%A9.txt' },
    // An address: nginx resolves an upstream's name when it loads, and this test has no DNS.
    'https://10.0.0.5:8443/internal/download/',
  );
const disk = (header: string) =>
  target(
    { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
    { header, value: '/srv/files/healthcheck.txt' },
    'http://127.0.0.1:8000/internal/download/',
  );

/** Runs the server's own configuration test in a directory of its own; returns its status and output. */
function check(
  name: string,
  write: (prefix: string) => [file: string, text: string],
  args: (file: string) => string[],
  binary: string,
) {
  const prefix = join(dir, name);
  for (const sub of ['', 'empty', 'upload']) mkdirSync(join(prefix, sub), { recursive: true });
  const [file, text] = write(prefix);
  writeFileSync(join(prefix, file), text);
  const r = spawnSync(binary, args(join(prefix, file)), { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}\n${text}` };
}

describe('nginx reads the generated configuration', () => {
  it.each([
    ['a private bucket on AWS (a resolver, TLS, a rewritten key)', aws('presigned'), {}],
    ['a public bucket on AWS', aws('public'), {}],
    [
      'the signed query dropped (a fault option)',
      aws('presigned'),
      { dropSignedQuery: true, disableRanges: true },
    ],
  ])('%s', (name, t, options) => {
    const r = check(
      `nginx-${name.replace(/\W+/g, '-')}`,
      (prefix) => [
        'nginx.conf',
        nginxMainConfig(nginxParts(t, options), { prefix, listen: '127.0.0.1:8080' }),
      ],
      (file) => ['-t', '-p', join(file, '..'), '-c', 'nginx.conf'],
      '/usr/sbin/nginx',
    );
    expect(r.status, r.output).toBe(0);
  });
});

describe('Apache reads the generated configuration', () => {
  it.each([
    ['healthy', {}],
    [
      'every fault option',
      {
        xsendfileOff: true,
        appHostOverride: 'backend.internal',
        disableRanges: true,
        dropDisposition: true,
        appPortOverride: 9,
      },
    ],
  ])('%s', (name, options) => {
    const r = check(
      `apache-${name.replace(/\W+/g, '-')}`,
      (prefix) => [
        'httpd.conf',
        apacheMainConfig(apacheSnippet(disk('X-Sendfile'), options), '127.0.0.1:8080', { prefix }),
      ],
      (file) => ['-t', '-f', file],
      '/usr/sbin/apache2',
    );
    expect(r.status, r.output).toBe(0);
  });
});

describe('lighttpd reads the generated configuration', () => {
  it.each([
    ['X-Sendfile', disk('X-Sendfile'), {}],
    [
      'X-Lighttpd-Send-File, every fault option',
      disk('X-Lighttpd-Send-File'),
      {
        xsendfileOff: true,
        xsendfilePathOverride: '/var/empty/',
        appHostOverride: 'backend.internal',
        disableRanges: true,
        dropDisposition: true,
        appPortOverride: 9,
      },
    ],
  ])('%s', (name, t, options) => {
    const r = check(
      `lighttpd-${name.replace(/\W+/g, '-')}`,
      (prefix) => [
        'lighttpd.conf',
        lighttpdMainConfig(lighttpdSnippet(t, options), '127.0.0.1:8080', { prefix }),
      ],
      (file) => ['-tt', '-f', file],
      '/usr/sbin/lighttpd',
    );
    expect(r.status, r.output).toBe(0);
  });
});
