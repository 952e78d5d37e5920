import { describe, expect, it } from 'vitest';
import { diagnose, RULES } from '../../functions/core/diagnose.ts';
import { type Spec, stages } from '../fixtures/results.ts';

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
    'storage fails, app too',
    'status',
    'status',
    's3-access-denied',
    'ok',
    'failed',
    'storage',
    ['storage', 'app'],
  ],
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

  it('has unique rule ids, each reachable by a row above', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const reached = new Set(ROWS.map(([, e, a, s, p]) => diagnose(stages(e, a, s, p)).rule));
    expect(ids.filter((id) => !reached.has(id))).toEqual([]);
  });
});
