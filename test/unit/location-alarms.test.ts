/**
 * The alarm rules of several locations, stepped on plain data: LOCATION_PATH on the decided reports of a target's
 * slots, LOCATION_SILENT on a location's periods, and a slot stepped once (functions/alerting/target-state.ts).
 */
import { describe, expect, it } from 'vitest';
import { instanceNames } from '../../functions/alerting/names.ts';
import {
  LOCATION_PATH,
  LOCATION_SILENT,
  TARGET_ALARMS,
  targetRules,
} from '../../functions/alerting/rules.ts';
import {
  newTargetState,
  type StateStep,
  stepDecision,
  stepLocationState,
  type TargetState,
} from '../../functions/alerting/target-state.ts';
import type { LocationResult, Report } from '../../functions/contract/types.ts';
import { decide } from '../../functions/verdict/consensus.ts';
import { reportOf, result, type Spec, stages } from '../fixtures/results.ts';

const names = instanceNames('fleet');
const ctx = { names, rules: targetRules(true), periodMs: 300_000 };
const slotAt = (i: number) => new Date(Date.parse('2026-12-01T10:00:00Z') + i * 300_000);

const sent = (location: string, spec: Spec): LocationResult => ({
  location,
  target: 'prod',
  at: '2026-12-01T10:00:00.000Z',
  results: [result('end-to-end', spec)],
});

/** A slot decided by three locations: the home's run and what the two others saw end to end. */
function slot(home: Report, us: Spec, ap: Spec): Report {
  return decide({
    home: { location: 'eu-west-1', report: home },
    others: [
      { location: 'us-east-1', result: sent('us-east-1', us) },
      { location: 'ap-south-1', result: sent('ap-south-1', ap) },
    ],
    quorum: 2,
  }).report;
}
const agree = () => slot(reportOf(stages('ok', 'ok')), 'ok', 'ok');
const pathBroken = () => slot(reportOf(stages('ok', 'ok')), 'timeout', 'ok');
const siteDown = () =>
  slot(reportOf(stages('connect-refused', 'connect-refused', 'ok', 'ok')), 'reset', 'reset');

/** Steps the slots in order; the sent transitions of each, as `RULE STATE`. */
function replay(reports: Report[]): { transitions: string[][]; state: TargetState } {
  let state = newTargetState();
  const transitions: string[][] = [];
  reports.forEach((report, i) => {
    const step = stepDecision(
      state,
      report,
      slotAt(i).toISOString(),
      ['us-east-1', 'ap-south-1'],
      slotAt(i),
      ctx,
    );
    if (!step) throw new Error(`slot ${i} was not stepped`);
    transitions.push(
      step.transitions.filter((t) => t.delivery.send).map((t) => `${t.step.rule.id} ${t.step.state}`),
    );
    state = step.next;
  });
  return { transitions, state };
}

describe('the location-path rule', () => {
  it('is stepped only with several locations', () => {
    expect(targetRules(false).map((r) => r.id)).toEqual(TARGET_ALARMS.map((r) => r.id));
    expect(targetRules(true).map((r) => r.id)).toContain('location-path');
    expect(targetRules(true, targetRules(true)).filter((r) => r.id === 'location-path')).toHaveLength(1);
    expect(LOCATION_PATH).toMatchObject({ topic: 'monitor' });
  });

  it('notices the monitor at the first slot where fewer than K fail, pages no one, recovers after 2 agreeing slots', () => {
    const { transitions } = replay([agree(), pathBroken(), pathBroken(), agree(), agree(), agree()]);
    expect(transitions).toEqual([[], ['location-path ALARM'], [], [], ['location-path OK'], []]);
  });

  it('raises down, not location-path, when K locations confirm the failure; one recovery when they agree again', () => {
    const { transitions } = replay([agree(), siteDown(), siteDown(), agree(), agree()]);
    expect(transitions).toEqual([[], ['down ALARM'], [], [], ['down OK']]);
  });

  it('says nothing of a path between slots that have no agreement (a run of a single location)', () => {
    const { transitions } = replay([
      pathBroken(),
      reportOf(stages('ok', 'ok')),
      reportOf(stages('ok', 'ok')),
      agree(),
    ]);
    // The single-location runs carry no PathFailure datum: only agreeing slots count towards recovery.
    expect(transitions).toEqual([['location-path ALARM'], [], [], []]);
  });
});

