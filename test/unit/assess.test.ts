import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assessApp } from '../../functions/checks/app.ts';
import {
  crashedResult,
  dispositionFileName,
  notConfiguredResult,
} from '../../functions/checks/conditions.ts';
import { assessEndToEnd, validatorsOf } from '../../functions/checks/end-to-end.ts';
import { assessProxy } from '../../functions/checks/proxy.ts';
import { assessStorage } from '../../functions/checks/storage.ts';
import type { Target } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import type { HttpObservation } from '../../functions/contract/types.ts';
import { configInput, targetInput } from '../fixtures/config.ts';

const BODY = 'download-doctor sentinel\n';
const SHA = createHash('sha256').update(BODY).digest('hex');

function target(overrides: Record<string, unknown> = {}): Target {
  const v = validateConfig(
    configInput(
      targetInput({
        sentinel: { sha256: SHA, size: BODY.length, contentType: 'text/plain', fileName: 'hc.txt' },
        ...overrides,
      }),
    ),
  );
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.config.targets[0] as Target;
}

function seen(
  status: number,
  headers: Record<string, string>,
  body = BODY,
  extra: Partial<HttpObservation> = {},
): HttpObservation {
  return {
    reached: true,
    status,
    headers,
    bytes: Buffer.byteLength(body),
    sha256: createHash('sha256').update(body).digest('hex'),
    truncated: false,
    timings: { totalMs: 20, firstByteMs: 10 },
    ...extra,
  } as HttpObservation;
}

const ctx = { target: 'http://x/', startedAt: '2026-11-24T00:00:00Z' };
const served = {
  'content-type': 'text/plain',
  'content-disposition': 'attachment; filename="hc.txt"',
  'content-length': String(BODY.length),
};

