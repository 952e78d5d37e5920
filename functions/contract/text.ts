/**
 * Text that a server chose, made safe to print: a result carries what servers answered (an S3 error document's
 * fields, header values, error messages), and every output (a terminal, JUnit XML, the HTML report, a page) must
 * neither obey nor choke on it. Pure.
 *
 * The checks apply it once, to every string of every result after redaction (functions/checks/run.ts), and the
 * diagnose handler to the cause of a crashed check (functions/handlers/diagnose.ts).
 */

/**
 * The most characters one string of a result keeps, marker included: an error document or a header value is
 * worth a few lines, never 100 KB.
 */
export const MAX_TEXT_LENGTH = 2_000;

/**
 * Characters shown escaped rather than passed on: C0 controls (ESC, which starts terminal sequences, CR, LF, TAB
 * included: a result's strings are single lines), DEL, C1 controls (0x9b is a one-byte CSI), and lone surrogates
 * (half a character: invalid UTF-8 and XML).
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this pattern is for
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escaped = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
};

/** What stands for the part of a string that was cut: how many characters of the original are not shown. */
const cutMarker = (cut: number) => `… [${cut} more characters cut]`;
/** A marker at the end of a text cut before (the checks cut at MAX_TEXT_LENGTH; a page cuts shorter). */
const CUT_BEFORE = /… \[(\d+) more characters cut\]$/;

/**
 * `text` safe to print: control characters and lone surrogates shown escaped (`\x1b`, `\ud800`), and cut to at most
 * `max` characters with a marker that says how many characters of the original were left out (a text cut before
 * and cut again counts what both left out). Idempotent: safe text comes back unchanged.
 */
export function safeText(text: string, max = MAX_TEXT_LENGTH): string {
  const clean = text.replace(UNSAFE, escaped);
  if (clean.length <= max) return clean;
  const before = CUT_BEFORE.exec(text);
  const body = before ? text.slice(0, before.index) : text;
  const earlier = before ? Number(before[1]) : 0;
  // Piece by piece (a character, or its escape, never split) until the pieces and the marker fill `max`.
  const room = max - cutMarker(body.length + earlier).length;
  let shown = '';
  let at = 0;
  while (at < body.length) {
    const pair = /^[\ud800-\udbff][\udc00-\udfff]/.test(body.slice(at, at + 2));
    const unit = body.slice(at, at + (pair ? 2 : 1));
    const piece = unit.replace(UNSAFE, escaped);
    if (shown.length + piece.length > room) break;
    shown += piece;
    at += unit.length;
  }
  return `${shown}${cutMarker(body.length - at + earlier)}`;
}

/**
 * A copy of a JSON-like value (a check's result) with `f` applied to every string, and to the keys of `headers` maps
 * (a server names its headers; a result's own fields keep their names, or it would no longer be a result). The one
 * walk of a result, for redaction and for safe text alike.
 */
export function mapResultStrings<T>(value: T, f: (text: string) => string): T {
  const walk = (v: unknown, freeKeys: boolean): unknown => {
    if (typeof v === 'string') return f(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, false));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [freeKeys ? f(k) : k, walk(x, k === 'headers')]),
      );
    }
    return v;
  };
  return walk(value, false) as T;
}

/** A copy of a JSON-like value with every string made safe, the keys of `headers` maps too (a server names them). */
export const safeDeep = <T>(value: T): T => mapResultStrings(value, (text) => safeText(text));

/** An offload header's value for one line of text: a URL's query (a signature, redacted) shortened to `?…`. */
export function briefOffload(value: string): string {
  const at = value.indexOf('?');
  return at < 0 ? value : `${value.slice(0, at)}?…`;
}
