import { describe, expect, it } from 'vitest';
import {
  type AlarmMemory,
  deliveryOf,
  isTransition,
  remembered,
  stepAlarms,
} from '../../functions/alerting/alarms.ts';
import { METRICS, metricData } from '../../functions/alerting/metrics.ts';
import { instanceNames, LOCAL_INSTANCE } from '../../functions/alerting/names.ts';
import type { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import type { Report } from '../../functions/contract/types.ts';
import { reportOf, result, stages } from '../fixtures/results.ts';

const rule = (id: string) => ({ id }) as Pick<(typeof TARGET_ALARMS)[number], 'id'>;
const at = new Date('2026-12-01T02:30:00Z');
const failed = () => reportOf(stages('status', 'ok', 'ok', 'status'));
const healthy = () => reportOf(stages('ok', 'ok'));
const inMaintenance = (r: Report, until = '2026-12-01T03:00:00.000Z'): Report => ({
  ...r,
  maintenance: { window: 'db upgrade', until },
});

/** Runs the reports through the alarms as the local evaluation does; returns the transitions and their delivery. */
function replay(reports: (Report | undefined)[]) {
  const memory: AlarmMemory = {};
  const out: string[] = [];
  for (const report of reports) {
    const data = report ? metricData(report, at) : [];
    for (const step of stepAlarms(memory, 'prod', data, instanceNames(LOCAL_INSTANCE))) {
      const delivery = isTransition(step)
        ? deliveryOf({ rule: step.rule, state: step.state, at }, report)
        : ({ send: true } as const);
      if (isTransition(step)) out.push(`${step.rule.id} ${step.state} ${delivery.send ? 'sent' : 'held'}`);
      memory[step.name] = remembered(step, delivery);
    }
  }
  return out;
}

describe('the alarms, stepped run by run', () => {
  it('pages once per incident (M of N), and sends one recovery notice', () => {
    expect(replay([failed(), failed(), failed(), healthy(), healthy()])).toEqual([
      'down ALARM sent',
      'down OK sent',
    ]);
  });

  it('counts a run without a result as a period without data: no-data pages the monitor', () => {
    expect(replay([healthy(), undefined, undefined])).toEqual(['no-data ALARM sent']);
  });

  it('holds back pages and notices in a maintenance window, and pages once it is over if the target is still down', () => {
    const inWindow = inMaintenance(failed());
    expect(replay([inWindow, inWindow, inWindow, failed()])).toEqual([
      'down ALARM held', // re-armed: the alarm is OK again, its periods kept
      'down ALARM held',
      'down ALARM sent',
    ]);
  });

  it('pages no one when the run that ends a window is healthy, though the window held breaches', () => {
    const inWindow = inMaintenance(failed());
    expect(replay([inWindow, inWindow, healthy(), healthy(), healthy()])).toEqual([
      'down ALARM held',
      'down ALARM held', // [fail, fail, ok]: 2 of 3, but the latest run works
    ]);
  });

  it('holds back the recovery notice of an incident that ends in a window', () => {
    expect(replay([failed(), failed(), inMaintenance(healthy()), inMaintenance(healthy())])).toEqual([
      'down ALARM sent',
      'down OK held',
    ]);
  });

  it('does not hold back the monitor’s no-data page in a window', () => {
    expect(deliveryOf({ rule: rule('no-data'), state: 'ALARM', at }, inMaintenance(failed()))).toEqual({
      send: true,
    });
  });

  it('sends a transition after the window’s end, and without a report', () => {
    const after = new Date('2026-12-01T03:00:00Z');
    expect(deliveryOf({ rule: rule('down'), state: 'ALARM', at: after }, inMaintenance(failed()))).toEqual({
      send: true,
    });
    expect(deliveryOf({ rule: rule('down'), state: 'ALARM', at }, undefined)).toEqual({ send: true });
    expect(deliveryOf({ rule: rule('down'), state: 'ALARM', at }, inMaintenance(failed()))).toEqual({
      send: false,
      reason: 'in maintenance (db upgrade) until 2026-12-01T03:00:00.000Z',
      rearm: true,
    });
  });
});

describe('the metrics of the confirmation and of TLS', () => {
  it('publishes Flapped per target, and TlsDaysLeft per layer and per target when a result has a certificate', () => {
    const r = healthy();
    const withTls = {
      ...r,
      results: r.results.map((x) =>
        x.layer === 'end-to-end' ? { ...x, tls: { notAfter: '2027-01-01T00:00:00Z', daysLeft: 31 } } : x,
      ),
      confirmation: { flapped: true, firstAttempt: [result('end-to-end', 'status')] },
    };
    const data = metricData(withTls, at);
    expect(data.find((d) => d.MetricName === METRICS.flapped)?.Value).toBe(1);
    expect(data.filter((d) => d.MetricName === METRICS.tlsDaysLeft)).toMatchObject([
      { Value: 31, Dimensions: [{ Value: 'prod' }, { Value: 'end-to-end' }] },
      { Value: 31, Dimensions: [{ Value: 'prod' }] },
    ]);
    expect(metricData(r, at).find((d) => d.MetricName === METRICS.flapped)?.Value).toBe(0);
  });
});
