import { describe, expect, it } from 'vitest';
import type { CheckResult, Condition, StageResults } from '../../functions/contract/types.ts';
import { classifyS3Error } from '../../functions/probes/classify.ts';
import { diagnose } from '../../functions/verdict/diagnose.ts';
import { RULES } from '../../functions/verdict/rules.ts';
import { result, type Spec, stages } from '../fixtures/results.ts';

type Row = [string, Spec, Spec, Spec | undefined, Spec | undefined, string, string | null, string[]?];

// end-to-end, app, storage, proxy (undefined: stage 2 did not run) => status, fault, every fault.
const ROWS: Row[] = [
  // Stage 1 (issue table 1).
  ['all pass', 'ok', 'ok', undefined, undefined, 'healthy', null],
  ['served but not offloaded', 'ok', 'not-offloaded', 'ok', 'ok', 'degraded', 'app'],
  ['served, app check fails otherwise', 'ok', 'header-mismatch', 'ok', 'ok', 'degraded', 'app'],
  ['served, app refuses connections', 'ok', 'connect-refused', 'ok', 'ok', 'degraded', 'app'],
  ['served, degraded threshold crossed by end to end', 'slow', 'ok', 'ok', 'ok', 'degraded', 'unknown'],
  ['served, storage slow', 'slow', 'ok', 'slow', 'ok', 'degraded', 'storage'],
  ['served, proxy slow', 'slow', 'ok', 'ok', 'slow', 'degraded', 'proxy'],
  ['served, app slow', 'ok', 'slow', 'ok', 'ok', 'degraded', 'app'],
  // The end-to-end layer's extra probes fail while downloads work.
  ['internal location served to outside', 'internal-exposed', 'ok', 'ok', 'ok', 'degraded', 'proxy'],
  ['Range ignored by the proxy', 'range-ignored', 'ok', 'ok', 'ok', 'degraded', 'proxy'],
  ['Range ignored because the app streams', 'range-ignored', 'not-offloaded', 'ok', 'ok', 'degraded', 'app'],
  // End to end fails: the fault is named from the other three (issue table 2).
  ['storage fails', 'status', 'ok', 's3-no-such-key', 'status', 'failed', 'storage', ['storage', 'proxy']],
  [
    'storage fails, app too, the proxy too',
    'status',
    'status',
    's3-access-denied',
    'status',
    'failed',
    'storage',
    ['storage', 'proxy', 'app'],
  ],
  // The cross-check: the proxy serves the sentinel's exact bytes from storage in the same run, so a storage check
  // that cannot read it has wrong settings of its own (a typo in the bucket name, its own IAM role).
  [
    'storage check cannot read, the proxy serves',
    'status',
    'ok',
    's3-no-such-bucket',
    'ok',
    'failed',
    'unknown',
    ['unknown'],
  ],
  [
    'storage check denied, the proxy serves',
    'status',
    'status',
    's3-access-denied',
    'ok',
    'failed',
    'unknown',
    ['unknown', 'app'],
  ],
  [
    'storage check unreachable, the proxy serves',
    'status',
    'ok',
    's3-unreachable',
    'ok',
    'failed',
    'unknown',
  ],
  // ... and when the proxy fails too, storage stays at fault (the sandbox's storage-down).
  ['storage unreachable, the proxy too', 'status', 'status', 's3-unreachable', 'status', 'failed', 'storage'],
  // The monitor's own credentials: could not run, never storage.
  [
    'no credentials for the monitor',
    'status',
    'ok',
    'monitor-credentials',
    'monitor-credentials',
    'failed',
    'unknown',
    ['unknown'],
  ],
  [
    'the monitor signs for another region',
    'status',
    'ok',
    'monitor-signing',
    'ok',
    'failed',
    'unknown',
    ['unknown'],
  ],
  // A full run (all four checks): downloads work, so a failing diagnostic is the monitor's warning, not a page.
  [
    'full run: storage check fails while downloads work',
    'ok',
    'ok',
    's3-no-such-bucket',
    'ok',
    'healthy',
    null,
    [],
  ],
  [
    'full run: proxy check fails while downloads work',
    'ok',
    'ok',
    'ok',
    'connect-refused',
    'healthy',
    null,
    [],
  ],
  [
    'full run: monitor without credentials',
    'ok',
    'ok',
    'monitor-credentials',
    'monitor-credentials',
    'healthy',
    null,
    [],
  ],
  [
    'full run: served not offloaded, storage check fails',
    'ok',
    'not-offloaded',
    's3-no-such-key',
    'ok',
    'degraded',
    'app',
    ['app'],
  ],
  // The end-to-end URL cannot be reached at all while the proxy check reached the proxy: not the route to the app.
  [
    'end-to-end URL refused, the proxy reached',
    'connect-refused',
    'ok',
    'ok',
    'ok',
    'failed',
    'unknown',
    ['unknown'],
  ],
  [
    'end-to-end URL refused, the proxy too',
    'connect-refused',
    'ok',
    'ok',
    'connect-refused',
    'failed',
    'proxy',
  ],
  // HEAD and conditional GET, beside a working download.
  ['HEAD refused by the app', 'head-mismatch', 'head-mismatch', 'ok', 'ok', 'degraded', 'app', ['app']],
  ['HEAD fails through the proxy only', 'head-mismatch', 'ok', 'ok', 'ok', 'degraded', 'proxy', ['proxy']],
  ['conditional GET answered wrongly', 'conditional-mismatch', 'ok', 'ok', 'ok', 'degraded', 'proxy'],
  // Headers wrong end to end while app and storage are right: the proxy changes them.
  ['a header wrong at the client only', 'header-mismatch', 'ok', 'ok', 'ok', 'failed', 'proxy', ['proxy']],
  ['two Content-Dispositions at the client only', 'header-conflict', 'ok', 'ok', 'ok', 'failed', 'proxy'],
  [
    'a body that does not decode, at the client only',
    'content-decoding',
    'ok',
    'ok',
    'ok',
    'failed',
    'proxy',
  ],
  ['the proxy answers badly', 'bad-response', 'ok', 'ok', 'ok', 'failed', 'proxy', ['proxy']],
  ['the app answers badly', 'status', 'bad-response', 'ok', 'ok', 'failed', 'app'],
  ['proxy cannot serve from storage', 'status', 'ok', 'ok', 'connect-refused', 'failed', 'proxy', ['proxy']],
  ['proxy fails, app too', 'reset', 'header-mismatch', 'ok', 'status', 'failed', 'proxy', ['proxy', 'app']],
  ['app fails alone', 'status', 'connect-refused', 'ok', 'ok', 'failed', 'app', ['app']],
  ['app streams and yet end to end fails', 'status', 'not-offloaded', 'ok', 'ok', 'failed', 'app', ['app']],
  ['each part works, not together', 'status', 'ok', 'ok', 'ok', 'failed', 'proxy-app', ['proxy-app']],
  ['each part works, end to end truncated', 'truncated', 'ok', 'ok', 'ok', 'failed', 'proxy-app'],
  // A check that could not run is evidence for unknown, never a pass.
  ['end to end could not run', 'dns', 'ok', 'ok', 'ok', 'failed', 'unknown'],
  ['storage check crashed', 'status', 'ok', 'check-error', 'ok', 'failed', 'unknown'],
  ['proxy check has a bad address', 'status', 'ok', 'ok', 'dns', 'failed', 'unknown'],
  ['app check secret missing', 'status', 'secret-missing', 'ok', 'ok', 'failed', 'unknown'],
  ['served, app check crashed', 'ok', 'check-error', 'ok', 'ok', 'degraded', 'unknown'],
  ['end to end fails but stage 2 missing', 'status', 'ok', undefined, undefined, 'failed', 'unknown'],
];