describe('end-to-end assessment', () => {
  it.each([
    ['the sentinel as configured', seen(200, served), true, undefined],
    ['a 502 from the proxy', seen(502, {}, '<html>bad gateway</html>'), false, 'status'],
    [
      'the offload header reaching the client',
      seen(200, { ...served, 'x-accel-redirect': '/_storage/a' }, ''),
      false,
      'header-leak',
    ],
    ['other bytes', seen(200, served, 'download-doctor sentinel?'), false, 'checksum-mismatch'],
    ['fewer bytes', seen(200, served, 'download'), false, 'size-mismatch'],
    ['a truncated body', seen(200, served, 'down', { truncated: true }), false, 'truncated'],
    [
      'the wrong content type',
      seen(200, { ...served, 'content-type': 'text/html; charset=utf-8' }),
      false,
      'header-mismatch',
    ],
    [
      'the wrong file name',
      seen(200, { ...served, 'content-disposition': 'attachment; filename="x.txt"' }),
      false,
      'filename-mismatch',
    ],
    [
      'a refused connection',
      { reached: false, kind: 'connect-refused', error: 'ECONNREFUSED', timings: { totalMs: 1 } },
      false,
      'connect-refused',
    ],
  ] as const)('%s', (_name, obs, ok, kind) => {
    const r = assessEndToEnd(target(), obs as HttpObservation, ctx);
    expect(r.ok).toBe(ok);
    expect(r.kind).toBe(kind);
  });

  it('prints the failed condition with the observed value', () => {
    const r = assessEndToEnd(target(), seen(404, {}, 'nope'), ctx);
    expect(r.message).toBe('[STATUS] 404, expected 200');
    expect(r.observed.status).toBe(404);
  });

  it('keeps every condition it evaluated, passed or not; the message and kind name the first failure', () => {
    const r = assessEndToEnd(target(), seen(404, { 'content-type': 'text/html' }, 'nope'), ctx);
    expect(r.conditions.map((c) => [c.subject, c.pass, c.expected, c.observed])).toEqual([
      ['[STATUS]', false, '200', '404'],
      ['[X-Accel-Redirect]', true, 'absent at the client', 'absent'],
      ['[BODY].size', false, `${BODY.length} bytes`, '4 bytes'],
      ['[BODY].sha256', false, `${SHA.slice(0, 12)}…`, expect.stringMatching(/^[0-9a-f]{12}…$/)],
      ['[Content-Disposition, Content-Type].count', true, 'one value each', 'one value each'],
      ['[Content-Type]', false, '"text/plain"', '"text/html"'],
      ['[Content-Disposition].filename', false, '"hc.txt"', 'absent'],
    ]);
    expect(r.conditions.map((c) => c.kind)).toEqual([
      'status',
      'header-leak',
      'size-mismatch',
      'checksum-mismatch',
      'header-conflict',
      'header-mismatch',
      'filename-mismatch',
    ]);
    expect(r).toMatchObject({ kind: 'status', message: '[STATUS] 404, expected 200' });
  });

  it('keeps its conditions when it passes too, all passed', () => {
    const r = assessEndToEnd(target(), seen(200, served), ctx);
    expect(r.conditions.length).toBeGreaterThan(3);
    expect(r.conditions.every((c) => c.pass)).toBe(true);
  });

  it('without a response, one failed condition says so, with the error', () => {
    const r = assessEndToEnd(
      target(),
      { reached: false, kind: 'connect-refused', error: 'ECONNREFUSED: refused', timings: { totalMs: 1 } },
      ctx,
    );
    expect(r.conditions).toEqual([
      {
        subject: '[RESPONSE]',
        kind: 'connect-refused',
        pass: false,
        expected: 'an HTTP response',
        observed: 'ECONNREFUSED: refused',
      },
    ]);
  });

  it('notes a redirect it did not follow, with where it pointed', () => {
    const r = assessEndToEnd(target(), seen(301, { location: 'http://x/healthcheck-utils/download/' }), ctx);
    expect(r.notes).toEqual([
      'the answer was a 301 redirect to http://x/healthcheck-utils/download/; redirects are not followed',
    ]);
    expect(assessEndToEnd(target(), seen(200, served), ctx).notes).toBeUndefined();
  });

  describe('the negative and range probes', () => {
    const head = createHash('sha256').update(BODY.slice(0, 10)).digest('hex');
    const download = seen(200, served, BODY, { headSha256: head });
    const refused = seen(404, {}, 'not found');
    const partial = seen(206, served, BODY.slice(0, 10));
    it.each([
      ['refused from outside, 206 with the first bytes', refused, partial, true, undefined],
      [
        'the internal location served to an outside client',
        seen(200, served),
        partial,
        false,
        'internal-exposed',
      ],
      ['a 200 with the whole file to a Range request', refused, seen(200, served), false, 'range-ignored'],
      ['a 206 with other bytes', refused, seen(206, served, 'x'.repeat(10)), false, 'range-ignored'],
    ] as const)('%s', (_name, internal, range, ok, kind) => {
      const r = assessEndToEnd(target(), download, ctx, { internal, range });
      expect(r.ok).toBe(ok);
      expect(r.kind).toBe(kind);
    });

    it('a refused internal location and a right Range answer read as such in the passed conditions', () => {
      const r = assessEndToEnd(target(), download, ctx, { internal: refused, range: partial });
      expect(r.conditions.slice(-2).map((c) => [c.pass, c.observed])).toEqual([
        [true, '404: refused'],
        [true, '206 with 10 bytes'],
      ]);
    });

    it('speaks only once the download itself works', () => {
      const r = assessEndToEnd(target(), seen(502, {}, 'bad'), ctx, { internal: seen(200, served) });
      expect(r.kind).toBe('status');
    });
  });

  it('is slow, not failed, above the degraded threshold', () => {
    const t = target({ endToEnd: { url: 'http://x/', degradedMs: 10 } });
    const r = assessEndToEnd(t, seen(200, served), ctx);
    expect(r).toMatchObject({ ok: true, slow: true });
    expect(r.message).toContain('degraded above 10 ms');
  });
});

