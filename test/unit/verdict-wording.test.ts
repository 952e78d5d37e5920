/**
 * The verdict reads data, never wording: every string a check writes for people (a result's message and notes, a
 * condition's subject, expected and observed, an evidence error) is replaced with unrelated text, and diagnose must
 * give the same rule, status, fault and faults. Over every scenario of the diagnose tests, and over results the real
 * checks make from observations.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assessApp } from '../../functions/checks/app.ts';
import { crashedResult, notConfiguredResult } from '../../functions/checks/conditions.ts';
import { assessEndToEnd, type ExtraObservations } from '../../functions/checks/end-to-end.ts';
import { assessProxy } from '../../functions/checks/proxy.ts';
import { assessStorage } from '../../functions/checks/storage.ts';
import type { Target } from '../../functions/config/schema.ts';
import type {
  CheckResult,
  Evidence,
  HttpObservation,
  StageResults,
  StorageObservation,
} from '../../functions/contract/types.ts';
import { diagnose } from '../../functions/verdict/diagnose.ts';
import { RULES } from '../../functions/verdict/rules.ts';
import { validTarget } from '../fixtures/config.ts';
import { stages } from '../fixtures/results.ts';
import { CASES, MORE_CASES, ROWS } from '../fixtures/verdict-cases.ts';

// ---------------------------------------------------------------------------------------------------------------
// Results the real checks make, from observations (as in test/unit/assess.test.ts).

const BODY = 'download-doctor sentinel\n';
const OTHER = BODY.toUpperCase();
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const SIGNED = '/_storage/healthcheck/healthcheck.txt?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0123abcd';

const sentinel = { sha256: sha(BODY), size: BODY.length, contentType: 'text/plain', fileName: 'hc.txt' };
/** A private bucket behind nginx (the default storage of the fixture). */
const S3: Target = validTarget({ sentinel });
/** A directory on disk: the storage check reads what a type map says of the file's name. */
const DISK: Target = validTarget({
  sentinel,
  storage: { type: 'filesystem', path: '/srv/healthcheck/healthcheck.txt' },
});

function seen(
  status: number,
  headers: Record<string, string>,
  body = BODY,
  extra: Partial<HttpObservation> = {},
): HttpObservation {
  return {
    reached: true,
    status,
    headers,
    bytes: Buffer.byteLength(body),
    sha256: sha(body),
    truncated: false,
    timings: { totalMs: 20, firstByteMs: 10 },
    ...extra,
  } as HttpObservation;
}

const served = {
  'content-type': 'text/plain',
  'content-disposition': 'attachment; filename="hc.txt"',
  'content-length': String(BODY.length),
};
const offloaded = seen(
  200,
  { 'x-accel-redirect': SIGNED, 'content-disposition': served['content-disposition'] },
  '',
);
type Read = Extract<StorageObservation, { reached: true }>;
const object = (metadata: Record<string, string> = { 'content-type': 'text/plain' }): Read => ({
  reached: true,
  bytes: BODY.length,
  sha256: sha(BODY),
  metadata,
  metadataSource: 'object',
  timings: { totalMs: 3 },
});
const typeMap = (type: string): Read => ({
  ...object({ 'content-type': type }),
  metadataSource: 'type-map',
});

const ctx = {
  target: 'http://127.0.0.1:8080/healthcheck-utils/download/',
  startedAt: '2026-11-24T00:00:00Z',
};
const AT = '2026-11-24T00:00:00.000Z';

interface Observed {
  t?: Target;
  e2e: HttpObservation;
  extra?: ExtraObservations;
  app?: HttpObservation;
  storage?: StorageObservation;
  proxy?: HttpObservation;
}

/** A run of the four checks, judged by the real assessments. */
function run({ t = S3, e2e, extra, app = offloaded, storage = object(), proxy = seen(200, {}) }: Observed) {
  return {
    stage1: [assessEndToEnd(t, e2e, ctx, extra), assessApp(t, app, ctx)],
    stage2: [assessStorage(t, storage, ctx), assessProxy(t, proxy, ctx)],
  } satisfies StageResults;
}

