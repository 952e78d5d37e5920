/**
 * What the four checks share: conditions kept as data (in the manner of Gatus' `[STATUS] == 200`), the result
 * they make, and the conditions more than one check evaluates. Pure: observation in, conditions out. A result
 * carries every condition, passed or not; the first that fails decides the kind, and prints with the observed value
 * filled in.
 */
import contentDisposition from 'content-disposition';
import type { Target } from '../config/schema.ts';
import {
  CACHE_HEADERS,
  FAILURE_KINDS,
  type FailureKind,
  type Layer,
  VALIDATOR_HEADERS,
} from '../contract/names.ts';
import { safeText } from '../contract/text.ts';
import type { CheckResult, Condition, Evidence, HttpObservation, Timings } from '../contract/types.ts';
import { firstFailure } from '../contract/wire.ts';

export type Response = Extract<HttpObservation, { reached: true }>;

/** The first failing condition, printed with its values: `[STATUS] 404, expected 200`. */
export function describeCondition(c: Condition): string {
  return `${c.subject} ${c.observed}, expected ${c.expected}`;
}

export interface Context {
  layer: Layer;
  target: string;
  startedAt: string;
  degradedMs?: number | undefined;
}

export const DAY_MS = 86_400_000;

/** A certificate's expiry and the whole days left until then, counted from `startedAt` (0 on its last day). */
export function tlsExpiry(notAfter: string, startedAt: string): NonNullable<CheckResult['tls']> {
  const left = (Date.parse(notAfter) - Date.parse(startedAt)) / DAY_MS;
  return { notAfter, daysLeft: Math.floor(left) };
}

export function result(
  ctx: Context,
  conditions: readonly Condition[],
  expected: Evidence,
  observed: Evidence,
  timings: Timings,
  okMessage: string,
  notes: readonly string[] = [],
  certificateNotAfter?: string,
): CheckResult {
  const failed = firstFailure(conditions);
  const slow = !failed && ctx.degradedMs !== undefined && timings.totalMs > ctx.degradedMs;
  const base = {
    layer: ctx.layer,
    target: ctx.target,
    expected,
    observed,
    conditions: [...conditions],
    timings,
    startedAt: ctx.startedAt,
    ...(notes.length ? { notes: [...notes] } : {}),
    ...(certificateNotAfter ? { tls: tlsExpiry(certificateNotAfter, ctx.startedAt) } : {}),
  };
  if (failed)
    return { ...base, ok: false, slow: false, kind: failed.kind, message: describeCondition(failed) };
  const message = slow
    ? `${okMessage}, but took ${Math.round(timings.totalMs)} ms (degraded above ${ctx.degradedMs} ms)`
    : okMessage;
  return { ...base, ok: true, slow, message };
}

/**
 * A check whose probe got no answer to judge (no response, no object read). Its one condition says what was
 * needed: `[RESPONSE]` for HTTP, `[READ]` for storage.
 */
export function unreachable(
  ctx: Context,
  obs: { kind: FailureKind; error: string; timings: Timings },
  expected: Evidence,
): CheckResult {
  const storage = ctx.layer === 'storage';
  return {
    layer: ctx.layer,
    target: ctx.target,
    ok: false,
    slow: false,
    kind: obs.kind,
    message: `${FAILURE_KINDS[obs.kind]} (${obs.error})`,
    expected,
    observed: { error: obs.error },
    conditions: [
      {
        subject: storage ? '[READ]' : '[RESPONSE]',
        kind: obs.kind,
        pass: false,
        expected: storage ? 'the sentinel read from storage' : 'an HTTP response',
        observed: obs.error,
      },
    ],
    timings: obs.timings,
    startedAt: ctx.startedAt,
  };
}

/** A 3xx is judged, never followed: say where it pointed (often a missing trailing slash, or a login page). */
export function redirectNotes(obs: Response): string[] {
  const location = obs.headers.location;
  if (obs.status < 300 || obs.status >= 400 || location === undefined) return [];
  return [`the answer was a ${obs.status} redirect to ${location}; redirects are not followed`];
}

export const short = (sha: string | undefined) => (sha ? `${sha.slice(0, 12)}…` : 'none');
export const shown = (v: string | undefined) => (v === undefined ? 'absent' : JSON.stringify(v));

export function sentinelConditions(
  t: Target,
  bytes: number,
  sha256: string | undefined,
  truncated: boolean,
  overflow = false,
): Condition[] {
  return [
    {
      subject: '[BODY].size',
      kind: truncated ? 'truncated' : 'size-mismatch',
      pass: bytes === t.sentinel.size && !truncated && !overflow,
      expected: `${t.sentinel.size} bytes`,
      observed: overflow
        ? `more than ${t.sentinel.size} bytes (stopped reading after ${bytes})`
        : `${bytes} bytes${truncated ? ' (truncated)' : ''}`,
      expectedValue: t.sentinel.size,
      observedValue: bytes,
    },
    {
      subject: '[BODY].sha256',
      kind: 'checksum-mismatch',
      pass: sha256 === t.sentinel.sha256,
      expected: short(t.sentinel.sha256),
      observed: short(sha256),
      expectedValue: t.sentinel.sha256,
      observedValue: sha256 ?? null,
    },
  ];
}

