/**
 * Judges what a probe saw against what the target expects. Pure: observation in, CheckResult out.
 *
 * Each check is a list of conditions kept as data (in the manner of Gatus' `[STATUS] == 200`). A result carries
 * all of them, passed or not; the first that fails decides the kind, and prints with the observed value filled in.
 */
import contentDisposition from 'content-disposition';
import type { Target } from '../config/schema.ts';
import {
  FAILURE_KINDS,
  type FailureKind,
  hygieneNote,
  type Layer,
  OFFLOAD_HEADERS,
  type OffloadHeader,
} from '../contract/names.ts';
import type {
  CheckResult,
  Condition,
  Evidence,
  HttpObservation,
  StorageObservation,
  Timings,
} from '../contract/types.ts';
import { briefOffload } from './requests.ts';

type Response = Extract<HttpObservation, { reached: true }>;

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
function redirectNotes(obs: Response): string[] {
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
const STORAGE_HEADER = /^x-(amz|amzn|goog)-/;

/**
 * A redirect from S3 to the bucket's region (301 PermanentRedirect, 307 TemporaryRedirect): the region it names,
 * from `x-amz-bucket-region` or the error document.
 */
function s3Redirect(obs: Response): string | undefined {
  if (obs.status !== 301 && obs.status !== 307) return undefined;
  const doc = s3ErrorDocument(obs.bodyHead);
  const region = obs.headers['x-amz-bucket-region'] ?? doc?.region;
  if (!region && !/Redirect$/.test(doc?.code ?? '')) return undefined;
  const where = region ? `the bucket is in ${region}` : `S3 names the endpoint ${doc?.endpoint ?? '(none)'}`;
  return `${obs.status} ${doc?.code ?? 'redirect'}: ${where}; redirects are not followed`;
}

/** `[STATUS]`: the status, with S3's error code when storage answered, and its own kind for an S3 redirect. */
function statusIs(obs: Response, want: number): Condition {
  const redirect = s3Redirect(obs);
  const doc = s3ErrorDocument(obs.bodyHead);
  return {
    subject: '[STATUS]',
    kind: redirect ? 's3-redirect' : 'status',
    pass: obs.status === want,
    expected: String(want),
    observed: redirect ?? (doc ? `${obs.status} (S3 ${doc.code})` : String(obs.status)),
  };
}

/** What a 404 or 403 of a proxy in front of S3 says when nothing in it comes from storage (see diagnose). */
export const NO_STORAGE_SIGN = 'no sign of storage in it';

/** Whether an answer shows it came from storage: a storage header, or S3's error document. */
function fromStorage(obs: Response): boolean {
  return Object.keys(obs.headers).some((h) => STORAGE_HEADER.test(h)) || !!s3ErrorDocument(obs.bodyHead);
}

/** The chosen response headers that go into a result's evidence, signatures redacted (a Location, a name). */
function pick(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = headers[n.toLowerCase()];
    if (v !== undefined) out[n.toLowerCase()] = redactQuery(v);
  }
  return out;
}

const EVIDENCE_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-disposition',
  'cache-control',
  'server',
  'location',
];

