/**
 * Judges what a probe saw against what the target expects. Pure: observation in, CheckResult out.
 *
 * Each check is a list of conditions kept as data (in the manner of Gatus' `[STATUS] == 200`). A result carries
 * all of them, passed or not; the first that fails decides the kind, and prints with the observed value filled in.
 */
import contentDisposition from 'content-disposition';
import type { Target } from './config.ts';
import { FAILURE_KINDS, type FailureKind, type Layer } from './names.ts';
import { briefOffload } from './requests.ts';
import type {
  CheckResult,
  Condition,
  Evidence,
  HttpObservation,
  StorageObservation,
  Timings,
} from './types.ts';

/** The first failing condition, printed with its values: `[STATUS] 404, expected 200`. */
export function firstFailure(conditions: readonly Condition[]): Condition | undefined {
  return conditions.find((c) => !c.pass);
}

export function describeCondition(c: Condition): string {
  return `${c.subject} ${c.observed}, expected ${c.expected}`;
}

interface Context {
  layer: Layer;
  target: string;
  startedAt: string;
  degradedMs?: number | undefined;
}

const DAY_MS = 86_400_000;

/** A certificate's expiry and the whole days left until then, counted from `startedAt` (0 on its last day). */
export function tlsExpiry(notAfter: string, startedAt: string): NonNullable<CheckResult['tls']> {
  const left = (Date.parse(notAfter) - Date.parse(startedAt)) / DAY_MS;
  return { notAfter, daysLeft: Math.floor(left) };
}

