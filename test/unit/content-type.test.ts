/**
 * The one Content-Type comparison (functions/contract/content-type.ts), and the checks that use it: the download,
 * its HEAD, and storage's object.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assessEndToEnd } from '../../functions/checks/end-to-end.ts';
import { assessStorage } from '../../functions/checks/storage.ts';
import { contentTypesMatch, parseContentType } from '../../functions/contract/content-type.ts';
import type { HttpObservation } from '../../functions/contract/types.ts';
import { validTarget } from '../fixtures/config.ts';

describe('contentTypesMatch', () => {
  it.each([
    // [config (or GET), answer, match]
    ['text/plain', 'text/plain', true],
    ['text/plain', 'TEXT/Plain', true],
    ['text/plain', 'text/html', false],
    ['text/plain', 'text/plain+xml', false],
    // A parameter on one side only is no mismatch, either way round.
    ['text/plain', 'text/plain; charset=utf-8', true],
    ['text/plain; charset=utf-8', 'text/plain', true],
    ['binary/octet-stream; charset=utf-8', 'binary/octet-stream', true],
    // A parameter on both sides: the same value; charset without case, others as they are.
    ['text/plain; charset=utf-8', 'text/plain;charset=UTF-8', true],
    ['text/plain; charset=utf-8', 'text/plain; charset="utf-8"', true],
    ['text/plain; charset=utf-8', 'text/plain; Charset=UTF-8', true],
    ['text/plain; charset=utf-8', 'text/plain; charset=iso-8859-1', false],
    ['multipart/mixed; boundary=abc', 'multipart/mixed; boundary=ABC', false],
    ['text/plain; charset=utf-8; format=flowed', 'text/plain; format=flowed', true],
    // What does not parse as a media type never matches (and never throws).
    ['text/plain', '', false],
    ['text/plain', 'garbage', false],
    ['text/plain', 'text/', false],
    ['text/plain', '/plain', false],
    ['text/plain', 'text/plain/extra', false],
    ['text/plain', 'text plain', false],
    ['garbage', 'garbage', false],
  ])('%j against %j: %s', (a, b, match) => {
    expect(contentTypesMatch(a, b)).toBe(match);
    expect(contentTypesMatch(b, a)).toBe(match);
  });

  it('parses a value into its lower-case type and its parameters, or nothing', () => {
    expect(parseContentType('Text/Plain; Charset="UTF-8"')).toEqual({
      type: 'text/plain',
      parameters: { charset: 'UTF-8' },
    });
    expect(parseContentType('not a type')).toBeUndefined();
  });
});

describe('every check compares Content-Type the same way', () => {
  const body = 'download-doctor sentinel\n';
  const sha256 = createHash('sha256').update(body).digest('hex');
  const t = (contentType: string) =>
    validTarget({ sentinel: { sha256, size: body.length, contentType, fileName: 'hc.txt' } });
  const ctx = { target: 'http://x/', startedAt: '2026-11-24T00:00:00Z' };
  const download = (type: string, extra: { bytes?: number } = {}): HttpObservation => ({
    reached: true,
    status: 200,
    headers: { 'content-type': type, 'content-disposition': 'attachment; filename="hc.txt"' },
    bytes: body.length,
    sha256,
    truncated: false,
    timings: { totalMs: 1 },
    ...extra,
  });
  const object = (type: string) => ({
    reached: true as const,
    bytes: body.length,
    sha256,
    metadata: { 'content-type': type },
    metadataSource: 'object' as const,
    timings: { totalMs: 1 },
  });

  it.each([
    // nginx adds its charset to what S3 answers: the object keeps S3's type without one.
    ['binary/octet-stream; charset=utf-8', 'binary/octet-stream', true],
    ['text/plain; charset=utf-8', 'text/plain; charset=UTF-8', true],
    ['text/plain; charset=utf-8', 'text/plain; charset=iso-8859-1', false],
    ['text/plain', 'binary/octet-stream', false],
    ['text/plain', 'text/plain;;;=', true],
    ['text/plain', '(none)', false],
  ])('config %j, answer %j: %s for the download, its HEAD and the object', (config, answer, match) => {
    const e2e = assessEndToEnd(t(config), download(answer), ctx);
    expect(e2e.conditions.find((c) => c.header === 'content-type')?.pass).toBe(match);
    const head = assessEndToEnd(t(config), download(config), ctx, {
      head: download(answer, { bytes: 0 }),
    });
    expect(head.conditions.find((c) => c.probe === 'head')?.pass).toBe(match);
    const storage = assessStorage(t(config), object(answer), ctx);
    expect(storage.conditions.find((c) => c.header === 'content-type')?.pass).toBe(match);
  });
});
