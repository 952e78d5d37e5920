/**
 * Redaction of resolved secrets. A server can reflect a request header anywhere: in a response header, a
 * redirect's Location, a certificate, an error text. So every string of a result is searched for each secret in
 * the forms it travels in (as sent, URL-encoded, base64), and each match becomes `[redacted]`. Pure.
 *
 * The checks apply it once, to every result before it leaves (functions/checks/run.ts): the outputs, the stored
 * report, the page and the logs are all made of results, so none of them has to remember it.
 */
import { mapResultStrings } from '../contract/text.ts';

export const REDACTED = '[redacted]';

/** `Bearer abc`, `Token abc`, `Basic dXNlcjpw`: the credential alone may be reflected without its scheme. */
const SCHEME_AND_CREDENTIAL = /^[A-Za-z][\w.-]*\s+(\S+)$/;

const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/**
 * Shorter than this, a value is not searched for: one or two characters would match all over every text (and a
 * kind or a status would no longer be one); such a value protects nothing that redaction could.
 */
export const MIN_SECRET_LENGTH = 4;

/** Every form a secret value may surface in, longest first (so that a longer form is replaced whole). */
export function secretForms(values: Iterable<string>): string[] {
  const forms = new Set<string>();
  for (const value of values) {
    const credential = SCHEME_AND_CREDENTIAL.exec(value)?.[1];
    for (const v of credential ? [value, credential] : [value]) {
      const b64 = base64(v);
      for (const form of [
        v,
        encodeURIComponent(v),
        // application/x-www-form-urlencoded: spaces as "+".
        encodeURIComponent(v).replace(/%20/g, '+'),
        b64,
        b64.replace(/=+$/, ''),
        b64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'),
      ]) {
        if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
      }
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A function that redacts the given secrets from a string; the identity when there are none. */
export function redactor(values: Iterable<string>): (text: string) => string {
  const forms = secretForms(values);
  if (forms.length === 0) return (text) => text;
  // Case-insensitive: percent-encoding may come back in lower case (%2f); over-matching only hides more.
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'gi');
  return (text) => text.replace(pattern, REDACTED);
}

/** A copy of a JSON-like value (a check's result) with every string redacted, and the keys of `headers` maps. */
export const redactDeep = <T>(value: T, redact: (text: string) => string): T =>
  mapResultStrings(value, redact);

/**
 * A text with the password of every URL in it (`https://user:PASSWORD@host/`) redacted: an error message may quote a
 * URL as it was given on the command line, where a password does not belong but may be. The user information ends
 * at the authority's last `@`, as a URL parser reads it: a password given with a bare `@` in it (`p@ss`) is
 * redacted whole.
 */
export const withoutUrlPasswords = (text: string): string =>
  text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#:]*):[^\s/?#]*@/gi, `$1:${REDACTED}@`);
