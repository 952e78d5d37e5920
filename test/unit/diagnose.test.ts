import { describe, expect, it } from 'vitest';
import { classifyS3Error } from '../../functions/probes/classify.ts';
import { diagnose } from '../../functions/verdict/diagnose.ts';
import { RULES } from '../../functions/verdict/rules.ts';
import { stages } from '../fixtures/results.ts';
import { CASES, MORE_CASES, ROWS } from '../fixtures/verdict-cases.ts';

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

  it.each([
    ['connect-refused', "the app's port 10.0.1.20:8000 refuses connections: is the app running?"],
    ['connect-failed', "the app's port 10.0.1.20:8000 cannot be reached: is its host up"],
    ['timeout', "the app's port 10.0.1.20:8000 does not answer in time: is the app overloaded or hung?"],
    ['reset', "the app's port 10.0.1.20:8000 drops the connection"],
  ] as const)('says an app that gives no answer (%s) gave none, at its port', (kind, said) => {
    const s = stages('status', kind, 'ok', 'ok');
    s.stage1[1].target = 'http://10.0.1.20:8000/healthcheck-utils/download/';
    const v = diagnose(s);
    expect(v).toMatchObject({ status: 'failed', fault: 'app', rule: 'app-fails' });
    expect(v.summary).toContain(said);
    expect(v.summary).toContain(`(app broke (${kind}))`);
    expect(v.summary).not.toContain('does not answer with the offload header');
  });

  it('has unique rule ids, each reachable by a row above or a case below', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const reached = new Set([
      ...ROWS.map(([, e, a, s, p]) => diagnose(stages(e, a, s, p)).rule),
      ...Object.values({ ...CASES, ...MORE_CASES }).map((c) => diagnose(c).rule),
    ]);
    expect(ids.filter((id) => !reached.has(id))).toEqual([]);
  });
});

describe('diagnose: rules that read more than kinds', () => {
  it("names storage when the wrong header end to end is the object's metadata (a wrong verdict of the issue)", () => {
    const v = diagnose(CASES.metadata);
    expect(v).toMatchObject({ status: 'failed', fault: 'storage', rule: 'object-metadata' });
    expect(v.summary).toContain('content-type: "binary/octet-stream" (the object\'s metadata)');
  });

  it('names the proxy when storage carries the right value and end to end shows a wrong one', () => {
    expect(diagnose(MORE_CASES.rightStorage)).toMatchObject({
      fault: 'proxy',
      rule: 'proxy-changes-headers',
    });
  });

  it("on disk, names storage when the type map's media type for the file's name is the wrong one end to end", () => {
    expect(diagnose(MORE_CASES.disk)).toMatchObject({ fault: 'storage', rule: 'object-metadata' });
    // Only the media type counts: another charset is not the file name's doing.
    expect(diagnose(MORE_CASES.charset)).toMatchObject({ fault: 'proxy', rule: 'proxy-changes-headers' });
  });

  it('hints that the proxy may mask a storage error when its 404 carries nothing of storage', () => {
    const v = diagnose(CASES.masked);
    expect(v).toMatchObject({ status: 'failed', fault: 'proxy', rule: 'proxy-masks-storage-errors' });
    expect(v.summary).toContain('proxy_intercept_errors');
    // A 404 with S3's own error document is S3's: no hint.
    expect(diagnose(MORE_CASES.fromS3).rule).toBe('proxy-fails');
  });

  it('names a cache that keeps old bytes, with the headers that show it (a wrong verdict of the issue)', () => {
    const v = diagnose(CASES.staleCopy);
    expect(v).toMatchObject({
      status: 'failed',
      fault: 'proxy',
      faults: ['proxy'],
      rule: 'stale-copy-in-path',
    });
    expect(v.summary).toContain(
      'a cache (or a CDN, or a second copy) between the client and storage keeps old bytes',
    );
    expect(v.summary).toContain('etag: "old" where storage\'s object has "new"');
    // The same date on both sides is no sign; a weak mark on the same ETag is no difference.
    expect(v.summary).not.toContain('last-modified');
    expect(diagnose(MORE_CASES.staleWeakSameEtag).rule).toBe('proxy-app-glue');
  });

  it.each([
    ['an Age', MORE_CASES.staleAge, 'age: 42'],
    ['a cache status', MORE_CASES.staleCacheStatus, 'x-cache-status: HIT'],
    ['an RFC 9211 Cache-Status', MORE_CASES.staleRfcCacheStatus, 'cache-status: nginx; hit'],
    ['another Last-Modified', MORE_CASES.staleLastModified, 'last-modified: Mon, 23 Nov 2026'],
  ])('names the cache on %s alone', (_name, input, shown) => {
    const v = diagnose(input);
    expect(v.rule).toBe('stale-copy-in-path');
    expect(v.summary).toContain(shown);
  });

  it.each([
    ['the same validators and no cache header', MORE_CASES.sameValidators],
    ['no validators and no cache header', MORE_CASES.noValidators],
    ['a body cut short', MORE_CASES.cutBody],
    ['a body of another size', MORE_CASES.otherSize],
  ])('names no cache with %s', (_name, input) => {
    expect(diagnose(input).rule).not.toBe('stale-copy-in-path');
  });

  it('names no cache when storage or the proxy does not serve the sentinel', () => {
    expect(diagnose(MORE_CASES.staleProxyFails).rule).toBe('proxy-fails');
    expect(diagnose(MORE_CASES.staleStorageFails).rule).toBe('storage-check-settings');
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
    // One cause said once, for both checks it stops (it read twice, each with the SDK's message).
    expect(v.monitorWarning).toBe(
      "the storage and proxy checks cannot use the monitor's credentials or signing settings: storage broke (monitor-credentials)",
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
    const v = diagnose(MORE_CASES.refusedProxyReached);
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