/** What a response showed: status, the chosen headers, and the body's size and sha256 (when it was hashed). */
function responseEvidence(obs: Response, headers: readonly string[]): Evidence {
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

/** Headers a browser refuses to see twice with different values (Chrome: ERR_RESPONSE_HEADERS_MULTIPLE_…). */
const SINGLE_HEADERS = ['content-disposition', 'content-type'] as const;

/** The values a header came with, apart (HTTP clients join them with ", ", which hides a second one). */
function valuesOf(obs: Response, name: string): string[] {
  if (!obs.rawHeaders) return obs.headers[name] === undefined ? [] : [obs.headers[name] as string];
  return obs.rawHeaders.filter(([n]) => n === name).map(([, v]) => v);
}

/** Capitalized as it prints: `content-disposition` → `Content-Disposition`. */
const headerName = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/** Two Content-Disposition (or Content-Type) headers with different values: a failure, not a note. */
function conflictCondition(obs: Response): Condition {
  const conflicts = SINGLE_HEADERS.map((name) => ({
    name,
    values: [...new Set(valuesOf(obs, name))],
  })).filter((h) => h.values.length > 1);
  return {
    subject: `[${SINGLE_HEADERS.map(headerName).join(', ')}].count`,
    kind: 'header-conflict',
    pass: conflicts.length === 0,
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

/** The body decodes as its Content-Encoding says (only when the download asked for an encoding and got one). */
function decodingConditions(obs: Response): Condition[] {
  const coding = obs.headers['content-encoding'];
  if (obs.wireBytes === undefined && obs.decodeError === undefined) return [];
  return [
    {
      subject: '[BODY].decoded',
      kind: 'content-decoding',
      pass: obs.decodeError === undefined,
      expected: `a body that decodes as Content-Encoding ${JSON.stringify(coding)} says`,
      observed: obs.decodeError ?? `decoded: ${obs.wireBytes} bytes on the wire, ${obs.bytes} decoded`,
    },
  ];
}

/** Header hygiene: what the download shows that does not break it (storage headers, repeats, no length, encoding). */
function hygieneNotes(obs: Response): string[] {
  const notes: string[] = [];
  const leaked = Object.keys(obs.headers).filter((h) => STORAGE_HEADER.test(h));
  if (leaked.length > 0) notes.push(hygieneNote('storage-headers', leaked.join(', ')));
  const counts = new Map<string, string[]>();
  for (const [name, value] of obs.rawHeaders ?? []) counts.set(name, [...(counts.get(name) ?? []), value]);
  for (const [name, values] of counts) {
    if (values.length > 1 && new Set(values).size === 1) {
      const value = JSON.stringify(redactQuery(values[0] as string));
      notes.push(hygieneNote('repeated-header', `${headerName(name)}: ${value}, ${values.length} times`));
    }
  }
  if (obs.status === 200 && obs.headers['content-length'] === undefined) {
    const how = obs.headers['transfer-encoding']
      ? `Transfer-Encoding ${obs.headers['transfer-encoding']}`
      : 'none';
    notes.push(hygieneNote('no-content-length', how));
  }
  const coding = obs.headers['content-encoding'];
  if (coding !== undefined && coding.toLowerCase() !== 'identity') {
    notes.push(hygieneNote('content-encoding', JSON.stringify(coding)));
  }
  return notes;
}

/** The other offload headers an answer carries, when the expected one is absent: a wrong header name shows. */
function otherOffloadHeaders(headers: Readonly<Record<string, string>>, expected: OffloadHeader): string {
  const present = OFFLOAD_HEADERS.filter((h) => h !== expected && headers[h.toLowerCase()] !== undefined);
  if (present.length === 0) return '';
  return ` (the answer carries ${present.map((h) => `${h}: ${JSON.stringify(redactQuery(headers[h.toLowerCase()] as string))}`).join(', ')})`;
}

/** The range probe asks for the first RANGE_BYTES bytes of the sentinel. */
export const RANGE_BYTES = 10;

/** The end-to-end layer's optional probes, beside the download itself. */
export interface ExtraObservations {
  /** A request to the internal offload location from outside: it must be refused. */
  internal?: HttpObservation | undefined;
  /** `Range: bytes=0-9` through the proxy: 206 and the download's first bytes. */
  range?: HttpObservation | undefined;
  /** A HEAD of the download: the same status, length and type as GET. */
  head?: HttpObservation | undefined;
  /** A conditional GET with the download's validators: 304 without a body or an offload header, or the file. */
  conditional?: HttpObservation | undefined;
}

/** The validators a download gave, for the conditional probe (none: no conditional probe). */
export function validatorsOf(obs: HttpObservation): { etag?: string; lastModified?: string } | undefined {
  if (!obs.reached || obs.status !== 200) return undefined;
  const { etag, 'last-modified': lastModified } = obs.headers;
  if (etag === undefined && lastModified === undefined) return undefined;
  return { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
}

/** A HEAD answers as the GET did: status, Content-Length (when GET had one), Content-Type. */
function headCondition(t: Target, obs: Response, head: HttpObservation): Condition {
  const get = {
    status: obs.status,
    length: obs.headers['content-length'],
    type: obs.headers['content-type'],
  };
  const expected = [
    String(get.status),
    get.length === undefined ? undefined : `Content-Length ${get.length}`,
    get.type === undefined ? undefined : `Content-Type ${JSON.stringify(get.type)}`,
  ]
    .filter(Boolean)
    .join(', ');
  if (!head.reached)
    return {
      subject: '[HEAD]',
      kind: 'head-mismatch',
      pass: false,
      expected: `${expected}, as GET`,
      observed: head.error,
    };
  const leaked = head.headers[t.app.offload.header.toLowerCase()];
  const pass =
    head.status === get.status &&
    (get.length === undefined || head.headers['content-length'] === get.length) &&
    (get.type === undefined ||
      (head.headers['content-type'] !== undefined &&
        contentTypeMatches(get.type, head.headers['content-type']))) &&
    leaked === undefined;
  const observed = [
    String(head.status),
    `Content-Length ${head.headers['content-length'] ?? 'absent'}`,
    `Content-Type ${shown(head.headers['content-type'])}`,
    ...(leaked === undefined ? [] : [`${t.app.offload.header} ${JSON.stringify(redactQuery(leaked))}`]),
  ].join(', ');
  return { subject: '[HEAD]', kind: 'head-mismatch', pass, expected: `${expected}, as GET`, observed };
}

/** Subjects of the conditional probe's conditions (diagnose tells the offload header apart). */
export const CONDITIONAL_SUBJECTS = {
  answer: '[conditional GET]',
  offload: '[conditional GET].offload',
} as const;

/**
 * A conditional GET with the download's validators: a 304 without a body, or a 200 with the whole sentinel; and
 * never the offload header (an app that answers 304 with it, passed on by the proxy).
 */
function conditionalConditions(t: Target, conditional: HttpObservation): Condition[] {
  const want = '304 without a body, or 200 with the sentinel';
  if (!conditional.reached)
    return [
      {
        subject: CONDITIONAL_SUBJECTS.answer,
        kind: 'conditional-mismatch',
        pass: false,
        expected: want,
        observed: conditional.error,
      },
    ];
  const offload = t.app.offload.header;
  const leaked = conditional.headers[offload.toLowerCase()];
  const notModified = conditional.status === 304 && conditional.bytes === 0;
  const whole =
    conditional.status === 200 &&
    conditional.bytes === t.sentinel.size &&
    conditional.sha256 === t.sentinel.sha256 &&
    !conditional.overflow;
  return [
    {
      subject: CONDITIONAL_SUBJECTS.answer,
      kind: 'conditional-mismatch',
      pass: notModified || whole,
      expected: want,
      observed: `${conditional.status} with ${conditional.bytes} bytes${conditional.status === 200 && !whole ? ' (not the sentinel)' : ''}`,
    },
    {
      subject: CONDITIONAL_SUBJECTS.offload,
      kind: 'conditional-mismatch',
      pass: leaked === undefined,
      expected: `no ${offload} at the client`,
      observed:
        leaked === undefined
          ? 'absent'
          : `${conditional.status} with ${offload}: ${JSON.stringify(redactQuery(leaked))}`,
    },
  ];
}

/** Conditions of the extra probes. They come after the download's: they only speak once it works. */
function extraConditions(t: Target, obs: Response, extra: ExtraObservations): Condition[] {
  const out: Condition[] = [];
  const { internal, range, head, conditional } = extra;
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
  if (head) out.push(headCondition(t, obs, head));
  if (conditional) out.push(...conditionalConditions(t, conditional));
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
    statusIs(obs, 200),
    {
      subject: `[${offload}]`,
      kind: 'header-leak',
      pass: leaked === undefined,
      expected: 'absent at the client',
      observed: shown(leaked === undefined ? undefined : redactQuery(leaked)),
    },
    ...decodingConditions(obs),
    ...sentinelConditions(t, obs.bytes, obs.sha256, obs.truncated, obs.overflow),
    conflictCondition(obs),
  ];
  const { contentType, fileName, cacheControl } = t.sentinel;
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
  if (cacheControl !== undefined)
    conditions.push(
      cacheControlCondition('[Cache-Control]', 'header-mismatch', cacheControl, obs.headers['cache-control']),
    );
  conditions.push(...extraConditions(t, obs, extra));
  const observed = responseEvidence(obs, [...EVIDENCE_HEADERS, offload]);
  return result(
    c,
    conditions,
    expected,
    observed,
    obs.timings,
    `served the sentinel (${obs.bytes} bytes, sha256 ok)`,
    [...redirectNotes(obs), ...hygieneNotes(obs)],
    obs.certificateNotAfter,
  );
}

/** Cache-Control as the sentinel wants it (directives compared without case or spaces). */
function cacheControlCondition(
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
  };
}

export function assessApp(
  t: Target,
  obs: HttpObservation,
  ctx: Omit<Context, 'layer' | 'degradedMs'>,
  head?: HttpObservation,
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
  const others = otherOffloadHeaders(obs.headers, header);
  const conditions: Condition[] = [
    statusIs(obs, 200),
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
                ? `absent, and the app sent the body itself (${Math.max(obs.bytes, announced)} bytes)${others}`
                : `${shown(printable)}, and ${body}${value === undefined ? others : ''}`,
          } satisfies Condition,
        ]
      : []),
    {
      subject: `[${header}]`,
      kind: 'header-mismatch',
      pass: value !== undefined && offloadMatches(t, value),
      expected: describeOffloadValue(t),
      observed: `${shown(printable)}${value === undefined ? others : ''}`,
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
  conditions.push(conflictCondition(obs));
  // A HEAD of the same route: the offload header again (the proxy then answers HEAD from the file).
  if (head) {
    const headValue = head.reached ? head.headers[header.toLowerCase()] : undefined;
    conditions.push({
      subject: '[HEAD]',
      kind: 'head-mismatch',
      pass: head.reached && head.status === 200 && headValue !== undefined && offloadMatches(t, headValue),
      expected: `200 with ${header} ${describeOffloadValue(t)}, as GET`,
      observed: head.reached
        ? `${head.status}, ${header} ${shown(headValue === undefined ? undefined : redactQuery(headValue))}`
        : head.error,
    });
  }
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
  const status = statusIs(obs, 200);
  // A proxy in front of S3 whose error carries nothing of S3's: it made the answer up, or masks S3's.
  if (!status.pass && t.storage?.type === 's3' && !fromStorage(obs) && status.kind === 'status')
    status.observed = `${status.observed} (${NO_STORAGE_SIGN}: no x-amz-* header, no S3 error document)`;
  const conditions = [status, ...sentinelConditions(t, obs.bytes, obs.sha256, obs.truncated, obs.overflow)];
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
  const metadata = obs.metadata ?? {};
  const observed: Evidence = {
    bytes: obs.bytes,
    sha256: obs.sha256,
    ...(Object.keys(metadata).length ? { headers: pick(metadata, Object.keys(metadata)) } : {}),
  };
  const conditions = [
    ...sentinelConditions(t, obs.bytes, obs.sha256, false, obs.overflow),
    ...(obs.metadataSource === 'object' ? metadataConditions(t, metadata) : []),
  ];
  const notes =
    obs.metadataSource === 'type-map' && metadata['content-type']
      ? [
          `a front server that types files by name sends ${metadata['content-type']} for this one (its type map)`,
        ]
      : [];
  return result(
    c,
    conditions,
    expected,
    observed,
    obs.timings,
    `read the sentinel (${obs.bytes} bytes, sha256 ok)`,
    notes,
  );
}

/**
 * What the object carries besides its bytes, against the sentinel: it reaches clients unchanged through the
 * proxy's internal location (nginx passes S3's Content-Type, Content-Encoding, Content-Disposition and
 * Cache-Control on).
 */
function metadataConditions(t: Target, metadata: Readonly<Record<string, string>>): Condition[] {
  const { contentType, fileName, cacheControl } = t.sentinel;
  const out: Condition[] = [];
  const type = metadata['content-type'];
  if (contentType !== undefined) {
    out.push({
      subject: '[object].Content-Type',
      kind: 'metadata-mismatch',
      pass: type !== undefined && contentTypeMatches(contentType, type),
      expected: JSON.stringify(contentType),
      observed: shown(type),
    });
  }
  const encoding = metadata['content-encoding'];
  out.push({
    subject: '[object].Content-Encoding',
    kind: 'metadata-mismatch',
    pass: encoding === undefined || encoding.toLowerCase() === 'identity',
    expected: 'absent (the sentinel is stored as it is)',
    observed: shown(encoding),
  });
  // The app names the download: a second Content-Disposition from the object would reach clients beside it.
  if (fileName !== undefined) {
    const disposition = metadata['content-disposition'];
    out.push({
      subject: '[object].Content-Disposition',
      kind: 'metadata-mismatch',
      pass: disposition === undefined,
      expected: 'absent (the app names the download)',
      observed: shown(disposition && redactQuery(disposition)),
    });
  }
  if (cacheControl !== undefined)
    out.push(
      cacheControlCondition(
        '[object].Cache-Control',
        'metadata-mismatch',
        cacheControl,
        metadata['cache-control'],
      ),
    );
  return out;
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
