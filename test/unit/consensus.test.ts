/** The consensus of several locations on one slot (functions/verdict/consensus.ts decide): plain data in and out. */
import { describe, expect, it } from 'vitest';
import { METRICS, metricData } from '../../functions/alerting/metrics.ts';
import type { LocationResult, Report } from '../../functions/contract/types.ts';
import { decide, evidenceLines, listed, partialFailure } from '../../functions/verdict/consensus.ts';
import { reportOf, result, type Spec, stages } from '../fixtures/results.ts';

const HOME = 'eu-west-1';

/** What a location other than the home sends: its end-to-end check, with the network error it met. */
function sent(location: string, spec: Spec, opts: { error?: string; totalMs?: number } = {}): LocationResult {
  const r = result('end-to-end', spec);
  return {
    location,
    target: 'prod',
    slot: '2026-11-24T00:00:00.000Z',
    at: '2026-11-24T00:00:01.000Z',
    results: [
      {
        ...r,
        observed: { ...r.observed, ...(opts.error ? { error: opts.error } : {}) },
        timings: { totalMs: opts.totalMs ?? r.timings.totalMs },
      },
    ],
  };
}

/** The home's run (every check), two more locations' results, and K. */
function decideOf(home: Report, others: Record<string, LocationResult | undefined>, quorum = 2) {
  return decide({
    home: { location: HOME, report: home },
    others: Object.entries(others).map(([location, result]) => ({ location, result })),
    quorum,
  });
}

const outcomes = (d: ReturnType<typeof decide>) =>
  Object.fromEntries(d.agreement.locations.map((s) => [s.location, s.outcome]));

/** The home's full run with the app refusing connections: the verdict names the app. */
const appDown = () => reportOf(stages('connect-refused', 'connect-refused', 'ok', 'ok'));
const healthy = () => reportOf(stages('ok', 'ok', 'ok', 'ok'));

describe('all locations fail', () => {
  const home = appDown();
  const d = decideOf(home, {
    'us-east-1': sent('us-east-1', 'connect-refused'),
    'ap-south-1': sent('ap-south-1', 'connect-refused'),
  });

  it("confirms the failure and keeps the home's layer verdict", () => {
    expect(d.agreement).toMatchObject({ quorum: 2, of: 3, confirmed: true });
    expect(outcomes(d)).toEqual({ [HOME]: 'fail', 'us-east-1': 'fail', 'ap-south-1': 'fail' });
    expect(home.verdict.status).toBe('failed');
    expect(d.report.verdict).toMatchObject({
      status: 'failed',
      fault: home.verdict.fault,
      rule: home.verdict.rule,
    });
    expect(d.report.agreement).toEqual(d.agreement);
    expect(partialFailure(d.agreement)).toBe(false);
  });

  it('says how many agree, then the layer verdict, with one evidence line per location', () => {
    expect(d.agreement.summary).toBe(`3 of 3 locations: ${home.verdict.summary}`);
    expect(d.report.verdict.summary).toBe(d.agreement.summary);
    const lines = d.report.verdict.evidence.slice(home.verdict.evidence.length);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^eu-west-1 \(home\): end to end FAIL \[connect-refused\]/);
    expect(lines[1]).toMatch(/^us-east-1: end to end FAIL \[connect-refused\]/);
    expect(lines[2]).toMatch(/^ap-south-1: end to end FAIL \[connect-refused\]/);
    // The home's own evidence comes first, untouched.
    expect(d.report.verdict.evidence.slice(0, home.verdict.evidence.length)).toEqual(home.verdict.evidence);
  });
});