describe('app assessment (headers only)', () => {
  // A private bucket (the default): the app hands nginx a signed URL.
  const signature =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261124%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Signature=0123abcd';
  const value = `/_storage/healthcheck/healthcheck.txt?${signature}`;
  const named = { 'content-disposition': 'attachment; filename="hc.txt"' };
  it.each([
    [
      'the offload header and no body',
      seen(200, { 'x-accel-redirect': value, ...named }, ''),
      true,
      undefined,
    ],
    [
      // django-downloadview without basename: the name of the redirect URL, percent-encoded.
      'the offload header, but another download name',
      seen(
        200,
        { 'x-accel-redirect': value, 'content-disposition': 'attachment; filename="h%C3%A9.txt"' },
        '',
      ),
      false,
      'filename-mismatch',
    ],
    [
      'no header and the file streamed (silent fallback)',
      seen(200, { 'content-length': '25' }, 'download-'),
      false,
      'not-offloaded',
    ],
    ['no header and no body', seen(200, {}, ''), false, 'header-mismatch'],
    [
      'a wrong prefix',
      seen(200, { 'x-accel-redirect': '/media/healthcheck.txt' }, ''),
      false,
      'header-mismatch',
    ],
    ['a 400 (Host refused)', seen(400, {}, 'Bad Request'), false, 'status'],
  ] as const)('%s', (_name, obs, ok, kind) => {
    const r = assessApp(target(), obs as HttpObservation, ctx);
    expect(r.ok).toBe(ok);
    expect(r.kind).toBe(kind);
  });

  it("states what it saw in passed conditions too (they are shown now); a 404's body is no fallback", () => {
    const pass = assessApp(target(), seen(200, { 'x-accel-redirect': value, ...named }, ''), ctx);
    // The signature is never shown, in passed conditions either.
    const printed = value
      .replace('Signature=0123abcd', 'Signature=REDACTED')
      .replace(/Credential=[^&]+/, 'Credential=REDACTED');
    expect(pass.conditions.find((c) => c.kind === 'not-offloaded')).toMatchObject({
      pass: true,
      observed: `"${printed}", and no body`,
    });
    const notFound = assessApp(target(), seen(404, {}, 'Not Found'), ctx);
    expect(notFound.conditions.map((c) => c.subject)).toEqual([
      '[STATUS]',
      '[X-Accel-Redirect]',
      '[X-Accel-Redirect].query',
      '[Content-Disposition].filename',
      '[Content-Disposition, Content-Type].count',
    ]);
  });

  it('names the download name when it differs, decoding filename* (RFC 6266)', () => {
    const t = target({ sentinel: { sha256: SHA, size: BODY.length, fileName: 'rapport-été.txt' } });
    const rfc6266 = `attachment; filename="rapport-ete.txt"; filename*=UTF-8''rapport-%C3%A9t%C3%A9.txt`;
    const headers = { 'x-accel-redirect': value };
    expect(assessApp(t, seen(200, { ...headers, 'content-disposition': rfc6266 }, ''), ctx).ok).toBe(true);
    const bad = 'attachment; filename="rapport-%C3%A9t%C3%A9.txt"';
    const r = assessApp(t, seen(200, { ...headers, 'content-disposition': bad }, ''), ctx);
    expect(r.message).toBe(
      '[Content-Disposition].filename "rapport-%C3%A9t%C3%A9.txt", expected "rapport-été.txt"',
    );
  });

  it('wants a signed URL for a private bucket, never prints the signature, and takes an unsigned one when public', () => {
    const unsigned = seen(200, { 'x-accel-redirect': '/_storage/healthcheck/healthcheck.txt', ...named }, '');
    const r = assessApp(target(), unsigned, ctx);
    expect(r).toMatchObject({ ok: false, kind: 'header-mismatch' });
    expect(r.message).toBe(
      '[X-Accel-Redirect].query no query: the URL is unsigned, expected a signed query (X-Amz-Signature=…): the bucket is private (storage.proxyAuth "presigned")',
    );
    const signed = assessApp(target(), seen(200, { 'x-accel-redirect': value, ...named }, ''), ctx);
    expect(signed.ok).toBe(true);
    const printed = JSON.stringify(signed);
    expect(printed).not.toContain('0123abcd');
    expect(printed).not.toContain('AKIAEXAMPLE');
    expect(printed).toContain('X-Amz-Signature=REDACTED');
    const pub = target({
      storage: {
        type: 's3',
        bucket: 'downloads-prod',
        key: 'healthcheck/healthcheck.txt',
        region: 'eu-west-1',
        proxyAuth: 'public',
      },
    });
    expect(assessApp(pub, unsigned, ctx).ok).toBe(true);
    // Readable by the proxy's network path only: unsigned too.
    const network = target({ storage: { ...pub.storage, proxyAuth: 'network' } });
    expect(assessApp(network, unsigned, ctx).ok).toBe(true);
  });

  it('matches a pattern when the config gives one', () => {
    const t = target({
      app: { url: 'http://a/', offload: { header: 'X-Sendfile', value: { pattern: '^/srv/.+\\.txt$' } } },
    });
    expect(assessApp(t, seen(200, { 'x-sendfile': '/srv/a/b.txt', ...named }, ''), ctx).ok).toBe(true);
    const r = assessApp(t, seen(200, { 'x-sendfile': '/tmp/b.txt' }, ''), ctx);
    expect(r.message).toBe('[X-Sendfile] "/tmp/b.txt", expected /^/srv/.+\\.txt$/');
  });
});

