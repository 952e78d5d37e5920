/**
 * Text a server chose is made safe in one place (functions/contract/text.ts), applied to every result as it leaves
 * runCheck (after redaction) and to a crashed check's cause in the diagnose handler.
 */
import { describe, expect, it } from 'vitest';
import type { HttpProbeRequest } from '../../functions/checks/probes.ts';
import { runCheck } from '../../functions/checks/run.ts';
import type { Config } from '../../functions/config/schema.ts';
import { MAX_TEXT_LENGTH, safeDeep, safeText } from '../../functions/contract/text.ts';
import type { CheckResult, HttpObservation } from '../../functions/contract/types.ts';
import { diagnoseHandler } from '../../functions/handlers/diagnose.ts';
import { envResolver } from '../../functions/probes/secrets.ts';
import { targetInput, validConfig, validTarget } from '../fixtures/config.ts';
import { result } from '../fixtures/results.ts';

/** Any C0 or C1 control character, DEL, or a lone surrogate: none may reach an output. */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this pattern is for
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string of a JSON-like value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe('safeText', () => {
  it.each([
    ['plain text', 'NoSuchKey (HTTP 404)', 'NoSuchKey (HTTP 404)'],
    ['non-ASCII and a surrogate pair', 'rapport-été 📄.txt', 'rapport-été 📄.txt'],
    ['ESC[2J (clear the screen)', '\u001b[2Jx', '\\x1b[2Jx'],
    ['an OSC title sequence', '\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07'],
    ['CR, LF and TAB', 'a\r\nb\tc', 'a\\x0d\\x0ab\\x09c'],
    ['NUL and DEL', 'a\u0000b\u007f', 'a\\x00b\\x7f'],
    ['a C1 CSI', 'a\u009b31m', 'a\\x9b31m'],
    ['a lone high surrogate', 'a\ud83d', 'a\\ud83d'],
    ['a lone low surrogate', '\udc4db', '\\udc4db'],
  ])('%s', (_name, text, safe) => {
    expect(safeText(text)).toBe(safe);
  });

  it(`cuts a long value to ${MAX_TEXT_LENGTH} characters, marker included, saying how much was cut`, () => {
    const long = 'x'.repeat(100_000);
    const cut = safeText(long);
    expect(cut.length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
    expect(cut).toMatch(/^x+… \[\d+ more characters cut\]$/);
    const shown = cut.indexOf('…');
    expect(cut).toContain(`[${100_000 - shown} more characters cut]`);
    // A long run of control characters: their escapes count, and are never split.
    const escapes = safeText('\u001b'.repeat(5_000));
    expect(escapes.length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
    expect(escapes).toMatch(/^(\\x1b)+… \[\d+ more characters cut\]$/);
  });

  it('counts what both cuts left out when a cut text is cut again (a page cuts shorter than the checks)', () => {
    const once = safeText('y'.repeat(100_000));
    const twice = safeText(once, 100);
    expect(twice.length).toBeLessThanOrEqual(100);
    const shown = twice.indexOf('…');
    expect(twice).toBe(`${'y'.repeat(shown)}… [${100_000 - shown} more characters cut]`);
  });

  it('is idempotent: safe text comes back unchanged', () => {
    for (const text of ['a\u001b[2J', 'x'.repeat(100_000), '\u001b'.repeat(5_000), 'été']) {
      const once = safeText(text);
      expect(safeText(once)).toBe(once);
    }
  });

  it('walks every string of a result, header names included', () => {
    const r = safeDeep({ message: 'a\u001b', observed: { headers: { 'x-\u001b': 'v\u0007' } }, n: 3 });
    expect(r).toEqual({ message: 'a\\x1b', observed: { headers: { 'x-\\x1b': 'v\\x07' } }, n: 3 });
  });
});

describe('a hostile storage answer leaves the check safe and redacted (runCheck)', () => {
  const secret = 'Bearer s3cr3t-value';
  const t = validTarget({
    proxy: { ...targetInput().proxy, headers: { Authorization: { env: 'DD_TOKEN' } } },
  });
  // S3's redirect to another region, its endpoint a terminal attack; a 100 KB header; the secret reflected.
  const hostile = async (req: HttpProbeRequest): Promise<HttpObservation> => ({
    reached: true,
    status: 301,
    headers: {
      'content-type': 'application/xml',
      server: `AmazonS3 ${'A'.repeat(100 * 1024)}`,
      'x-amz-request-id': `${'R'.repeat(1_990)}${req.headers.authorization}`,
    },
    bytes: 0,
    truncated: false,
    bodyHead:
      '<?xml version="1.0"?><Error><Code>PermanentRedirect</Code>' +
      `<Endpoint>\u001b[2J\u001b]0;pwned by ${req.headers.authorization}\u0007evil.example</Endpoint></Error>`,
    timings: { totalMs: 1 },
  });

  it('no control character, every string bounded, the secret redacted', async () => {
    const r = await runCheck('proxy', t, {
      probes: {
        http: hostile,
        storage: async () => ({ reached: false, kind: 'fs-error', error: 'x', timings: { totalMs: 0 } }),
        presign: async () => ({ ok: true, query: 'X-Amz-Signature=abcd' }),
      },
      secrets: envResolver({ DD_TOKEN: secret }),
    });
    expect(r).toMatchObject({ ok: false, kind: 's3-redirect' });
    // The endpoint S3 named, shown with its escape characters as text.
    expect(r.message).toBe(
      '[STATUS] 301 PermanentRedirect: S3 names the endpoint \\x1b[2J\\x1b]0;pwned by [redacted]\\x07evil.example; redirects are not followed, expected 200',
    );
    const all = strings(r);
    expect(all.filter((s) => UNSAFE.test(s))).toEqual([]);
    expect(Math.max(...all.map((s) => s.length))).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
    expect(r.observed.headers?.server).toMatch(/^AmazonS3 A+… \[\d+ more characters cut\]$/);
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
  });
});

describe("a crashed check's cause is made safe (the diagnose handler)", () => {
  it('a Catch output whose Cause holds control characters becomes a safe check-error result', async () => {
    const config: Config = validConfig();
    const report = await diagnoseHandler({ config })({
      target: 'prod',
      stage1: [
        {
          layer: 'end-to-end',
          ok: false,
          kind: 'check-error',
          error: { Error: 'Error', Cause: `{"errorMessage":"\u001b]0;pwned\u0007 ${'y'.repeat(5_000)}"}` },
        },
        result('app', 'ok'),
      ],
    });
    const crashed = report.results[0] as CheckResult;
    expect(crashed.kind).toBe('check-error');
    expect(crashed.observed.error).toMatch(/^Error: \{"errorMessage":"\\x1b\]0;pwned\\x07 y+… \[\d+ more/);
    expect(strings(report).filter((s) => UNSAFE.test(s))).toEqual([]);
    expect(crashed.observed.error?.length).toBeLessThanOrEqual(500);
  });
});