describe('fewer than K locations fail', () => {
  it('does not confirm: healthy, the locations disagree, the failing path named with its error', () => {
    const d = decideOf(healthy(), {
      'us-east-1': sent('us-east-1', 'timeout', { error: 'connect ETIMEDOUT 203.0.113.5:443' }),
      'ap-south-1': sent('ap-south-1', 'ok'),
    });
    expect(d.agreement).toMatchObject({ quorum: 2, of: 3, confirmed: false });
    expect(outcomes(d)).toEqual({ [HOME]: 'pass', 'us-east-1': 'fail', 'ap-south-1': 'pass' });
    expect(d.report.verdict).toMatchObject({ status: 'healthy', fault: null, rule: 'locations-disagree' });
    expect(partialFailure(d.agreement)).toBe(true);
    const us = d.agreement.locations.find((s) => s.location === 'us-east-1');
    expect(us).toMatchObject({ kind: 'timeout', error: 'connect ETIMEDOUT 203.0.113.5:443' });
    expect(d.agreement.summary).toBe(
      'only us-east-1 fails end to end, with a timeout (connect ETIMEDOUT 203.0.113.5:443); eu-west-1 and ap-south-1 pass: ' +
        'the network path from us-east-1, not the site (1 of 3, fewer than 2)',
    );
  });

  it("turns the home's own unconfirmed failure into no failure of the target", () => {
    const home = appDown();
    const d = decideOf(home, {
      'us-east-1': sent('us-east-1', 'ok'),
      'ap-south-1': sent('ap-south-1', 'ok'),
    });
    expect(d.agreement.confirmed).toBe(false);
    expect(d.report.verdict).toMatchObject({ status: 'healthy', fault: null, rule: 'locations-disagree' });
    expect(d.agreement.summary).toMatch(/^only eu-west-1 fails end to end, with its connection refused;/);
    expect(d.agreement.summary).toContain('us-east-1 and ap-south-1 pass');
    // What the home saw is still there to read.
    expect(d.report.results).toEqual(home.results);
    expect(d.report.verdict.evidence).toEqual(expect.arrayContaining(home.verdict.evidence));
  });

  it('names two failing locations with their errors when K is 3 of 4', () => {
    const d = decideOf(
      healthy(),
      {
        'us-east-1': sent('us-east-1', 'timeout'),
        'ap-south-1': sent('ap-south-1', 'reset'),
        'sa-east-1': sent('sa-east-1', 'ok'),
      },
      3,
    );
    expect(d.agreement).toMatchObject({ quorum: 3, of: 4, confirmed: false });
    expect(d.agreement.summary).toBe(
      'only us-east-1 (a timeout) and ap-south-1 (a reset connection) fail end to end; ' +
        'eu-west-1 and sa-east-1 pass: the network paths from us-east-1 and ap-south-1, not the site (2 of 4, fewer than 3)',
    );
  });
});

describe('the home passes while K others fail', () => {
  it('is a failure whose layer is unknown', () => {
    const d = decideOf(healthy(), {
      'us-east-1': sent('us-east-1', 'status'),
      'ap-south-1': sent('ap-south-1', 'status'),
    });
    expect(d.agreement).toMatchObject({ quorum: 2, confirmed: true });
    expect(d.report.verdict).toMatchObject({
      status: 'failed',
      fault: 'unknown',
      faults: ['unknown'],
      rule: 'locations-confirm',
    });
    expect(d.agreement.summary).toContain('the home (eu-west-1) passes, so its checks cannot name the layer');
  });

  it('says the home could not check, not that it passes, when its own check could not run', () => {
    const d = decideOf(reportOf(stages('secret-missing', 'ok')), {
      'us-east-1': sent('us-east-1', 'status'),
      'ap-south-1': sent('ap-south-1', 'status'),
    });
    expect(outcomes(d)[HOME]).toBe('unknown');
    expect(d.report.verdict).toMatchObject({ status: 'failed', fault: 'unknown', rule: 'locations-confirm' });
    expect(d.agreement.summary).toContain('the home (eu-west-1) could not check it');
    expect(d.agreement.summary).not.toContain('passes');
    // The monitor's owners hear that the home, the one location that names a layer, is blind.
    expect(d.report.verdict.monitorWarning).toMatch(/^the home \(eu-west-1\) could not check end to end/);
  });
});