/** What an S3 error document (XML) says: its code, and for a redirect the region or endpoint it names. */
export function s3ErrorDocument(
  body: string | undefined,
): { code: string; region?: string; endpoint?: string } | undefined {
  if (!body) return undefined;
  const field = (name: string) => new RegExp(`<${name}>([^<]{1,200})</${name}>`).exec(body)?.[1];
  const code = field('Code');
  if (!code || !/<Error>/.test(body)) return undefined;
  const region = field('Region') ?? field('BucketRegion');
  const endpoint = field('Endpoint');
  return { code, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** Response headers that only storage sets: they prove an answer came from storage (and leak when shown). */
export const STORAGE_HEADER = /^x-(amz|amzn|goog)-/;

/**
 * A redirect from S3 to the bucket's region (301 PermanentRedirect, 307 TemporaryRedirect): the region it names,
 * from `x-amz-bucket-region` or the error document.
 */
export function s3Redirect(obs: Response): string | undefined {
  if (obs.status !== 301 && obs.status !== 307) return undefined;
  const doc = s3ErrorDocument(obs.bodyHead);
  const region = obs.headers['x-amz-bucket-region'] ?? doc?.region;
  if (!region && !/Redirect$/.test(doc?.code ?? '')) return undefined;
  const where = region ? `the bucket is in ${region}` : `S3 names the endpoint ${doc?.endpoint ?? '(none)'}`;
  return `${obs.status} ${doc?.code ?? 'redirect'}: ${where}; redirects are not followed`;
}

/**
 * `[STATUS]`: the status, with S3's error code when storage answered, and its own kind for an S3 redirect. For a
 * target whose storage is S3, whether the answer shows anything of storage's (`storageSign`).
 */
export function statusIs(t: Target, obs: Response, want: number): Condition {
  const redirect = s3Redirect(obs);
  const doc = s3ErrorDocument(obs.bodyHead);
  return {
    subject: '[STATUS]',
    kind: redirect ? 's3-redirect' : 'status',
    pass: obs.status === want,
    expected: String(want),
    observed: redirect ?? (doc ? `${obs.status} (S3 ${doc.code})` : String(obs.status)),
    expectedValue: want,
    observedValue: obs.status,
    ...(t.storage?.type === 's3' ? { storageSign: fromStorage(obs) } : {}),
  };
}

/** Whether an answer shows it came from storage: a storage header, or S3's error document. */
export function fromStorage(obs: Response): boolean {
  return Object.keys(obs.headers).some((h) => STORAGE_HEADER.test(h)) || !!s3ErrorDocument(obs.bodyHead);
}

/** The chosen response headers that go into a result's evidence, signatures redacted (a Location, a name). */
export function pick(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = headers[n.toLowerCase()];
    if (v !== undefined) out[n.toLowerCase()] = redactQuery(v);
  }
  return out;
}

export const EVIDENCE_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-disposition',
  'cache-control',
  'server',
  'location',
];

/** What shows that a cache served an answer: its validators (a copy keeps the old ones) and a cache's own headers. */
export const CACHE_EVIDENCE_HEADERS = [...VALIDATOR_HEADERS, ...CACHE_HEADERS];

/** What a response showed: status, the chosen headers, and the body's size and sha256 (when it was hashed). */
export function responseEvidence(obs: Response, headers: readonly string[]): Evidence {
  return {
    status: obs.status,
    headers: pick(obs.headers, headers),
    bytes: obs.bytes,
    ...(obs.sha256 ? { sha256: obs.sha256 } : {}),
  };
}

/**
 * The offload value the app must send: exact, or a pattern. An exact X-Accel-Redirect value without a query names
 * the URI's path: the app may add a query (a signed URL's, which changes on every request).
 */
export function offloadMatches(t: Target, value: string): boolean {
  const want = t.app.offload.value;
  if (typeof want !== 'string') return new RegExp(want.pattern).test(value);
  if (t.app.offload.header === 'X-Accel-Redirect' && !want.includes('?')) return value.split('?')[0] === want;
  return value === want;
}

/** The app must hand the proxy a signed URL: S3 behind nginx, with a private bucket. */
export function expectsSignedOffload(t: Target): boolean {
  return (
    t.storage?.type === 's3' &&
    t.storage.proxyAuth === 'presigned' &&
    t.app.offload.header === 'X-Accel-Redirect'
  );
}

/** Query parameters that carry a signature or a credential: never printed. */
export const SECRET_PARAMS =
  /^(x-amz-signature|x-amz-credential|x-amz-security-token|signature|awsaccesskeyid)$/i;

/** A URI or header value as it may be printed: the values of signature and credential parameters replaced. */
export function redactQuery(value: string): string {
  const q = value.indexOf('?');
  if (q < 0) return value;
  const params = value
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq > 0 && SECRET_PARAMS.test(p.slice(0, eq)) ? `${p.slice(0, eq)}=REDACTED` : p;
    });
  return `${value.slice(0, q)}?${params.join('&')}`;
}