describe('diagnose: the verdict table', () => {
  it.each(ROWS)('%s', (_name, e2e, app, storage, proxy, status, fault, faults) => {
    // Prepare
    const input = stages(e2e, app, storage, proxy);
    // Act
    const verdict = diagnose(input);
    // Assess
    expect(verdict.status).toBe(status);
    expect(verdict.fault).toBe(fault);
    if (faults) expect(verdict.faults).toEqual(faults);
    else expect(verdict.faults[0] ?? null).toBe(fault);
    // Every verdict that blames nothing because the monitor's own settings failed says so to the monitor's owners.
    if (
      storage === 'monitor-credentials' ||
      (status === 'healthy' && [storage, proxy].some((x) => x && x !== 'ok'))
    )
      expect(verdict.monitorWarning).toBeDefined();
    expect(verdict.summary.length).toBeGreaterThan(10);
    expect(verdict.summary).not.toContain('\n');
  });

  it('puts the observed values in the summary and the primary evidence first', () => {
    const v = diagnose(stages('status', 'ok', 's3-no-such-key', 'status'));
    expect(v.summary).toContain('storage broke (s3-no-such-key)');
    expect(v.evidence[0]).toBe('storage: storage broke (s3-no-such-key)');
    expect(v.evidence).toContain('end-to-end: end-to-end broke (status)');
  });

  it('names the offload header the app sent in a proxy-app verdict', () => {
    const v = diagnose(stages('status', 'ok', 'ok', 'ok'));
    expect(v.summary).toContain('x-accel-redirect: /_storage/s.txt');
    expect(v.rule).toBe('proxy-app-glue');
  });

  it('says the app names the download wrongly when that is what its check found', () => {
    const v = diagnose(stages('filename-mismatch', 'filename-mismatch', 'ok', 'ok'));
    expect(v).toMatchObject({ status: 'failed', fault: 'app', rule: 'app-fails' });
    expect(v.summary).toBe('the app offloads the file under another name: app broke (filename-mismatch)');
  });

  it('has unique rule ids, each reachable by a row above or a case below', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const reached = new Set([
      ...ROWS.map(([, e, a, s, p]) => diagnose(stages(e, a, s, p)).rule),
      ...Object.values(CASES).map((c) => diagnose(c).rule),
    ]);
    expect(ids.filter((id) => !reached.has(id))).toEqual([]);
  });
});

