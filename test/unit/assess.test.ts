import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assessApp,
  assessEndToEnd,
  assessProxy,
  assessStorage,
  contentTypeMatches,
  crashedResult,
  dispositionFileName,
} from '../../functions/core/assess.ts';
import { type Target, validateConfig } from '../../functions/core/config.ts';
import type { HttpObservation } from '../../functions/core/types.ts';
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
const served = { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="hc.txt"' };

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
      ['[Content-Type]', false, '"text/plain"', '"text/html"'],
      ['[Content-Disposition].filename', false, '"hc.txt"', 'absent'],
    ]);
    expect(r.conditions.map((c) => c.kind)).toEqual([
      'status',
      'header-leak',
      'size-mismatch',
      'checksum-mismatch',
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

describe('Content-Type comparison', () => {
  it.each([
    ['text/plain', 'text/plain; charset=utf-8', true],
    ['text/plain; charset=utf-8', 'text/plain;charset=UTF-8', true],
    ['text/plain; charset=utf-8', 'text/plain', false],
    ['text/plain; charset=utf-8', 'text/plain; charset=iso-8859-1', false],
    ['text/plain', 'text/html', false],
  ])('%s against %s', (want, got, ok) => {
    expect(contentTypeMatches(want, got)).toBe(ok);
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
