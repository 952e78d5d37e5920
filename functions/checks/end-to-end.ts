/** The end-to-end check's judgement: the download through the proxy, and its optional probes. Pure. */
import type { Target } from '../config/schema.ts';
import { contentTypesMatch } from '../contract/content-type.ts';
import { hygieneNote } from '../contract/names.ts';
import type { CheckResult, Condition, Evidence, HttpObservation } from '../contract/types.ts';
import {
  CACHE_EVIDENCE_HEADERS,
  type Context,
  cacheControlCondition,
  compared,
  conflictCondition,
  EVIDENCE_HEADERS,
  fileNameCondition,
  headerName,
  type Response,
  redactQuery,
  redirectNotes,
  responseEvidence,
  result,
  STORAGE_HEADER,
  sentinelConditions,
  shown,
  statusIs,
  unreachable,
} from './conditions.ts';

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
      header: 'content-encoding',
      observedValue: coding ?? null,
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
      probe: 'head',
    };
  const leaked = head.headers[t.app.offload.header.toLowerCase()];
  const pass =
    head.status === get.status &&
    (get.length === undefined || head.headers['content-length'] === get.length) &&
    (get.type === undefined ||
      (head.headers['content-type'] !== undefined &&
        contentTypesMatch(get.type, head.headers['content-type']))) &&
    leaked === undefined;
  const observed = [
    String(head.status),
    `Content-Length ${head.headers['content-length'] ?? 'absent'}`,
    `Content-Type ${shown(head.headers['content-type'])}`,
    ...(leaked === undefined ? [] : [`${t.app.offload.header} ${JSON.stringify(redactQuery(leaked))}`]),
  ].join(', ');
  return {
    subject: '[HEAD]',
    kind: 'head-mismatch',
    pass,
    expected: `${expected}, as GET`,
    observed,
    probe: 'head',
    expectedValue: get.status,
    observedValue: head.status,
  };
}

/**
 * A conditional GET with the download's validators: a 304 without a body, or a 200 with the whole sentinel; and
 * never the offload header (an app that answers 304 with it, passed on by the proxy).
 */
function conditionalConditions(t: Target, conditional: HttpObservation): Condition[] {
  const want = '304 without a body, or 200 with the sentinel';
  if (!conditional.reached)
    return [
      {
        subject: '[conditional GET]',
        kind: 'conditional-mismatch',
        pass: false,
        expected: want,
        observed: conditional.error,
        probe: 'conditional',
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
      subject: '[conditional GET]',
      kind: 'conditional-mismatch',
      pass: notModified || whole,
      expected: want,
      observed: `${conditional.status} with ${conditional.bytes} bytes${conditional.status === 200 && !whole ? ' (not the sentinel)' : ''}`,
      probe: 'conditional',
      observedValue: conditional.status,
    },
    {
      subject: '[conditional GET].offload',
      kind: 'conditional-mismatch',
      pass: leaked === undefined,
      expected: `no ${offload} at the client`,
      observed:
        leaked === undefined
          ? 'absent'
          : `${conditional.status} with ${offload}: ${JSON.stringify(redactQuery(leaked))}`,
      probe: 'conditional',
      ...compared(offload.toLowerCase(), undefined, leaked && redactQuery(leaked)),
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
      probe: 'internal',
      ...(internal.reached ? { observedValue: internal.status } : {}),
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
      probe: 'range',
      expectedValue: want,
      ...(range.reached ? { observedValue: range.bytes } : {}),
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
    statusIs(t, obs, 200),
    {
      subject: `[${offload}]`,
      kind: 'header-leak',
      pass: leaked === undefined,
      expected: 'absent at the client',
      observed: shown(leaked === undefined ? undefined : redactQuery(leaked)),
      ...compared(offload.toLowerCase(), undefined, leaked && redactQuery(leaked)),
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
      pass: got !== undefined && contentTypesMatch(contentType, got),
      expected: JSON.stringify(contentType),
      observed: shown(got),
      ...compared('content-type', contentType, got),
    });
  }
  if (fileName !== undefined) conditions.push(fileNameCondition(fileName, obs.headers));
  if (cacheControl !== undefined)
    conditions.push(
      cacheControlCondition('[Cache-Control]', 'header-mismatch', cacheControl, obs.headers['cache-control']),
    );
  const download: Condition[] = conditions.map((c) => ({ ...c, probe: 'download' }));
  download.push(...extraConditions(t, obs, extra));
  const observed = responseEvidence(obs, [...EVIDENCE_HEADERS, offload, ...CACHE_EVIDENCE_HEADERS]);
  return result(
    c,
    download,
    expected,
    observed,
    obs.timings,
    `served the sentinel (${obs.bytes} bytes, sha256 ok)`,
    [...redirectNotes(obs), ...hygieneNotes(obs)],
    obs.certificateNotAfter,
  );
}