/** A result whose first failed condition is this one (the rules that read conditions, not only kinds). */
function failing(
  layer: CheckResult['layer'],
  condition: Omit<Condition, 'pass'>,
  more: Partial<CheckResult> = {},
) {
  return {
    ...result(layer, condition.kind),
    conditions: [{ ...condition, pass: false }],
    message: `${condition.subject} ${condition.observed}, expected ${condition.expected}`,
    ...more,
  };
}

const CASES = {
  /** The object in S3 carries S3's default type; nginx passes it on. */
  metadata: {
    stage1: [
      failing(
        'end-to-end',
        {
          subject: '[Content-Type]',
          kind: 'header-mismatch',
          expected: '"text/plain"',
          observed: '"binary/octet-stream"',
        },
        { observed: { status: 200, headers: { 'content-type': 'binary/octet-stream' } } },
      ),
      result('app', 'ok'),
    ],
    stage2: [
      failing(
        'storage',
        {
          subject: '[object].Content-Type',
          kind: 'metadata-mismatch',
          expected: '"text/plain"',
          observed: '"binary/octet-stream"',
        },
        { observed: { bytes: 25, headers: { 'content-type': 'binary/octet-stream' } } },
      ),
      result('proxy', 'ok'),
    ],
  },
  /** nginx's error_page answers the proxy check's S3 error with its own 404. */
  masked: {
    stage1: [{ ...result('end-to-end', 'status'), observed: { status: 404 } }, result('app', 'ok')],
    stage2: [
      result('storage', 'ok'),
      failing('proxy', {
        subject: '[STATUS]',
        kind: 'status',
        expected: '200',
        observed: '404 (no sign of storage in it: no x-amz-* header, no S3 error document)',
      }),
    ],
  },
  /** The app answers a conditional GET with 304 and its X-Accel-Redirect, which nginx passes on. */
  conditionalOffload: {
    stage1: [
      failing('end-to-end', {
        subject: '[conditional GET].offload',
        kind: 'conditional-mismatch',
        expected: 'no X-Accel-Redirect at the client',
        observed: '304 with X-Accel-Redirect: "/_storage/a"',
      }),
      result('app', 'ok'),
    ],
  },
} satisfies Record<string, StageResults>;