describe('proxy and storage assessment', () => {
  it('compares size and sha256', () => {
    expect(assessProxy(target(), seen(200, {}), ctx).ok).toBe(true);
    expect(assessProxy(target(), seen(403, {}, ''), ctx).kind).toBe('status');
    const okStorage = assessStorage(
      target(),
      { reached: true, bytes: BODY.length, sha256: SHA, timings: { totalMs: 3 } },
      ctx,
    );
    expect(okStorage.ok).toBe(true);
    const bad = assessStorage(
      target(),
      { reached: true, bytes: BODY.length, sha256: 'f'.repeat(64), timings: { totalMs: 3 } },
      ctx,
    );
    expect(bad).toMatchObject({ ok: false, kind: 'checksum-mismatch' });
    const missing = assessStorage(
      target(),
      { reached: false, kind: 's3-no-such-key', error: 'NoSuchKey', timings: { totalMs: 3 } },
      ctx,
    );
    expect(missing.message).toBe('the sentinel key does not exist (NoSuchKey)');
    expect(missing.conditions).toMatchObject([
      { subject: '[READ]', kind: 's3-no-such-key', pass: false, observed: 'NoSuchKey' },
    ]);
  });

  it('a check without settings is not configured, not crashed: its condition says so (a bug of the issue)', () => {
    const r = notConfiguredResult('storage', 'prod', '2026-11-24T00:00:00Z');
    expect(r).toMatchObject({ ok: false, kind: 'not-configured' });
    expect(r.conditions).toEqual([
      {
        subject: '[CHECK]',
        kind: 'not-configured',
        pass: false,
        expected: 'settings for this check',
        observed:
          'the target has no "storage" settings: add them to the config so that a failure names its layer',
      },
    ]);
  });

  it('a crashed check has one failed condition, with the error', () => {
    const r = crashedResult('proxy', 'prod', 'TypeError: x is undefined', '2026-11-24T00:00:00Z');
    expect(r.conditions).toEqual([
      {
        subject: '[CHECK]',
        kind: 'check-error',
        pass: false,
        expected: 'the check runs',
        observed: 'TypeError: x is undefined',
      },
    ]);
  });
});