describe('a location with no result', () => {
  it('is unknown, never a failure, and K counts only those that answered', () => {
    const home = appDown();
    const d = decideOf(home, { 'us-east-1': undefined, 'ap-south-1': undefined });
    expect(outcomes(d)).toEqual({ [HOME]: 'fail', 'us-east-1': 'unknown', 'ap-south-1': 'unknown' });
    // The home's confirmed failure still pages: the others' silence is a notice of its own.
    expect(d.agreement).toMatchObject({ quorum: 1, of: 3, confirmed: true });
    expect(d.report.verdict).toMatchObject({ status: 'failed', fault: home.verdict.fault });
    expect(d.agreement.summary).toMatch(/^1 of 3 locations: .*; no result from us-east-1 and ap-south-1$/);
    expect(d.report.verdict.evidence).toContain('us-east-1: no result');
  });

  it('never makes a passing slot fail', () => {
    const d = decideOf(healthy(), { 'us-east-1': undefined, 'ap-south-1': sent('ap-south-1', 'ok') });
    expect(d.agreement).toMatchObject({ quorum: 2, confirmed: false });
    expect(d.report.verdict.status).toBe('healthy');
  });

  it('counts one that answered with an error (its monitor failed) as unknown', () => {
    const d = decideOf(appDown(), {
      'us-east-1': { ...sent('us-east-1', 'ok'), results: [], error: 'the workflow timed out' },
      'ap-south-1': sent('ap-south-1', 'connect-refused'),
    });
    expect(outcomes(d)['us-east-1']).toBe('unknown');
    expect(d.agreement).toMatchObject({ quorum: 2, confirmed: true });
    expect(d.report.verdict.evidence).toContain('us-east-1: no result (the workflow timed out)');
  });

  it('keeps the home’s verdict when no location could check at all', () => {
    const home = reportOf(stages('secret-missing', 'ok'));
    const d = decideOf(home, { 'us-east-1': undefined, 'ap-south-1': undefined });
    expect(d.agreement.confirmed).toBe(false);
    expect(d.report.verdict).toMatchObject({
      status: home.verdict.status,
      fault: home.verdict.fault,
      rule: home.verdict.rule,
    });
    expect(d.report.verdict.status).toBe('failed');
    expect(d.agreement.summary).toBe(`no location could check it: ${home.verdict.summary}`);
  });
});

describe('what a location could not check', () => {
  it('warns the monitor’s owners when the home could not check while the others pass', () => {
    const home = reportOf(stages('secret-missing', 'ok', 'ok', 'ok'));
    const d = decideOf(home, {
      'us-east-1': sent('us-east-1', 'ok'),
      'ap-south-1': sent('ap-south-1', 'ok'),
    });
    expect(outcomes(d)[HOME]).toBe('unknown');
    expect(d.report.verdict).toMatchObject({ status: 'healthy', rule: 'locations-disagree' });
    // Not a page, but not silence either: the monitor-warning rule's value (storage and proxy ran at the home).
    expect(d.report.verdict.monitorWarning).toMatch(/^the home \(eu-west-1\) could not check end to end/);
    expect(metricData(d.report, new Date()).find((m) => m.MetricName === METRICS.monitorWarning)?.Value).toBe(
      1,
    );
  });

  it('adds no warning when the home checked', () => {
    const d = decideOf(healthy(), {
      'us-east-1': sent('us-east-1', 'timeout'),
      'ap-south-1': sent('ap-south-1', 'ok'),
    });
    expect(d.report.verdict.monitorWarning).toBeUndefined();
  });

  it('is unknown when its own settings stop it (a missing secret, a crash)', () => {
    for (const kind of ['secret-missing', 'check-error', 'invalid-request', 'not-configured'] as const) {
      const d = decideOf(appDown(), {
        'us-east-1': sent('us-east-1', kind),
        'ap-south-1': sent('ap-south-1', 'ok'),
      });
      expect(outcomes(d)['us-east-1'], kind).toBe('unknown');
      const line = d.report.verdict.evidence.find((e) => e.startsWith('us-east-1:'));
      expect(line, kind).toBe(`us-east-1: could not check (end-to-end broke (${kind}))`);
    }
  });

  it('counts a name that does not resolve as a failure', () => {
    const d = decideOf(appDown(), {
      'us-east-1': sent('us-east-1', 'dns'),
      'ap-south-1': sent('ap-south-1', 'ok'),
    });
    expect(outcomes(d)['us-east-1']).toBe('fail');
    expect(d.agreement.confirmed).toBe(true);
  });
});

