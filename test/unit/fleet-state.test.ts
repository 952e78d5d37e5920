/** The pure parts of the fleet on AWS: the plan of a tick, a target's state, its history, the transition message, EMF. */
import { describe, expect, it } from 'vitest';
import {
  availability,
  type DayStats,
  dayTotals,
  incidentOfStored,
  incidentsIn,
  type StoredIncident,
} from '../../functions/alerting/history.ts';
import { emfRecords, METRICS, SUMMARY_METRICS, seriesPerTarget } from '../../functions/alerting/metrics.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import {
  forget,
  isSilent,
  newTargetState,
  stepRun,
  stepSilence,
  verdictFingerprint,
} from '../../functions/alerting/target-state.ts';
import {
  MAX_MESSAGE_BYTES,
  readTransitionMessage,
  transitionMessage,
} from '../../functions/alerting/transition-message.ts';
import { isFullRun, planTick } from '../../functions/config/fleet.ts';
import { WireFormatError } from '../../functions/contract/errors.ts';
import type { Report } from '../../functions/contract/types.ts';
import { reportOf, result, stages } from '../fixtures/results.ts';

const names = instanceNames('fleet');
const ctx = { names, rules: TARGET_ALARMS, periodMs: 300_000 };
const at = (minute: number) => new Date(Date.parse('2026-12-01T23:50:00Z') + minute * 60_000);
const healthy = () => reportOf(stages('ok', 'ok'));
/** A confirmed hard failure, as diagnose reports it after the confirmation failed too. */
const down = (): Report => ({
  ...reportOf(stages('status', 'ok', 'ok', 'status')),
  confirmation: { flapped: false, firstAttempt: [result('end-to-end', 'status')] },
});

