/** The app check's judgement: the app's own port answers with the offload header, and no body. Pure. */
import type { Target } from '../config/schema.ts';
import { OFFLOAD_HEADERS, type OffloadHeader } from '../contract/names.ts';
import { briefOffload } from '../contract/text.ts';
import type { CheckResult, Condition, Evidence, HttpObservation } from '../contract/types.ts';
import {
  type Context,
  compared,
  conflictCondition,
  describeOffloadValue,
  EVIDENCE_HEADERS,
  expectsSignedOffload,
  fileNameCondition,
  offloadMatches,
  redactQuery,
  redirectNotes,
  responseEvidence,
  result,
  SIGNED_QUERY,
  shown,
  statusIs,
  unreachable,
} from './conditions.ts';

/** The other offload headers an answer carries, when the expected one is absent: a wrong header name shows. */
function otherOffloadHeaders(headers: Readonly<Record<string, string>>, expected: OffloadHeader): string {
  const present = OFFLOAD_HEADERS.filter((h) => h !== expected && headers[h.toLowerCase()] !== undefined);
  if (present.length === 0) return '';
  return ` (the answer carries ${present.map((h) => `${h}: ${JSON.stringify(redactQuery(headers[h.toLowerCase()] as string))}`).join(', ')})`;
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
    statusIs(t, obs, 200),
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
            ...compared(header.toLowerCase(), undefined, printable),
          } satisfies Condition,
        ]
      : []),
    {
      subject: `[${header}]`,
      kind: 'header-mismatch',
      pass: value !== undefined && offloadMatches(t, value),
      expected: describeOffloadValue(t),
      observed: `${shown(printable)}${value === undefined ? others : ''}`,
      ...compared(header.toLowerCase(), undefined, printable),
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
      ...compared(header.toLowerCase(), undefined, printable),
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
      probe: 'head',
      ...(head.reached ? compared(header.toLowerCase(), undefined, headValue && redactQuery(headValue)) : {}),
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
