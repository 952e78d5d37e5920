import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { targetInput } from '../fixtures/config.ts';

const BIN = new URL('../../bin/download-doctor', import.meta.url).pathname;

function dd(args: string[], files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dd-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync(BIN, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('the CLI on bad input', () => {
  it('exits 2 and names every bad field of a JSON config, without a stack trace', () => {
    const bad = {
      targets: [
        {
          ...targetInput(),
          name: 'Prod!',
          app: { url: 'ftp://x', offload: { header: 'X-Foo', value: '/a' } },
        },
      ],
    };
    const r = dd(['run'], { 'download-doctor.config.json': JSON.stringify(bad) });
    expect(r.code).toBe(2);
    expect(r.err).toContain('invalid config (3 problems)');
    expect(r.err).toContain('targets[0].name: must be a short slug');
    expect(r.err).toContain('targets[0].app.url: must be an http(s) URL (got "ftp://x")');
    expect(r.err).toContain('targets[0].app.offload.header');
    noStack(r.err);
  });

  it('exits 2 on a config that is not JSON, or missing', () => {
    const broken = dd(['run'], { 'download-doctor.config.json': '{ "targets": [' });
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/not valid JSON/);
    const missing = dd(['run', '--config', 'nope.json']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toContain('config file not found: nope.json');
  });

  it('loads a typed config written with defineConfig, and exits 2 on an unknown target', () => {
    const ts = `import { defineConfig } from '${new URL('../../functions/core/config.ts', import.meta.url).pathname}';
export default defineConfig({ targets: [${JSON.stringify(targetInput())}] });`;
    const r = dd(['run', '--target', 'qa'], { 'download-doctor.config.ts': ts });
    expect(r.err).toContain('no target named "qa" (configured: prod)');
    expect(r.code).toBe(2);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['run', '--format', 'xml'], '--format must be one of table, json, junit (got "xml")'],
    [['check', 'database'], 'check needs a LAYER: end-to-end, app, storage, proxy (got "database")'],
    [['run', '--nope'], "Unknown option '--nope'"],
    [['invoke', '--target', 'prod'], "invoke needs the workflow's state machine"],
  ])('exits 2 on bad usage: %s', (args, message) => {
    const r = dd(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    noStack(r.err);
  });

  it('prints the nginx snippet for a target', () => {
    const r = dd(['snippets', 'nginx'], {
      'download-doctor.config.json': JSON.stringify({ targets: [targetInput()] }),
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('internal;');
    expect(r.out).toContain('location /_storage/ {');
  });

  it('prints the Apache snippet for a target on disk, and refuses one on S3 naming the field', () => {
    const disk = {
      ...targetInput(),
      storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
      app: { ...targetInput().app, offload: { header: 'X-Sendfile', value: '/srv/files/healthcheck.txt' } },
    };
    const r = dd(['snippets', 'apache'], {
      'download-doctor.config.json': JSON.stringify({ targets: [disk] }),
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('XSendFilePath "/srv/files"');
    const s3 = dd(['snippets', 'apache'], {
      'download-doctor.config.json': JSON.stringify({ targets: [targetInput()] }),
    });
    expect(s3.code).toBe(2);
    expect(s3.err).toContain('snippets apache: storage.type is "s3"');
    noStack(s3.err);
  });

  it('prints the lighttpd snippet for a target on disk', () => {
    const disk = {
      ...targetInput(),
      storage: { type: 'filesystem', path: '/srv/files/healthcheck.txt' },
      app: { ...targetInput().app, offload: { header: 'X-Sendfile', value: '/srv/files/healthcheck.txt' } },
    };
    const r = dd(['snippets', 'lighttpd'], {
      'download-doctor.config.json': JSON.stringify({ targets: [disk] }),
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('"allow-x-send-file" => "enable", "x-sendfile-docroot" => ("/srv/files/")');
    const s3 = dd(['snippets', 'lighttpd'], {
      'download-doctor.config.json': JSON.stringify({ targets: [targetInput()] }),
    });
    expect(s3.code).toBe(2);
    expect(s3.err).toContain('snippets lighttpd: storage.type is "s3"');
    expect(dd(['snippets', 'caddy']).err).toContain(
      'snippets needs a server: nginx, apache, lighttpd, django',
    );
  });

  it('lists the sandbox faults of every variant under a heading each, or of one', () => {
    const all = dd(['sandbox', 'faults']);
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/^nginx-s3: /m);
    expect(all.out).toMatch(/^apache-disk: /m);
    expect(all.out).toMatch(/^lighttpd-disk: /m);
    expect(all.out).toMatch(/^ {2}lighttpd-xsendfile-off +failed proxy-app +end-to-end: size-mismatch$/m);
    expect(all.out).toMatch(/^ {2}apache-xsendfile-off +failed proxy-app +end-to-end: header-leak$/m);
    const one = dd(['sandbox', 'faults', '--variant', 'apache-disk']);
    expect(one.out).not.toContain('nginx-s3');
    expect(dd(['sandbox', 'faults', '--variant', 'iis']).err).toContain(
      '--variant must be one of nginx-s3, apache-disk, lighttpd-disk',
    );
  });
});