describe('Content-Disposition file names', () => {
  it.each([
    ['attachment; filename="hc.txt"', 'hc.txt'],
    [
      'attachment; filename="rapport-ete.txt"; filename*=UTF-8\'\'rapport-%C3%A9t%C3%A9.txt',
      'rapport-été.txt',
    ],
    ['inline', undefined],
    ['garbage;;;=', undefined],
    [undefined, undefined],
  ])('%s', (header, name) => {
    expect(dispositionFileName(header)).toBe(name);
  });
});

describe('what a download shows besides its bytes (issue 12)', () => {
  const raw = (headers: [string, string][], extra: Partial<HttpObservation> = {}) =>
    seen(200, Object.fromEntries(headers), BODY, { rawHeaders: headers, ...extra });
  const base: [string, string][] = Object.entries(served);

  it('fails on two Content-Disposition headers with different values (read apart, not joined)', () => {
    const two = raw([...base, ['content-disposition', 'attachment; filename="other.txt"']]);
    const r = assessEndToEnd(target(), two, ctx);
    expect(r).toMatchObject({ ok: false, kind: 'header-conflict' });
    expect(r.message).toBe(
      '[Content-Disposition, Content-Type].count Content-Disposition: "attachment; filename=\\"hc.txt\\"" and "attachment; filename=\\"other.txt\\"", expected one value each',
    );
  });

  it('notes, without failing, a header repeated with the same value, storage headers, a missing length and an encoding', () => {
    const headers: [string, string][] = [
      ['content-type', 'text/plain'],
      ['content-disposition', 'attachment; filename="hc.txt"'],
      ['cache-control', 'private'],
      ['cache-control', 'private'],
      ['x-amz-request-id', 'ABC'],
      ['x-amzn-requestid', 'DEF'],
      ['transfer-encoding', 'chunked'],
      ['content-encoding', 'gzip'],
    ];
    const r = assessEndToEnd(target(), raw(headers, { wireBytes: 40 }), ctx);
    expect(r.ok).toBe(true);
    expect(r.notes).toEqual([
      'storage headers reach the client (hide them at the proxy): x-amz-request-id, x-amzn-requestid [storage-headers]',
      'a header is sent twice with the same value: Cache-Control: "private", 2 times [repeated-header]',
      'the download has no Content-Length: browsers show no progress and cannot tell a cut download from a whole one: Transfer-Encoding chunked [no-content-length]',
      'the download carries a Content-Encoding the sentinel does not have (compression on the route): "gzip" [content-encoding]',
    ]);
    expect(r.conditions.find((c) => c.subject === '[BODY].decoded')).toMatchObject({
      pass: true,
      observed: `decoded: 40 bytes on the wire, ${BODY.length} decoded`,
    });
  });

  it('fails a body that does not decode as its Content-Encoding says', () => {
    const obs = raw([...base, ['content-encoding', 'gzip']], {
      decodeError: 'Z_DATA_ERROR: incorrect header check (Content-Encoding gzip)',
      bytes: 0,
    });
    const r = assessEndToEnd(target(), obs, ctx);
    expect(r).toMatchObject({ ok: false, kind: 'content-decoding' });
    expect(r.message).toContain('incorrect header check');
  });

  it('says how far it read a body that grew past the sentinel', () => {
    const r = assessEndToEnd(target(), seen(200, served, BODY.repeat(100), { overflow: true }), ctx);
    expect(r).toMatchObject({ ok: false, kind: 'size-mismatch' });
    expect(r.message).toBe(
      `[BODY].size more than ${BODY.length} bytes (stopped reading after ${BODY.length * 100}), expected ${BODY.length} bytes`,
    );
  });

  it("names S3's redirect to another region, and S3's error code in a status", () => {
    const moved = seen(301, { 'x-amz-bucket-region': 'eu-central-1' }, '', {
      bodyHead:
        '<?xml version="1.0"?><Error><Code>PermanentRedirect</Code><Endpoint>b.s3.eu-central-1.amazonaws.com</Endpoint></Error>',
    });
    const r = assessProxy(target(), moved, ctx);
    expect(r).toMatchObject({ ok: false, kind: 's3-redirect' });
    expect(r.message).toBe(
      '[STATUS] 301 PermanentRedirect: the bucket is in eu-central-1; redirects are not followed, expected 200',
    );
    const temporary = seen(307, {}, '', {
      bodyHead:
        '<Error><Code>TemporaryRedirect</Code><Endpoint>b.s3-eu-west-3.amazonaws.com</Endpoint></Error>',
    });
    expect(assessEndToEnd(target(), temporary, ctx).message).toBe(
      '[STATUS] 307 TemporaryRedirect: S3 names the endpoint b.s3-eu-west-3.amazonaws.com; redirects are not followed, expected 200',
    );
    // A plain redirect (a missing slash) stays a status.
    expect(assessEndToEnd(target(), seen(301, { location: '/x/' }, ''), ctx).kind).toBe('status');
    const denied = seen(403, {}, '', {
      bodyHead: '<Error><Code>AccessDenied</Code><Message>no</Message></Error>',
    });
    expect(assessProxy(target(), denied, ctx).message).toBe('[STATUS] 403 (S3 AccessDenied), expected 200');
  });

  it('says when a proxy in front of S3 answers an error with nothing of storage in it (masking)', () => {
    const masked = assessProxy(target(), seen(404, { 'content-type': 'text/html' }, '<html>404</html>'), ctx);
    expect(masked.message).toBe(
      '[STATUS] 404 (no sign of storage in it: no x-amz-* header, no S3 error document), expected 200',
    );
    const fromS3 = seen(404, { 'x-amz-request-id': 'R' }, '');
    expect(assessProxy(target(), fromS3, ctx).message).toBe('[STATUS] 404, expected 200');
  });

  describe('HEAD and the conditional GET', () => {
    const download = seen(200, { ...served, etag: '"abc"' });
    it.each([
      ['a HEAD as GET', { head: seen(200, served, '') }, true, undefined],
      ['a HEAD refused (405)', { head: seen(405, { allow: 'GET' }, '') }, false, 'head-mismatch'],
      [
        'a HEAD with another length',
        { head: seen(200, { ...served, 'content-length': '0' }, '') },
        false,
        'head-mismatch',
      ],
      ['a 304 without a body', { conditional: seen(304, { etag: '"abc"' }, '') }, true, undefined],
      ['the whole sentinel again', { conditional: seen(200, served) }, true, undefined],
      [
        'a 304 with the offload header',
        { conditional: seen(304, { 'x-accel-redirect': '/_storage/a' }, '') },
        false,
        'conditional-mismatch',
      ],
      ['a 304 with a body', { conditional: seen(304, {}, 'x') }, false, 'conditional-mismatch'],
      ['a 200 with other bytes', { conditional: seen(200, served, '') }, false, 'conditional-mismatch'],
    ] as const)('%s', (_name, extra, ok, kind) => {
      const r = assessEndToEnd(target(), download, ctx, extra as never);
      expect(r.ok).toBe(ok);
      expect(r.kind).toBe(kind);
    });

    it('tells the offload header on a 304 apart from a wrong answer (diagnose blames the app for it)', () => {
      const r = assessEndToEnd(target(), download, ctx, {
        conditional: seen(304, { 'x-accel-redirect': '/_storage/a?X-Amz-Signature=s3cret' }, ''),
      });
      expect(r.conditions.filter((c) => !c.pass).map((c) => [c.subject, c.observed])).toEqual([
        ['[conditional GET].offload', '304 with X-Accel-Redirect: "/_storage/a?X-Amz-Signature=REDACTED"'],
      ]);
    });

    it('asks for the validators the download gave, and none when it gave none', () => {
      expect(
        validatorsOf(seen(200, { etag: '"e"', 'last-modified': 'Tue, 24 Nov 2026 00:00:00 GMT' })),
      ).toEqual({
        etag: '"e"',
        lastModified: 'Tue, 24 Nov 2026 00:00:00 GMT',
      });
      expect(validatorsOf(seen(200, {}))).toBeUndefined();
      expect(validatorsOf(seen(404, { etag: '"e"' }))).toBeUndefined();
    });

    it("checks the app's HEAD for the offload header", () => {
      const named = { 'content-disposition': 'attachment; filename="hc.txt"' };
      const t = target({ storage: { type: 'filesystem', path: '/srv/hc.txt' } });
      const app = seen(200, { 'x-accel-redirect': '/_storage/healthcheck/healthcheck.txt', ...named }, '');
      expect(assessApp(t, app, ctx, seen(405, { allow: 'GET' }, ''))).toMatchObject({
        ok: false,
        kind: 'head-mismatch',
        message:
          '[HEAD] 405, X-Accel-Redirect absent, expected 200 with X-Accel-Redirect "/_storage/healthcheck/healthcheck.txt", as GET',
      });
      expect(assessApp(t, app, ctx, app).ok).toBe(true);
    });
  });

  it('lists the offload headers that were there when the expected one is absent', () => {
    const t = target({ app: { url: 'http://a/', offload: { header: 'X-Sendfile', value: '/srv/hc.txt' } } });
    const r = assessApp(t, seen(200, { 'x-accel-redirect': '/_storage/hc.txt' }, ''), ctx);
    expect(r.message).toBe(
      '[X-Sendfile] absent (the answer carries X-Accel-Redirect: "/_storage/hc.txt"), expected "/srv/hc.txt"',
    );
  });
});