/** What the real checks make, and the rule that must decide (so that each row reaches what it is about). */
const ASSESSED: [string, StageResults, string][] = [
  ['healthy', run({ e2e: seen(200, served) }), 'healthy'],
  [
    'the app streams the file itself',
    run({ e2e: seen(200, served), app: seen(200, { 'content-length': '25' }, BODY) }),
    'served-not-offloaded',
  ],
  [
    "S3's default type on the object reaches clients",
    run({
      e2e: seen(200, { ...served, 'content-type': 'binary/octet-stream' }),
      storage: object({ 'content-type': 'binary/octet-stream' }),
    }),
    'object-metadata',
  ],
  [
    'the object is right, the proxy changes the type',
    run({ e2e: seen(200, { ...served, 'content-type': 'text/html' }) }),
    'proxy-changes-headers',
  ],
  [
    "on disk, the type map's media type for the file's name",
    run({
      t: DISK,
      e2e: seen(200, { ...served, 'content-type': 'application/octet-stream' }),
      storage: typeMap('application/octet-stream'),
    }),
    'object-metadata',
  ],
  [
    'on disk, the type map is right, the proxy changes the type',
    run({
      t: DISK,
      e2e: seen(200, { ...served, 'content-type': 'text/html' }),
      storage: typeMap('text/plain'),
    }),
    'proxy-changes-headers',
  ],
  [
    'two Content-Dispositions at the client only',
    run({
      e2e: seen(200, served, BODY, {
        rawHeaders: [...Object.entries(served), ['content-disposition', 'attachment']],
      }),
    }),
    'proxy-changes-headers',
  ],
  [
    'a gzip body that does not decode',
    run({
      e2e: seen(200, { ...served, 'content-encoding': 'gzip' }, '', {
        decodeError: 'incorrect header check',
      }),
    }),
    'proxy-changes-headers',
  ],
  [
    "the proxy answers S3's error with its own 404",
    run({
      e2e: seen(404, { 'content-type': 'text/html' }, '<html>404</html>'),
      proxy: seen(404, { 'content-type': 'text/html' }, '<html>404</html>'),
    }),
    'proxy-masks-storage-errors',
  ],
  [
    "S3's own 404 through the proxy",
    run({
      e2e: seen(404, {}, ''),
      proxy: seen(404, { 'x-amz-request-id': 'R' }, '', {
        bodyHead: '<Error><Code>NoSuchBucket</Code></Error>',
      }),
    }),
    'proxy-fails',
  ],
  [
    "S3's redirect to another region at the proxy",
    run({
      e2e: seen(502, {}, ''),
      proxy: seen(301, { 'x-amz-bucket-region': 'eu-central-1' }, '', {
        bodyHead:
          '<Error><Code>PermanentRedirect</Code><Endpoint>b.s3.eu-central-1.amazonaws.com</Endpoint></Error>',
      }),
    }),
    'proxy-fails',
  ],
  [
    'a 304 with the offload header',
    run({
      e2e: seen(200, { ...served, etag: '"e"' }),
      extra: { conditional: seen(304, { 'x-accel-redirect': '/_storage/a' }, '') },
    }),
    'conditional-answered-with-offload',
  ],
  [
    'a 304 with a body',
    run({ e2e: seen(200, { ...served, etag: '"e"' }), extra: { conditional: seen(304, {}, 'x') } }),
    'conditional-mismatch',
  ],
  [
    'a HEAD refused through the proxy',
    run({ e2e: seen(200, served), extra: { head: seen(405, { allow: 'GET' }, '') } }),
    'head-fails-at-proxy',
  ],
  ['Range ignored', run({ e2e: seen(200, served), extra: { range: seen(200, served) } }), 'range-ignored'],
  [
    'the internal location served from outside',
    run({ e2e: seen(200, served), extra: { internal: seen(200, served) } }),
    'internal-location-exposed',
  ],
  [
    'a cache keeps the old bytes (its ETag is not the object’s)',
    run({
      // The team replaced the sentinel (OTHER); a cache on the way keeps the old bytes.
      e2e: seen(200, { ...served, etag: '"old"' }, BODY),
      t: validTarget({ sentinel: { ...sentinel, sha256: sha(OTHER) } }),
      storage: { ...object({ 'content-type': 'text/plain', etag: '"new"' }), sha256: sha(OTHER) },
      proxy: seen(200, { etag: '"new"' }, OTHER),
    }),
    'stale-copy-in-path',
  ],
  [
    'other bytes of the same size, and nothing shows a copy',
    run({
      e2e: seen(200, served, BODY),
      t: validTarget({ sentinel: { ...sentinel, sha256: sha(OTHER) } }),
      storage: { ...object(), sha256: sha(OTHER) },
      proxy: seen(200, {}, OTHER),
    }),
    'proxy-app-glue',
  ],
  [
    'the offload header reaches the client',
    run({ e2e: seen(200, { ...served, 'x-accel-redirect': '/_storage/a' }, '') }),
    'proxy-app-glue',
  ],
  ['a download cut short', run({ e2e: seen(200, served, 'down', { truncated: true }) }), 'proxy-app-glue'],
  [
    'the sentinel key is gone',
    run({
      e2e: seen(404, {}, ''),
      storage: { reached: false, kind: 's3-no-such-key', error: 'NoSuchKey', timings: { totalMs: 1 } },
      proxy: seen(404, { 'x-amz-request-id': 'R' }, ''),
    }),
    'storage-fails',
  ],
  [
    "the storage check's bucket is stale, the proxy serves",
    run({
      e2e: seen(400, {}, ''),
      storage: { reached: false, kind: 's3-no-such-bucket', error: 'NoSuchBucket', timings: { totalMs: 1 } },
    }),
    'storage-check-settings',
  ],
  [
    'the app names the download otherwise',
    run({
      e2e: seen(200, { ...served, 'content-disposition': 'attachment; filename="x.txt"' }),
      app: seen(
        200,
        { 'x-accel-redirect': SIGNED, 'content-disposition': 'attachment; filename="x.txt"' },
        '',
      ),
    }),
    'app-fails',
  ],
  [
    'storage and proxy not configured',
    {
      stage1: [assessEndToEnd(S3, seen(502, {}, ''), ctx), assessApp(S3, offloaded, ctx)],
      stage2: [notConfiguredResult('storage', 'prod', AT), notConfiguredResult('proxy', 'prod', AT)],
    },
    'storage-check-could-not-run',
  ],
  [
    'the end-to-end check crashed',
    {
      stage1: [
        crashedResult('end-to-end', 'prod', 'TypeError: x is undefined', AT),
        assessApp(S3, offloaded, ctx),
      ],
    },
    'end-to-end-could-not-run',
  ],
];