describe('the plan of a tick', () => {
  const targets = Array.from({ length: 200 }, (_, i) => ({ name: `t${i}`, periodMs: 300_000 }));
  const tick = Date.parse('2026-12-01T10:05:00Z');

  it('lists the interval’s targets only, each starting inside the spread, in order of start', () => {
    const runs = planTick([...targets, { name: 'hourly', periodMs: 3_600_000 }], 300_000, tick, 30_000);
    expect(runs).toHaveLength(200);
    const starts = runs.map((r) => Date.parse(r.startAt) - tick);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...starts)).toBeLessThan(30_000);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    // Spread, not bunched: no second of the 30 holds more than a fifth of them.
    const perSecond = new Map<number, number>();
    for (const s of starts)
      perSecond.set(Math.floor(s / 1000), (perSecond.get(Math.floor(s / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(40);
  });

  it('spreads the starts after a tick that is not on a slot boundary (a rate schedule ticks at its own phase)', () => {
    const rate = 7 * 60_000;
    // 200 s into a 7-minute period, as a rate(7 minutes) created at that phase ticks.
    const offPhase = Math.floor(tick / rate) * rate + 200_000;
    const starts = planTick(
      targets.map((t) => ({ ...t, periodMs: rate })),
      rate,
      offPhase,
      60_000,
    ).map((r) => Date.parse(r.startAt) - offPhase);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(0);
    expect(new Set(starts.map((s) => Math.floor(s / 1000))).size).toBeGreaterThan(40);
  });

  it('keeps each target’s place from tick to tick, whatever the others', () => {
    const a = planTick(targets, 300_000, tick, 30_000).find((r) => r.target === 't7');
    const b = planTick(targets.slice(5, 9), 300_000, tick + 300_000, 30_000).find((r) => r.target === 't7');
    expect(Date.parse(b?.startAt ?? '') - Date.parse(a?.startAt ?? '')).toBe(300_000);
  });

  it("gives each run the whole seconds of its target's confirmDelayMs, which the workflow waits", () => {
    const waits = planTick(
      [
        { name: 'default', periodMs: 300_000, confirmDelayMs: 2000 },
        { name: 'odd', periodMs: 300_000, confirmDelayMs: 1500 },
        { name: 'none', periodMs: 300_000, confirmDelayMs: 0 },
        { name: 'unsaid', periodMs: 300_000 },
      ],
      300_000,
      tick,
      30_000,
    ).map((r) => [r.target, r.confirmWaitSeconds]);
    expect(Object.fromEntries(waits)).toEqual({ default: 2, odd: 1, none: 0, unsaid: 0 });
  });

  it('makes every fullRunEvery-th slot a full run, at a phase of its own per target', () => {
    const t = { name: 'prod', fullRunEvery: 4 };
    const full = Array.from({ length: 12 }, (_, slot) => isFullRun(t, slot));
    expect(full.filter(Boolean)).toHaveLength(3);
    expect(full.indexOf(true, full.indexOf(true) + 1) - full.indexOf(true)).toBe(4);
    expect(isFullRun({ name: 'prod' }, 3)).toBe(false);
    const phases = new Set(
      targets.map((x) => [0, 1, 2, 3].find((s) => isFullRun({ ...x, fullRunEvery: 4 }, s))),
    );
    expect(phases.size).toBe(4);
  });
});

describe("a target's state", () => {
  it('stores the report only when its verdict or evidence changes, not its timings', () => {
    const first = stepRun(newTargetState(), healthy(), at(0), ctx);
    expect(first.store).toBe(true);
    const slower = {
      ...healthy(),
      results: healthy().results.map((r) => ({ ...r, timings: { totalMs: 99 } })),
    };
    expect(verdictFingerprint(slower)).toBe(verdictFingerprint(healthy()));
    expect(stepRun(first.next, slower, at(5), ctx).store).toBe(false);
    expect(stepRun(first.next, down(), at(5), ctx).store).toBe(true);
  });

  it('never moves the day backwards: a run that ended before midnight, written after one that ended after, counts into the day under way', () => {
    const afterMidnight = stepRun(newTargetState(), healthy(), at(10), ctx).next;
    const late = stepRun(afterMidnight, down(), new Date(at(10).getTime() - 60_000 * 6), ctx);
    expect(late.closedDay).toBeUndefined();
    expect(late.next.day).toMatchObject({ date: afterMidnight.day?.date, healthy: 1, failed: 1 });
  });

  it("counts today's runs, and moves a finished day out as an item of its own", () => {
    let s = newTargetState();
    const closed = [];
    for (const [minute, r] of [
      [0, healthy()],
      [5, down()],
      [10, healthy()],
    ] as const) {
      const step = stepRun(s, r, at(minute), ctx);
      if (step.closedDay) closed.push(step.closedDay);
      s = step.next;
    }
    expect(closed).toEqual([
      {
        date: '2026-12-01',
        healthy: 1,
        degraded: 0,
        failed: 1,
        maintenance: 0,
        flapped: 0,
        periodMs: 300_000,
      },
    ]);
    expect(s.day).toMatchObject({ date: '2026-12-02', healthy: 1 });
    expect(s.lastRunAt).toBe(at(10).toISOString());
  });

  it('opens an incident with the page (the verdict, the layers at fault) and closes it with the recovery', () => {
    let s = newTargetState();
    const closed: StoredIncident[] = [];
    const since: (Date | undefined)[] = [];
    for (const [minute, r] of [
      [0, down()],
      [5, healthy()],
      [10, healthy()],
    ] as const) {
      const step = stepRun(s, r, at(minute), ctx);
      closed.push(...step.closedIncidents);
      since.push(...step.transitions.map((t) => t.incidentSince));
      s = step.next;
    }
    expect(closed).toEqual([
      {
        rule: 'down',
        start: at(0).toISOString(),
        end: at(10).toISOString(),
        status: 'failed',
        faults: down().verdict.faults,
        summary: down().verdict.summary,
        evidence: down().verdict.evidence,
      },
    ]);
    expect(closed[0]?.faults[0]).toBe('proxy');
    // The recovery's transition says when the incident began: the notice says how long it lasted.
    expect(since).toEqual([undefined, at(0)]);
    expect(s.incidents).toEqual({});
  });

  it('closes the incident when the recovery is held back by a maintenance window: the alarm is OK either way', () => {
    const window = (r: Report): Report => ({
      ...r,
      maintenance: { window: 'deploys', until: at(60).toISOString() },
    });
    let s = stepRun(newTargetState(), down(), at(0), ctx).next;
    const held: StoredIncident[] = [];
    for (const minute of [2, 4]) {
      const step = stepRun(s, window(healthy()), at(minute), ctx);
      held.push(...step.closedIncidents);
      expect(step.transitions.every((t) => !t.delivery.send)).toBe(true);
      s = step.next;
    }
    expect(held.map((i) => [i.rule, i.end])).toEqual([['down', at(4).toISOString()]]);
    expect(s.incidents).toEqual({});
    // Those runs count as maintenance, neither up nor down.
    expect(s.day).toMatchObject({ failed: 1, healthy: 0, maintenance: 2 });
  });

  it('forgets a transition that could not be sent: the next run raises it again', () => {
    const before = newTargetState();
    const step = stepRun(before, down(), at(0), ctx);
    expect(step.transitions.map((t) => `${t.transition.rule.id} ${t.transition.state}`)).toEqual([
      'down ALARM',
    ]);
    const forgotten = forget(step.next, before, step.transitions);
    expect(forgotten.alarms.down).toEqual({ periods: [0], state: 'OK' });
    expect(forgotten.incidents).toEqual({});
    expect(forgotten.version).toBe(step.next.version + 1);
    const again = stepRun(forgotten, down(), at(5), ctx);
    expect(again.transitions.map((t) => t.transition.state)).toEqual(['ALARM']);
  });

  it("counts a silent tick against no-data only: the target's own rules do not see the monitor's silence", () => {
    const ran = stepRun(newTargetState(), healthy(), at(0), ctx).next;
    expect(isSilent(ran, at(5), 300_000, 330_000)).toBe(false);
    expect(isSilent(ran, at(11), 300_000, 330_000)).toBe(true);
    expect(isSilent(newTargetState(), at(60), 300_000, 0)).toBe(false); // never expected: nothing to miss
    const once = stepSilence(ran, 'prod', at(11), ctx);
    const twice = stepSilence(once.next, 'prod', at(16), ctx);
    expect(once.transitions).toEqual([]);
    expect(twice.transitions.map((t) => [t.transition.rule.id, t.transition.state, t.delivery.send])).toEqual(
      [['no-data', 'ALARM', true]],
    );
    expect(twice.next.alarms.down).toEqual(ran.alarms.down);
  });
});

describe('the history an uptime report reads', () => {
  const day = (date: string, n: Partial<DayStats>): DayStats => ({
    date,
    healthy: 0,
    degraded: 0,
    failed: 0,
    maintenance: 0,
    flapped: 0,
    periodMs: 300_000,
    ...n,
  });

  it('counts each run of the days the span touches for its period (run-weighted), maintenance neither way', () => {
    const days = [
      day('2026-11-30', { healthy: 276, degraded: 4, failed: 4, maintenance: 4, flapped: 2 }),
      day('2026-12-01', { healthy: 288 }),
      day('2026-10-01', { healthy: 1, failed: 287 }),
      day('2026-12-02', { failed: 12, periodMs: 60_000 }),
    ];
    const t = dayTotals(days, new Date('2026-11-30T06:00:00Z'), new Date('2026-12-02T00:00:00Z'));
    expect(t).toEqual({
      healthy: 564 * 300_000,
      degraded: 4 * 300_000,
      failed: 4 * 300_000,
      noVerdict: 0,
      maintenance: 4 * 300_000,
    });
    expect(availability(t)).toBeCloseTo(568 / 572, 9);
    // A day's own period: twelve failed runs a minute apart are twelve minutes down.
    const dec2 = dayTotals(days, new Date('2026-12-02T00:00:00Z'), new Date('2026-12-02T12:00:00Z'));
    expect(dec2.failed).toBe(12 * 60_000);
    expect(availability(dayTotals([], new Date(0), new Date()))).toBeUndefined();
  });

  it('reads stored incidents as the model every source fills, those that overlap the span, oldest first', () => {
    const stored = (rule: 'down' | 'degraded', start: string, end?: string): StoredIncident => ({
      rule,
      start,
      ...(end ? { end } : {}),
      status: 'failed',
      faults: ['proxy'],
      summary: `${rule} ${start}`,
      evidence: [],
    });
    const all = [
      stored('degraded', '2026-12-01T09:00:00Z'),
      stored('down', '2026-11-30T03:00:00Z', '2026-11-30T03:20:00Z'),
      stored('down', '2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z'),
    ].map((s) => incidentOfStored('prod', names.alarm('prod', { id: s.rule }), s));
    const kept = incidentsIn(all, new Date('2026-11-30T00:00:00Z'), new Date('2026-12-01T12:00:00Z'));
    expect(kept.map((i) => [i.alarm, i.openedAt.toISOString(), i.closedAt?.toISOString()])).toEqual([
      ['download-doctor-fleet-prod-down', '2026-11-30T03:00:00.000Z', '2026-11-30T03:20:00.000Z'],
      ['download-doctor-fleet-prod-degraded', '2026-12-01T09:00:00.000Z', undefined],
    ]);
  });
});

describe('the transition message', () => {
  const step = stepRun(newTargetState(), down(), at(0), ctx);
  const t = step.transitions[0]?.transition;
  if (!t) throw new Error('a transition');

  it('carries the transition and the run’s report, and reads back as they were', () => {
    const read = readTransitionMessage(transitionMessage('fleet', t, down()), 'fleet');
    const { id, severity, topic, description, datapointsToAlarm, evaluationPeriods } = t.rule;
    expect(read).toEqual({
      kind: 'transition',
      transition: { ...t, rule: { id, severity, topic, description, datapointsToAlarm, evaluationPeriods } },
      report: down(),
    });
  });

  it('carries when a recovery’s incident began, for the notice to say how long it lasted', () => {
    const read = readTransitionMessage(transitionMessage('fleet', t, undefined, at(-30)), 'fleet');
    expect(read.kind === 'transition' && read.incidentSince).toEqual(at(-30));
    const without = readTransitionMessage(transitionMessage('fleet', t, undefined), 'fleet');
    expect(without.kind === 'transition' && 'incidentSince' in without).toBe(false);
  });

  it('leaves the report out when the message would pass MAX_MESSAGE_BYTES (SNS takes 256 KB)', () => {
    const huge = { ...down(), verdict: { ...down().verdict, summary: 'é'.repeat(MAX_MESSAGE_BYTES) } };
    const message = transitionMessage('fleet', t, huge);
    expect(new TextEncoder().encode(message).length).toBeLessThan(2_000);
    const read = readTransitionMessage(message, 'fleet');
    expect(read.kind).toBe('transition');
    expect('report' in read).toBe(false);
  });

  it("ignores another instance's, and refuses what is not one, naming the fields", () => {
    expect(readTransitionMessage(transitionMessage('other', t, undefined), 'fleet')).toMatchObject({
      kind: 'ignored',
    });
    expect(() => readTransitionMessage('{"AlarmName":"x"}', 'fleet')).toThrow(WireFormatError);
    expect(() => readTransitionMessage('{"AlarmName":"x"}', 'fleet')).toThrow(/type: .*; version/);
  });
});

describe('metrics in the embedded metric format', () => {
  it('publishes Healthy and Duration per target by default, and the run as properties Logs Insights queries', () => {
    const [record, ...rest] = emfRecords(down(), at(0), names.namespace);
    expect(rest).toEqual([]);
    expect(record?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'DownloadDoctor/fleet',
        Dimensions: [['Target']],
        Metrics: [
          { Name: METRICS.healthy, Unit: 'Count' },
          { Name: METRICS.duration, Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(record).toMatchObject({
      Target: 'prod',
      Healthy: 0,
      Duration: 10,
      status: 'failed',
      fault: 'proxy',
    });
    expect(record?.layers).toMatchObject({ proxy: { ok: false, kind: 'status' } });
    expect(seriesPerTarget('summary')).toBe(SUMMARY_METRICS.length);
    expect(seriesPerTarget('summary')).toBeLessThanOrEqual(3);
  });

  it('adds the per-layer set and the instance’s aggregates with full detail', () => {
    const records = emfRecords(down(), at(0), names.namespace, 'full');
    expect(records.map((r) => r.Layer ?? 'target')).toEqual([
      'target',
      'end-to-end',
      'app',
      'storage',
      'proxy',
    ]);
    expect(records[0]?._aws.CloudWatchMetrics[1]).toEqual({
      Namespace: 'DownloadDoctor/fleet',
      Dimensions: [[]],
      Metrics: [
        { Name: 'Healthy', Unit: 'Count' },
        { Name: 'Duration', Unit: 'Milliseconds' },
      ],
    });
    expect(records[4]).toMatchObject({ Target: 'prod', Layer: 'proxy', CheckSuccess: 0 });
  });
});