describe('a slot is stepped once', () => {
  it('leaves a second decider of the same slot, or of an older one, with nothing to do', () => {
    const first = stepDecision(
      newTargetState(),
      siteDown(),
      slotAt(1).toISOString(),
      ['us-east-1'],
      slotAt(1),
      ctx,
    );
    expect(first?.transitions.map((t) => t.step.rule.id)).toEqual(['down']);
    const state = (first as StateStep).next;
    expect(state.decided).toBe(slotAt(1).toISOString());
    expect(state.seen).toEqual({ 'us-east-1': slotAt(1).toISOString() });
    expect(stepDecision(state, siteDown(), slotAt(1).toISOString(), [], slotAt(1), ctx)).toBeUndefined();
    expect(stepDecision(state, siteDown(), slotAt(0).toISOString(), [], slotAt(1), ctx)).toBeUndefined();
    expect(stepDecision(state, agree(), slotAt(2).toISOString(), [], slotAt(2), ctx)?.next.decided).toBe(
      slotAt(2).toISOString(),
    );
  });
});

describe('a location that sends after its slot was decided (late)', () => {
  it('is recorded as heard from, and nothing else: no rule stepped, no day counted, no report stored', () => {
    // Slot 1 decided at its deadline without ap-south-1.
    const decided = stepDecision(
      newTargetState(),
      agree(),
      slotAt(1).toISOString(),
      ['us-east-1'],
      slotAt(1),
      ctx,
    );
    if (!decided) throw new Error('slot 1 was not stepped');
    const state = decided.next;
    expect(state.seen).toEqual({ 'us-east-1': slotAt(1).toISOString() });
    // ap-south-1's result comes after: the same slot, decided already.
    const lateAt = new Date(slotAt(1).getTime() + 90_000);
    const late = stepDecision(
      state,
      agree(),
      slotAt(1).toISOString(),
      ['us-east-1', 'ap-south-1'],
      lateAt,
      ctx,
    );
    expect(late).toEqual({
      next: {
        ...state,
        version: state.version + 1,
        seen: { 'us-east-1': slotAt(1).toISOString(), 'ap-south-1': lateAt.toISOString() },
      },
      transitions: [],
      store: false,
      closedIncidents: [],
      late: ['ap-south-1'],
    });
    // Its alarms, day, last run and decided slot are as they were.
    expect(late?.next.alarms).toBe(state.alarms);
    expect(late?.next.day).toBe(state.day);
    expect(late?.next.decided).toBe(slotAt(1).toISOString());
    // Heard from for this slot already: a second late message (or the deadline) has nothing to write.
    const after = (late as StateStep).next;
    expect(
      stepDecision(after, agree(), slotAt(1).toISOString(), ['us-east-1', 'ap-south-1'], lateAt, ctx),
    ).toBeUndefined();
  });

  it('counts on an older slot than the latest decided (a skipped slot) too', () => {
    const first = stepDecision(
      newTargetState(),
      agree(),
      slotAt(2).toISOString(),
      ['us-east-1'],
      slotAt(2),
      ctx,
    );
    const late = stepDecision(
      (first as StateStep).next,
      agree(),
      slotAt(1).toISOString(),
      ['ap-south-1'],
      slotAt(3),
      ctx,
    );
    expect(late?.late).toEqual(['ap-south-1']);
    expect(late?.next.seen?.['ap-south-1']).toBe(slotAt(3).toISOString());
    expect(late?.next.decided).toBe(slotAt(2).toISOString());
  });
});

describe('the location-silent rule', () => {
  /** A location's periods, each sent or not; the transitions, as `PERIOD STATE`. */
  function silence(periods: boolean[]): string[] {
    let state = newTargetState();
    const out: string[] = [];
    periods.forEach((sentIt, i) => {
      const step = stepLocationState(state, 'us-east-1', sentIt, slotAt(i), names);
      for (const t of step.transitions) {
        expect(t.transition).toMatchObject({
          target: 'us-east-1',
          alarmName: names.locationAlarm('us-east-1'),
        });
        expect(t.transition.rule.topic).toBe('monitor');
        out.push(`${i} ${t.step.state}`);
      }
      expect(step.store).toBe(false);
      state = step.next;
    });
    return out;
  }

  it('raises after 2 of 3 silent periods, to the monitor’s owners', () => {
    expect(LOCATION_SILENT).toMatchObject({ topic: 'monitor', datapointsToAlarm: 2, evaluationPeriods: 3 });
    expect(silence([true, false, true, true, false, true])).toEqual([]);
    expect(silence([true, false, false])).toEqual(['2 ALARM']);
    expect(silence([true, false, true, false])).toEqual(['3 ALARM']);
  });

  it('falls back to OK once the location sends again and 2 of 3 no longer holds', () => {
    expect(silence([false, false, true, true, true])).toEqual(['1 ALARM', '3 OK']);
  });
});
