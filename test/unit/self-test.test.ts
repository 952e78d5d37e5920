import { describe, expect, it } from 'vitest';
import type { Config } from '../../functions/config/schema.ts';
import { SELF_TEST_CONCURRENCY } from '../../functions/contract/concurrency.ts';
import {
  judgeSelfTest,
  runSelfTest,
  selfTestId,
  selfTestNeeded,
  selfTestReason,
} from '../../functions/verdict/self-test.ts';
import type { Spec } from '../fixtures/results.ts';
import { result } from '../fixtures/results.ts';

/** The four results of one target: end-to-end, app, storage, proxy. */
const run = (e2e: Spec, app: Spec, storage: Spec, proxy: Spec) => [
  result('end-to-end', e2e),
  result('app', app),
  result('storage', storage),
  result('proxy', proxy),
];

describe('the self-test’s judgement: the monitor broken, or the target unhealthy', () => {
  it.each<[string, ReturnType<typeof run>, string[], string[]]>([
    ['all healthy', run('ok', 'ok', 'ok', 'ok'), [], []],
    ['a check that could not be invoked (IAM)', run('ok', 'check-error', 'ok', 'ok'), ['app'], []],
    ['a secret the check cannot read', run('secret-missing', 'ok', 'ok', 'ok'), ['end-to-end'], []],
    ['a name that does not resolve from the VPC (DNS)', run('ok', 'dns', 'ok', 'ok'), ['app'], []],
    ['storage denied to the monitor’s role', run('ok', 'ok', 's3-access-denied', 'ok'), ['storage'], []],
    ['no route to S3 (VPC endpoint)', run('ok', 'ok', 's3-unreachable', 'ok'), ['storage'], []],
    [
      'a storage key other than the one the proxy serves',
      run('ok', 'ok', 's3-no-such-key', 'ok'),
      ['storage'],
      [],
    ],
    ['other bytes than the proxy serves', run('ok', 'ok', 'checksum-mismatch', 'ok'), ['storage'], []],
    [
      'the sentinel gone for both (the target)',
      run('status', 'ok', 's3-no-such-key', 'status'),
      [],
      ['end-to-end', 'storage', 'proxy'],
    ],
    [
      'the app down (the target)',
      run('connect-refused', 'connect-refused', 'ok', 'ok'),
      [],
      ['end-to-end', 'app'],
    ],
    ['a timeout (the target)', run('timeout', 'ok', 'ok', 'ok'), [], ['end-to-end']],
    ['storage and proxy left out of the config', run('ok', 'ok', 'not-configured', 'not-configured'), [], []],
  ])('%s', (_name, results, broken, unhealthy) => {
    const findings = judgeSelfTest('prod', results);
    expect(findings.filter((f) => f.broken).map((f) => f.layer)).toEqual(broken);
    expect(findings.filter((f) => !f.broken).map((f) => f.layer)).toEqual(unhealthy);
  });

  it('says why in the reason, the broken findings first, and keeps it within what CloudFormation keeps', () => {
    const reason = selfTestReason([
      ...judgeSelfTest('prod', run('ok', 'ok', 's3-access-denied', 'ok')),
      ...judgeSelfTest('staging', run('timeout', 'ok', 'ok', 'ok')),
    ]);
    expect(reason).toMatch(
      /^download-doctor self-test: the monitor is broken: prod\/storage: the storage check cannot read/,
    );
    const passed = selfTestReason(judgeSelfTest('staging', run('timeout', 'ok', 'ok', 'ok')));
    expect(passed).toMatch(
      /^download-doctor self-test passed; unhealthy targets \(not the monitor's fault\): staging\/end-to-end/,
    );
    const long = selfTestReason(
      Array.from({ length: 200 }, (_, i) => judgeSelfTest(`t${i}`, run('dns', 'ok', 'ok', 'ok'))).flat(),
    );
    expect(long.length).toBeLessThanOrEqual(3000);
  });

  it('runs on Create and on a changed Update; not on Delete, nor on the rollback of a failed update', () => {
    const fingerprint = 'abc';
    expect(selfTestNeeded({ RequestType: 'Create', fingerprint })).toBe(true);
    expect(
      selfTestNeeded({ RequestType: 'Update', PhysicalResourceId: selfTestId('old'), fingerprint }),
    ).toBe(true);
    expect(
      selfTestNeeded({ RequestType: 'Update', PhysicalResourceId: selfTestId('abc'), fingerprint }),
    ).toBe(false);
    expect(
      selfTestNeeded({ RequestType: 'Delete', PhysicalResourceId: selfTestId('abc'), fingerprint }),
    ).toBe(false);
  });
});

describe('the self-test’s fan-out', () => {
  it('invokes every check of every target, SELF_TEST_CONCURRENCY at a time, however many targets', async () => {
    const config = {
      targets: Array.from({ length: 300 }, (_, i) => ({ name: `t${i}` })),
    } as unknown as Config;
    let inFlight = 0;
    let most = 0;
    const invoked: string[] = [];
    const findings = await runSelfTest(config, async (layer, target) => {
      inFlight++;
      most = Math.max(most, inFlight);
      invoked.push(`${target} ${layer}`);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return layer === 'storage' && target === 't7' ? result(layer, 's3-access-denied') : result(layer, 'ok');
    });
    expect(invoked).toHaveLength(300 * 4);
    expect(most).toBe(SELF_TEST_CONCURRENCY);
    expect(findings).toEqual([expect.objectContaining({ target: 't7', layer: 'storage', broken: true })]);
  });
});