describe('storage: what the object carries besides its bytes (issue 12)', () => {
  const read = (metadata: Record<string, string>, source: 'object' | 'type-map' = 'object') => ({
    reached: true as const,
    bytes: BODY.length,
    sha256: SHA,
    metadata,
    metadataSource: source,
    timings: { totalMs: 3 },
  });

  it.each([
    ['the right metadata', { 'content-type': 'text/plain; charset=utf-8' }, true, undefined],
    ["S3's default type", { 'content-type': 'binary/octet-stream' }, false, 'metadata-mismatch'],
    [
      'a Content-Encoding',
      { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      false,
      'metadata-mismatch',
    ],
    [
      "a Content-Disposition beside the app's",
      { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="x.txt"' },
      false,
      'metadata-mismatch',
    ],
  ] as const)('%s', (_name, metadata, ok, kind) => {
    const r = assessStorage(target(), read(metadata), ctx);
    expect(r.ok).toBe(ok);
    expect(r.kind).toBe(kind);
    expect(r.observed.headers).toEqual(metadata);
  });

  it('compares Cache-Control when the sentinel names one', () => {
    const t = target({
      sentinel: {
        sha256: SHA,
        size: BODY.length,
        contentType: 'text/plain',
        cacheControl: 'private, no-store',
      },
    });
    expect(
      assessStorage(t, read({ 'content-type': 'text/plain', 'cache-control': 'Private,no-store' }), ctx).ok,
    ).toBe(true);
    const cached = assessStorage(
      t,
      read({ 'content-type': 'text/plain', 'cache-control': 'public, max-age=31536000' }),
      ctx,
    );
    expect(cached.message).toBe(
      '[object].Cache-Control "public, max-age=31536000", expected "private, no-store"',
    );
  });

  it("on disk, reports what a type map says of the file's name, without failing on it", () => {
    const r = assessStorage(target(), read({ 'content-type': 'application/octet-stream' }, 'type-map'), ctx);
    expect(r.ok).toBe(true);
    expect(r.notes).toEqual([
      'a front server that types files by name sends application/octet-stream for this one (its type map)',
    ]);
  });

  it('stops at a file that grew past the sentinel', () => {
    const r = assessStorage(target(), { ...read({}), bytes: 4096, overflow: true }, ctx);
    expect(r).toMatchObject({ ok: false, kind: 'size-mismatch' });
  });
});