export const SIGNED_QUERY = /[?&](X-Amz-Signature|Signature)=/;

export function describeOffloadValue(t: Target): string {
  const want = t.app.offload.value;
  return typeof want === 'string' ? JSON.stringify(want) : `/${want.pattern}/`;
}

/** Decoded file name of a Content-Disposition header (filename* preferred), or undefined. */
export function dispositionFileName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return contentDisposition.parse(header).parameters.filename;
  } catch {
    return undefined;
  }
}

/** Content-Disposition names the file `fileName` (decoded: filename* first, then filename). */
export function fileNameCondition(fileName: string, headers: Readonly<Record<string, string>>): Condition {
  const header = headers['content-disposition'];
  const got = dispositionFileName(header);
  return {
    subject: '[Content-Disposition].filename',
    kind: 'filename-mismatch',
    pass: got === fileName,
    expected: JSON.stringify(fileName),
    // A name taken from a signed URL carries its signature: never printed.
    observed: got === undefined ? shown(header && redactQuery(header)) : JSON.stringify(redactQuery(got)),
    header: 'content-disposition',
    expectedValue: fileName,
    observedValue: got === undefined ? null : redactQuery(got),
  };
}

/** Headers a browser refuses to see twice with different values (Chrome: ERR_RESPONSE_HEADERS_MULTIPLE_…). */
export const SINGLE_HEADERS = ['content-disposition', 'content-type'] as const;

/** The values a header came with, apart (HTTP clients join them with ", ", which hides a second one). */
export function valuesOf(obs: Response, name: string): string[] {
  if (!obs.rawHeaders) return obs.headers[name] === undefined ? [] : [obs.headers[name] as string];
  return obs.rawHeaders.filter(([n]) => n === name).map(([, v]) => v);
}

/** Capitalized as it prints: `content-disposition` → `Content-Disposition`. */
export const headerName = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/** Two Content-Disposition (or Content-Type) headers with different values: a failure, not a note. */
export function conflictCondition(obs: Response): Condition {
  const conflicts = SINGLE_HEADERS.map((name) => ({
    name,
    values: [...new Set(valuesOf(obs, name))],
  })).filter((h) => h.values.length > 1);
  return {
    subject: `[${SINGLE_HEADERS.map(headerName).join(', ')}].count`,
    kind: 'header-conflict',
    pass: conflicts.length === 0,
    ...(conflicts[0] ? { header: conflicts[0].name } : {}),
    expected: 'one value each',
    observed:
      conflicts.length === 0
        ? 'one value each'
        : conflicts
            .map(
              (h) =>
                `${headerName(h.name)}: ${h.values.map((v) => JSON.stringify(redactQuery(v))).join(' and ')}`,
            )
            .join('; '),
  };
}

/** Cache-Control as the sentinel wants it (directives compared without case or spaces). */
export function cacheControlCondition(
  subject: string,
  kind: FailureKind,
  want: string,
  got: string | undefined,
): Condition {
  const norm = (v: string) => v.toLowerCase().replace(/\s+/g, '');
  return {
    subject,
    kind,
    pass: got !== undefined && norm(got) === norm(want),
    expected: JSON.stringify(want),
    observed: shown(got),
    ...compared('cache-control', want, got),
  };
}

/** The data fields of a condition on one header: its name, and both values as they are (`null`: absent). */
export function compared(
  header: string,
  want: string | undefined,
  got: string | undefined,
): Pick<Condition, 'header' | 'expectedValue' | 'observedValue'> {
  return { header, ...(want === undefined ? {} : { expectedValue: want }), observedValue: got ?? null };
}

/**
 * A check that could not run at all: it threw or could not be invoked (`check-error`), or has no settings. The
 * error may quote what a server answered (a crash's message): it is made safe to print here, whoever builds it.
 */
export function couldNotRun(
  kind: 'check-error' | 'not-configured',
  layer: Layer,
  target: string,
  cause: string,
  startedAt: string,
): CheckResult {
  const error = safeText(cause);
  return {
    layer,
    target,
    ok: false,
    slow: false,
    kind,
    message: `${FAILURE_KINDS[kind]} (${error})`,
    expected: {},
    observed: { error },
    conditions: [
      {
        subject: '[CHECK]',
        kind,
        pass: false,
        expected: kind === 'not-configured' ? 'settings for this check' : 'the check runs',
        observed: error,
      },
    ],
    timings: { totalMs: 0 },
    startedAt,
  };
}

/** A result for a check that threw or could not be invoked (a Lambda crash, a bad event). */
export function crashedResult(layer: Layer, target: string, error: string, startedAt: string): CheckResult {
  return couldNotRun('check-error', layer, target, error, startedAt);
}

/** A result for a diagnostic the target has no settings for (`storage` or `proxy` left out of the config). */
export function notConfiguredResult(
  layer: 'storage' | 'proxy',
  target: string,
  startedAt: string,
): CheckResult {
  const why = `the target has no "${layer}" settings: add them to the config so that a failure names its layer`;
  return couldNotRun('not-configured', layer, target, why, startedAt);
}
