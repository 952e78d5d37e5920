import { describe, expect, it } from 'vitest';
import { redactDeep, redactor, secretForms, withoutUrlPasswords } from '../../functions/checks/redact.ts';

const VALUE = 'Bearer dd-T0ken/with+reflect=';
const CREDENTIAL = 'dd-T0ken/with+reflect=';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('redaction of a resolved secret', () => {
  const redact = redactor([VALUE]);

  it.each([
    ['as sent', `got ${VALUE} back`],
    ['URL-encoded', `Location: /login?next=%2F&auth=${encodeURIComponent(VALUE)}`],
    ['URL-encoded in lower case', `t=${encodeURIComponent(CREDENTIAL).toLowerCase()}`],
    ['form-encoded (spaces as +)', `auth=${encodeURIComponent(VALUE).replace(/%20/g, '+')}&x=1`],
    ['base64', `X-Echo: ${b64(VALUE)}`],
    ['base64 without padding', `t=${b64(VALUE).replace(/=+$/, '')}.`],
    ['base64url', `t=${b64(CREDENTIAL).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}`],
    ['the credential without its scheme', `token ${CREDENTIAL} rejected`],
    ['the credential URL-encoded', `?t=${encodeURIComponent(CREDENTIAL)}`],
    ['the credential in base64', b64(CREDENTIAL)],
  ])('%s', (_name, text) => {
    const out = redact(text);
    expect(out).toContain('[redacted]');
    for (const form of [VALUE, CREDENTIAL, encodeURIComponent(VALUE), encodeURIComponent(CREDENTIAL)])
      expect(out.toLowerCase()).not.toContain(form.toLowerCase());
    for (const form of [b64(VALUE), b64(CREDENTIAL)]) expect(out).not.toContain(form.replace(/=+$/, ''));
  });

  it('leaves other text alone, and is the identity without secrets', () => {
    expect(redact('[STATUS] 404, expected 200')).toBe('[STATUS] 404, expected 200');
    expect(redactor([])('Bearer x')).toBe('Bearer x');
  });

  it("redacts every string of a result and its headers' names, and keeps numbers, booleans and its own fields", () => {
    const result = {
      ok: false,
      observed: {
        status: 302,
        headers: { location: `/x?t=${encodeURIComponent(VALUE)}`, [CREDENTIAL]: 'k' },
      },
      conditions: [{ subject: '[Location]', observed: VALUE, pass: false }],
    };
    expect(redactDeep(result, redact)).toEqual({
      ok: false,
      observed: { status: 302, headers: { location: '/x?t=[redacted]', '[redacted]': 'k' } },
      conditions: [{ subject: '[Location]', observed: '[redacted]', pass: false }],
    });
  });

  it('searches no value too short to be told from the text around it (a result stays a result)', () => {
    const short = redactor(['x']);
    const result = { expected: { status: 200 }, kind: 'status', message: 'expected 200' };
    expect(redactDeep(result, short)).toEqual(result);
    expect(secretForms(['abc'])).not.toContain('abc');
    // A form of the value may still be long enough: "abc" in base64 is "YWJj" (4 characters).
    expect(redactor(['abc'])('token YWJj')).toBe('token [redacted]');
  });
});

describe("a URL's password in a message", () => {
  it.each([
    [
      '--download http://user:s3cret@127.0.0.1:1/d/: refused',
      '--download http://user:[redacted]@127.0.0.1:1/d/: refused',
    ],
    [
      'a https://:tok%40en@h.example/x and ftp://u:p@h/',
      'a https://:[redacted]@h.example/x and ftp://u:[redacted]@h/',
    ],
    // A bare @ in the password or the user name: the URL parser takes the last @ as the end of both.
    [
      '--download http://user:p@ss@127.0.0.1:1/d/: refused',
      '--download http://user:[redacted]@127.0.0.1:1/d/: refused',
    ],
    [
      'http://a@b:c@h/x and http://user:pw@host:8080/',
      'http://a@b:[redacted]@h/x and http://user:[redacted]@host:8080/',
    ],
  ])('%s', (text, redacted) => {
    expect(withoutUrlPasswords(text)).toBe(redacted);
  });

  it('leaves a URL without a password alone, its user name and an @ in its path or query included', () => {
    for (const text of [
      'http://user@h/',
      'http://user@h:8080/x@y',
      'http://h:8080/?q=a@b',
      'https://h.example/a@b?c=d@e',
      'mailto:a@b.example',
      'ops:ALARM@12:00',
    ])
      expect(withoutUrlPasswords(text)).toBe(text);
  });
});