function result(
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
function unreachable(
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
function redirectNotes(obs: Extract<HttpObservation, { reached: true }>): string[] {
  const location = obs.headers.location;
  if (obs.status < 300 || obs.status >= 400 || location === undefined) return [];
  return [`the answer was a ${obs.status} redirect to ${location}; redirects are not followed`];
}

const short = (sha: string | undefined) => (sha ? `${sha.slice(0, 12)}…` : 'none');
const shown = (v: string | undefined) => (v === undefined ? 'absent' : JSON.stringify(v));

function sentinelConditions(
  t: Target,
  bytes: number,
  sha256: string | undefined,
  truncated: boolean,
): Condition[] {
  return [
    {
      subject: '[BODY].size',
      kind: truncated ? 'truncated' : 'size-mismatch',
      pass: bytes === t.sentinel.size && !truncated,
      expected: `${t.sentinel.size} bytes`,
      observed: `${bytes} bytes${truncated ? ' (truncated)' : ''}`,
    },
    {
      subject: '[BODY].sha256',
      kind: 'checksum-mismatch',
      pass: sha256 === t.sentinel.sha256,
      expected: short(t.sentinel.sha256),
      observed: short(sha256),
    },
  ];
}

const statusIs = (status: number, want: number): Condition => ({
  subject: '[STATUS]',
  kind: 'status',
  pass: status === want,
  expected: String(want),
  observed: String(status),
});

/** The chosen response headers that go into a result's evidence, signatures redacted (a Location, a name). */
function pick(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = headers[n.toLowerCase()];
    if (v !== undefined) out[n.toLowerCase()] = redactQuery(v);
  }
  return out;
}

const EVIDENCE_HEADERS = ['content-type', 'content-length', 'content-disposition', 'server', 'location'];

/** What a response showed: status, the chosen headers, and the body's size and sha256 (when it was hashed). */
function responseEvidence(
  obs: Extract<HttpObservation, { reached: true }>,
  headers: readonly string[],
): Evidence {
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
const SECRET_PARAMS = /^(x-amz-signature|x-amz-credential|x-amz-security-token|signature|awsaccesskeyid)$/i;

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

const SIGNED_QUERY = /[?&](X-Amz-Signature|Signature)=/;

export function describeOffloadValue(t: Target): string {
  const want = t.app.offload.value;
  return typeof want === 'string' ? JSON.stringify(want) : `/${want.pattern}/`;
}

/**
 * The media type must be the same; each parameter the config names (such as charset) must be there with the
 * same value. Parameters the config leaves out are not compared.
 */
export function contentTypeMatches(expected: string, got: string): boolean {
  const parse = (v: string) => {
    const [type = '', ...params] = v.split(';').map((p) => p.trim().toLowerCase());
    return {
      type,
      params: new Set(params.filter(Boolean).map((p) => p.replace(/\s*=\s*"?([^"]*)"?$/, '=$1'))),
    };
  };
  const want = parse(expected);
  const have = parse(got);
  return want.type === have.type && [...want.params].every((p) => have.params.has(p));
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
function fileNameCondition(fileName: string, headers: Readonly<Record<string, string>>): Condition {
  const header = headers['content-disposition'];
  const got = dispositionFileName(header);
  return {
    subject: '[Content-Disposition].filename',
    kind: 'filename-mismatch',
    pass: got === fileName,
    expected: JSON.stringify(fileName),
    // A name taken from a signed URL carries its signature: never printed.
    observed: got === undefined ? shown(header && redactQuery(header)) : JSON.stringify(redactQuery(got)),
  };
}

/** The range probe asks for the first RANGE_BYTES bytes of the sentinel. */
export const RANGE_BYTES = 10;

/** The end-to-end layer's optional probes, beside the download itself. */
export interface ExtraObservations {
  /** A request to the internal offload location from outside: it must be refused. */
  internal?: HttpObservation | undefined;
  /** `Range: bytes=0-9` through the proxy: 206 and the download's first bytes. */
  range?: HttpObservation | undefined;
}

/** Conditions of the negative and range probes. They come after the download's: they only speak once it works. */
function extraConditions(
  t: Target,
  obs: Extract<HttpObservation, { reached: true }>,
  extra: ExtraObservations,
): Condition[] {
  const out: Condition[] = [];
  const { internal, range } = extra;
  if (internal) {
    const served = internal.reached && internal.status >= 200 && internal.status < 300;
    out.push({
      subject: '[internal location].status',
      kind: 'internal-exposed',
      pass: !served,
      expected: 'refused from outside (4xx), as an internal location is',
      observed: internal.reached
        ? `${internal.status}: ${served ? 'served to an outside client' : 'refused'}`
        : internal.error,
    });
  }
  if (range) {
    const want = Math.min(RANGE_BYTES, t.sentinel.size);
    const ok =
      range.reached &&
      range.status === 206 &&
      range.bytes === want &&
      range.sha256 !== undefined &&
      range.sha256 === obs.headSha256;
    out.push({
      subject: '[Range bytes=0-9]',
      kind: 'range-ignored',
      pass: ok,
      expected: `206 with the first ${want} bytes of the sentinel`,
      observed: range.reached
        ? `${range.status} with ${range.bytes} bytes${!ok && range.status === 206 && range.bytes === want ? ' (other bytes)' : ''}`
        : range.error,
    });
  }
  return out;
}

export function assessEndToEnd(
  t: Target,
  obs: HttpObservation,
  ctx: Omit<Context, 'layer' | 'degradedMs'>,
  extra: ExtraObservations = {},
): CheckResult {
  const c: Context = { ...ctx, layer: 'end-to-end', degradedMs: t.endToEnd.degradedMs };
  const expected: Evidence = { status: 200, bytes: t.sentinel.size, sha256: t.sentinel.sha256 };
  if (!obs.reached) return unreachable(c, obs, expected);
  const offload = t.app.offload.header;
  const leaked = obs.headers[offload.toLowerCase()];
  const conditions: Condition[] = [
    statusIs(obs.status, 200),
    {
      subject: `[${offload}]`,
      kind: 'header-leak',
      pass: leaked === undefined,
      expected: 'absent at the client',
      observed: shown(leaked === undefined ? undefined : redactQuery(leaked)),
    },
    ...sentinelConditions(t, obs.bytes, obs.sha256, obs.truncated),
  ];
  const { contentType, fileName } = t.sentinel;
  if (contentType !== undefined) {
    const got = obs.headers['content-type'];
    conditions.push({
      subject: '[Content-Type]',
      kind: 'header-mismatch',
      pass: got !== undefined && contentTypeMatches(contentType, got),
      expected: JSON.stringify(contentType),
      observed: shown(got),
    });
  }
  if (fileName !== undefined) conditions.push(fileNameCondition(fileName, obs.headers));
  conditions.push(...extraConditions(t, obs, extra));
  const observed = responseEvidence(obs, [...EVIDENCE_HEADERS, offload]);
  return result(
    c,
    conditions,
    expected,
    observed,
    obs.timings,
    `served the sentinel (${obs.bytes} bytes, sha256 ok)`,
    redirectNotes(obs),
    obs.certificateNotAfter,
  );
}

export function assessApp(
  t: Target,
  obs: HttpObservation,
  ctx: Omit<Context, 'layer' | 'degradedMs'>,
): CheckResult {
  const c: Context = { ...ctx, layer: 'app', degradedMs: t.app.degradedMs };
  const header = t.app.offload.header;
  const expected: Evidence = { status: 200, headers: { [header.toLowerCase()]: describeOffloadValue(t) } };
  if (!obs.reached) return unreachable(c, obs, expected);
  const value = obs.headers[header.toLowerCase()];
  const printable = value === undefined ? undefined : redactQuery(value);
  const announced = Number(obs.headers['content-length'] ?? 0);
  const streamsBody = obs.bytes > 0 || announced > 0;
  const body = streamsBody ? `a body (${Math.max(obs.bytes, announced)} bytes)` : 'no body';
  const conditions: Condition[] = [
    statusIs(obs.status, 200),
    // django-downloadview's silent fallback: no offload header, and the app sends the bytes itself. Only a 200
    // can be the fallback: the body of an error page is not the file.
    ...(obs.status === 200
      ? [
          {
            subject: `[${header}]`,
            kind: 'not-offloaded',
            pass: value !== undefined || !streamsBody,
            expected: `${describeOffloadValue(t)} and no body`,
            observed:
              value === undefined && streamsBody
                ? `absent, and the app sent the body itself (${Math.max(obs.bytes, announced)} bytes)`
                : `${shown(printable)}, and ${body}`,
          } satisfies Condition,
        ]
      : []),
    {
      subject: `[${header}]`,
      kind: 'header-mismatch',
      pass: value !== undefined && offloadMatches(t, value),
      expected: describeOffloadValue(t),
      observed: shown(printable),
    },
  ];
  // A private bucket: the proxy reads the object with the app's signed URL, or not at all.
  if (expectsSignedOffload(t)) {
    conditions.push({
      subject: `[${header}].query`,
      kind: 'header-mismatch',
      pass: value !== undefined && SIGNED_QUERY.test(value),
      expected: 'a signed query (X-Amz-Signature=…): the bucket is private (storage.proxyAuth "presigned")',
      observed:
        value !== undefined && SIGNED_QUERY.test(value)
          ? `signed: ${JSON.stringify(printable)}`
          : value?.includes('?')
            ? `unsigned: ${JSON.stringify(printable)}`
            : 'no query: the URL is unsigned',
    });
  }
  // The app names the download (the proxy passes its Content-Disposition on): a wrong name is the app's fault.
  if (t.sentinel.fileName !== undefined) conditions.push(fileNameCondition(t.sentinel.fileName, obs.headers));
  const observed = responseEvidence(obs, [...EVIDENCE_HEADERS, header]);
  return result(
    c,
    conditions,
    expected,
    observed,
    obs.timings,
    `answers ${header}: ${printable === undefined ? '' : briefOffload(printable)}`,
    redirectNotes(obs),
    obs.certificateNotAfter,
  );
}

export function assessProxy(
  t: Target,
  obs: HttpObservation,
  ctx: Omit<Context, 'layer' | 'degradedMs'>,
): CheckResult {
  const c: Context = { ...ctx, layer: 'proxy', degradedMs: t.proxy?.degradedMs };
  const expected: Evidence = { status: 200, bytes: t.sentinel.size, sha256: t.sentinel.sha256 };
  if (!obs.reached) return unreachable(c, obs, expected);
  const conditions = [
    statusIs(obs.status, 200),
    ...sentinelConditions(t, obs.bytes, obs.sha256, obs.truncated),
  ];
  const observed = responseEvidence(obs, EVIDENCE_HEADERS);
  return result(
    c,
    conditions,
    expected,
    observed,
    obs.timings,
    `served the sentinel from storage (${obs.bytes} bytes)`,
    redirectNotes(obs),
    obs.certificateNotAfter,
  );
}

export function assessStorage(
  t: Target,
  obs: StorageObservation,
  ctx: Omit<Context, 'layer' | 'degradedMs'>,
): CheckResult {
  const c: Context = { ...ctx, layer: 'storage', degradedMs: t.storage?.degradedMs };
  const expected: Evidence = { bytes: t.sentinel.size, sha256: t.sentinel.sha256 };
  if (!obs.reached) return unreachable(c, obs, expected);
  const observed: Evidence = { bytes: obs.bytes, sha256: obs.sha256 };
  return result(
    c,
    sentinelConditions(t, obs.bytes, obs.sha256, false),
    expected,
    observed,
    obs.timings,
    `read the sentinel (${obs.bytes} bytes, sha256 ok)`,
  );
}

/** A check that could not run at all: it threw or could not be invoked (`check-error`), or has no settings. */
function couldNotRun(
  kind: 'check-error' | 'not-configured',
  layer: Layer,
  target: string,
  error: string,
  startedAt: string,
): CheckResult {
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
      { subject: '[CHECK]', kind: 'check-error', pass: false, expected: 'the check runs', observed: error },
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