describe('diagnose: rules that read more than kinds', () => {
  it("names storage when the wrong header end to end is the object's metadata (a wrong verdict of the issue)", () => {
    const v = diagnose(CASES.metadata);
    expect(v).toMatchObject({ status: 'failed', fault: 'storage', rule: 'object-metadata' });
    expect(v.summary).toContain('content-type: "binary/octet-stream" (the object\'s metadata)');
  });

  /** Stage 2 with a storage check that passed, its evidence naming this Content-Type (S3's, or a type map's). */
  const storageSays = (type: string): StageResults['stage2'] => [
    { ...result('storage', 'ok'), observed: { bytes: 25, headers: { 'content-type': type } } },
    result('proxy', 'ok'),
  ];

  it('names the proxy when storage carries the right value and end to end shows a wrong one', () => {
    const right = { ...CASES.metadata, stage2: storageSays('text/plain') } satisfies StageResults;
    expect(diagnose(right)).toMatchObject({ fault: 'proxy', rule: 'proxy-changes-headers' });
  });

  it("on disk, names storage when the type map's media type for the file's name is the wrong one end to end", () => {
    const disk = { ...CASES.metadata, stage2: storageSays('binary/octet-stream') } satisfies StageResults;
    expect(diagnose(disk)).toMatchObject({ fault: 'storage', rule: 'object-metadata' });
    // Only the media type counts: a missing charset is not the file name's doing.
    const charset = {
      stage1: [
        failing(
          'end-to-end',
          {
            subject: '[Content-Type]',
            kind: 'header-mismatch',
            expected: '"text/plain; charset=utf-8"',
            observed: '"text/plain"',
          },
          { observed: { status: 200, headers: { 'content-type': 'text/plain' } } },
        ),
        result('app', 'ok'),
      ],
      stage2: storageSays('text/plain'),
    } satisfies StageResults;
    expect(diagnose(charset)).toMatchObject({ fault: 'proxy', rule: 'proxy-changes-headers' });
  });

  it('hints that the proxy may mask a storage error when its 404 carries nothing of storage', () => {
    const v = diagnose(CASES.masked);
    expect(v).toMatchObject({ status: 'failed', fault: 'proxy', rule: 'proxy-masks-storage-errors' });
    expect(v.summary).toContain('proxy_intercept_errors');
    // A 404 with S3's own error document is S3's: no hint.
    const fromS3 = {
      ...CASES.masked,
      stage2: [
        result('storage', 'ok'),
        failing('proxy', {
          subject: '[STATUS]',
          kind: 'status',
          expected: '200',
          observed: '404 (S3 NoSuchBucket)',
        }),
      ],
    } satisfies StageResults;
    expect(diagnose(fromS3).rule).toBe('proxy-fails');
  });

  it('blames the app for a 304 that carries the offload header', () => {
    expect(diagnose(CASES.conditionalOffload)).toMatchObject({
      status: 'degraded',
      fault: 'app',
      rule: 'conditional-answered-with-offload',
    });
  });

  it('no credentials in the monitor: the storage check could not run, and storage is not paged (a wrong verdict of the issue)', () => {
    // What the SDK throws without credentials, classified as the storage probe does.
    const kind = classifyS3Error({
      name: 'CredentialsProviderError',
      message: 'Could not load credentials from any providers',
    });
    const v = diagnose(stages('status', 'ok', kind, kind));
    expect(v).toMatchObject({ status: 'failed', fault: 'unknown', faults: ['unknown'] });
    expect(v.monitorWarning).toContain(
      "the storage check cannot use the monitor's credentials or signing settings",
    );
  });

  it("a stale bucket name while the proxy serves the sentinel: the storage check's settings, with that reason", () => {
    const v = diagnose(stages('status', 'ok', 's3-no-such-bucket', 'ok'));
    expect(v).toMatchObject({ fault: 'unknown', rule: 'storage-check-settings' });
    expect(v.summary).toContain(
      "the proxy serves the sentinel's exact bytes from storage, yet the storage check fails",
    );
    expect(v.monitorWarning).toContain('fix its settings (bucket, key, region, endpoint) or its credentials');
  });

  it('says where the proxy was reached when the end-to-end URL refuses connections (a wrong hint of the issue)', () => {
    const s = stages('connect-refused', 'ok', 'ok', 'ok');
    const v = diagnose({
      ...s,
      stage2: [
        s.stage2?.[0] as CheckResult,
        { ...result('proxy', 'ok'), target: 'http://127.0.0.1:8080/hc/' },
      ],
    });
    expect(v.summary).toContain(
      "while the proxy check reached 127.0.0.1:8080: this is not the proxy's route to the app",
    );
    expect(v.summary).not.toContain('the Host it sends');
  });

  it('a healthy full run with a failing diagnostic stays healthy, with the warning and no fault', () => {
    const v = diagnose(stages('ok', 'ok', 's3-no-such-bucket', 'ok'));
    expect(v).toMatchObject({ status: 'healthy', fault: null, faults: [] });
    // The proxy served the sentinel in the same run: the cross-check says so.
    expect(v.monitorWarning).toBe(
      "the proxy serves the sentinel's exact bytes from storage, yet the storage check fails: fix its settings (bucket, key, region, endpoint) or its credentials: storage broke (s3-no-such-bucket)",
    );
    expect(diagnose(stages('ok', 'ok', 's3-no-such-bucket', 'status')).monitorWarning).toBe(
      'downloads work, yet the storage check fails: fix its settings or credentials: storage broke (s3-no-such-bucket); ' +
        'downloads work, yet the proxy check fails: fix its URL or settings: proxy broke (status)',
    );
    expect(diagnose(stages('ok', 'ok', 'ok', 'ok')).monitorWarning).toBeUndefined();
    expect(diagnose(stages('ok', 'ok', undefined, undefined)).monitorWarning).toBeUndefined();
  });
});