// ---------------------------------------------------------------------------------------------------------------
// Rewording.

/** Every display string of the results replaced with unrelated text, each different; the data left as it is. */
function reword(s: StageResults): StageResults {
  let n = 0;
  const text = () => `lorem ipsum ${++n} dolor`;
  const evidence = (e: Evidence): Evidence => (e.error === undefined ? e : { ...e, error: text() });
  const one = (r: CheckResult): CheckResult => ({
    ...r,
    message: text(),
    expected: evidence(r.expected),
    observed: evidence(r.observed),
    conditions: r.conditions.map((c) => ({ ...c, subject: text(), expected: text(), observed: text() })),
    ...(r.notes ? { notes: r.notes.map(text) } : {}),
  });
  return {
    stage1: [one(s.stage1[0]), one(s.stage1[1])],
    ...(s.stage2 ? { stage2: [one(s.stage2[0]), one(s.stage2[1])] } : {}),
  };
}

const decision = (s: StageResults) => {
  const v = diagnose(s);
  return { rule: v.rule, status: v.status, fault: v.fault, faults: v.faults, warns: !!v.monitorWarning };
};

const SCENARIOS: [string, StageResults][] = [
  ...ROWS.map(([name, e2e, app, storage, proxy]): [string, StageResults] => [
    `table: ${name}`,
    stages(e2e, app, storage, proxy),
  ]),
  ...Object.entries({ ...CASES, ...MORE_CASES }).map(([name, s]): [string, StageResults] => [
    `case: ${name}`,
    s,
  ]),
  ...ASSESSED.map(([name, s]): [string, StageResults] => [`assessed: ${name}`, s]),
];

describe('the verdict does not read wording', () => {
  it.each(ASSESSED)('the real checks, %s: the rule expected', (_name, s, rule) => {
    expect(diagnose(s).rule).toBe(rule);
  });

  it.each(SCENARIOS)('%s: the same verdict once every message is reworded', (_name, s) => {
    // Prepare
    const reworded = reword(s);
    expect(JSON.stringify(reworded)).not.toBe(JSON.stringify(s));
    // Act, Assess
    expect(decision(reworded)).toEqual(decision(s));
  });

  it('covers every rule that reads more than kinds (the rows whose `also` reads the results)', () => {
    const reached = new Set(SCENARIOS.map(([, s]) => diagnose(s).rule));
    expect(RULES.filter((r) => r.also && !reached.has(r.id)).map((r) => r.id)).toEqual([]);
  });
});