describe('a slow download', () => {
  it('from one location only is named as such, with each location’s time, and is not degraded', () => {
    const d = decideOf(healthy(), {
      'us-east-1': sent('us-east-1', 'slow', { totalMs: 4_200 }),
      'ap-south-1': sent('ap-south-1', 'ok', { totalMs: 300 }),
    });
    expect(outcomes(d)).toEqual({ [HOME]: 'pass', 'us-east-1': 'slow', 'ap-south-1': 'pass' });
    expect(d.agreement.confirmed).toBe(false);
    expect(d.report.verdict.status).toBe('healthy');
    expect(d.agreement.locations.map((s) => s.totalMs)).toEqual([10, 4_200, 300]);
    expect(d.agreement.summary).toBe(
      'the download is slow from us-east-1 (4.2 s) only; eu-west-1 0.0 s and ap-south-1 0.3 s: ' +
        'the network path, not the site',
    );
  });

  it('from the home only does not make the target degraded', () => {
    const home = reportOf(stages('slow', 'ok'));
    expect(home.verdict).toMatchObject({ status: 'degraded', rule: 'slow-end-to-end' });
    const d = decideOf(home, {
      'us-east-1': sent('us-east-1', 'ok'),
      'ap-south-1': sent('ap-south-1', 'ok'),
    });
    expect(d.report.verdict).toMatchObject({ status: 'healthy', rule: 'locations-disagree' });
    expect(d.agreement.summary).toMatch(/^the download is slow from eu-west-1 \(0\.9 s\) only;/);
  });

  it('from K locations while the home is fast is named, not said to agree', () => {
    const d = decideOf(healthy(), {
      'us-east-1': sent('us-east-1', 'slow', { totalMs: 4_200 }),
      'ap-south-1': sent('ap-south-1', 'slow', { totalMs: 3_900 }),
    });
    expect(d.agreement.confirmed).toBe(false);
    // Not the home's healthy summary on a degraded verdict: the home is fast, and says so.
    expect(d.agreement.summary).toMatch(
      /^the download is slow from us-east-1 \(4\.2 s\) and ap-south-1 \(3\.9 s\) \(2 of 3\); the home \(eu-west-1\) is fast \(\d+\.\d s\), so its checks cannot name the layer$/,
    );
    expect(d.agreement.summary).not.toContain('agree');
    // Degraded, as K failing is failed: the home's checks see nothing slow, so no layer is named.
    expect(d.report.verdict).toMatchObject({ status: 'degraded', fault: 'unknown', rule: 'locations-slow' });
  });

  it('from K locations while the home is fast, with one silent: K falls to those that answered', () => {
    const d = decideOf(healthy(), { 'us-east-1': sent('us-east-1', 'slow', { totalMs: 4_200 }) });
    expect(d.agreement.quorum).toBe(2);
    expect(d.report.verdict).toMatchObject({ status: 'healthy' });
  });

  it("from K locations while the home is fast keeps the home's monitor warning (a full run's storage check)", () => {
    // The home's full run: downloads work, its storage check cannot use the monitor's credentials.
    const home = reportOf(stages('ok', 'ok', 'monitor-credentials', 'ok'));
    expect(home.verdict).toMatchObject({ status: 'healthy' });
    expect(home.verdict.monitorWarning).toBeDefined();
    const d = decideOf(home, {
      'us-east-1': sent('us-east-1', 'slow', { totalMs: 4_200 }),
      'ap-south-1': sent('ap-south-1', 'slow', { totalMs: 3_900 }),
    });
    expect(d.report.verdict).toMatchObject({
      status: 'degraded',
      rule: 'locations-slow',
      monitorWarning: home.verdict.monitorWarning,
    });
  });

  it('from K locations, the home among them, stays degraded', () => {
    const d = decideOf(reportOf(stages('slow', 'ok')), {
      'us-east-1': sent('us-east-1', 'slow'),
      'ap-south-1': sent('ap-south-1', 'ok'),
    });
    expect(d.report.verdict).toMatchObject({ status: 'degraded', rule: 'slow-end-to-end' });
  });
});

describe('the wording helpers', () => {
  it('lists as a sentence does', () => {
    expect(listed([])).toBe('');
    expect(listed(['a'])).toBe('a');
    expect(listed(['a', 'b'])).toBe('a and b');
    expect(listed(['a', 'b', 'c'])).toBe('a, b and c');
  });

  it('writes one evidence line per outcome', () => {
    expect(
      evidenceLines([
        { location: 'a1', home: true, outcome: 'pass', totalMs: 1_250 },
        { location: 'b1', home: false, outcome: 'slow', totalMs: 4_000, message: 'slow' },
        { location: 'c1', home: false, outcome: 'fail', kind: 'reset', totalMs: 10, message: 'reset' },
        { location: 'd1', home: false, outcome: 'unknown' },
      ]),
    ).toEqual([
      'a1 (home): end to end PASS in 1.3 s',
      'b1: end to end SLOW in 4.0 s: slow',
      'c1: end to end FAIL [reset] in 0.0 s: reset',
      'd1: no result',
    ]);
  });
});
