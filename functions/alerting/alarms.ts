/**
 * The alarm rules of functions/alerting/metrics.ts, evaluated where CloudWatch does not run them: `run --publish`
 * and `serve`. Locally a run is one period. Pure: the memory of each alarm (its recent periods and its state)
 * in, the next memory and the transitions out; whether a transition pages is decided here too, for the notifier
 * on AWS as well.
 */

import type { Report } from '../contract/types.ts';
import { type Datum, metricData } from './metrics.ts';
import type { InstanceNames } from './names.ts';
import {
  type AlarmRule,
  type AlarmState,
  breaches,
  evaluateAlarm,
  type Period,
  periodValue,
  TARGET_ALARMS,
} from './rules.ts';

/** What is remembered of one alarm between runs. */
export interface AlarmMemoryEntry {
  /** The last N periods' statistics, oldest first (undefined: a period without data). */
  periods: Period[];
  state: AlarmState;
}
/** By alarm name (`download-doctor-INSTANCE-TARGET-RULE`: instanceNames). */
export type AlarmMemory = Record<string, AlarmMemoryEntry>;

/** One alarm after one run: its new periods and state; a transition when the state changed. */
export interface AlarmStep {
  name: string;
  rule: AlarmRule;
  periods: Period[];
  previous: AlarmState;
  state: AlarmState;
}

export const isTransition = (s: AlarmStep) => s.state !== s.previous;

/**
 * Every rule of a target, one period further: `data` is the run's metric data (none when the run produced no
 * result: then `down` and `degraded` see a period without data, and `no-data` a breaching one).
 */
export function stepAlarms(
  memory: Readonly<AlarmMemory>,
  target: string,
  data: readonly Datum[],
  names: InstanceNames,
  rules: readonly AlarmRule[] = TARGET_ALARMS,
): AlarmStep[] {
  return rules.map((rule) => {
    const name = names.alarm(target, rule);
    const before = memory[name] ?? { periods: [], state: 'OK' as AlarmState };
    const value = periodValue(rule, data, target);
    // A rule that ignores missing data keeps only the periods that had some (the alarm stays as they said).
    const kept = value === undefined && rule.treatMissingData === 'ignore' ? [] : [value];
    const periods = [...before.periods, ...kept].slice(-rule.evaluationPeriods);
    return { name, rule, periods, previous: before.state, state: evaluateAlarm(rule, periods) };
  });
}

/** Whether a transition is sent: a page or recovery notice, or not, and why. */
export type Delivery =
  | { send: true }
  | {
      send: false;
      reason: string;
      /**
       * Set the alarm back to OK (its periods kept): it is evaluated afresh, and pages at its next breach once the
       * window is over. Without it, an incident that began in a window and outlasts it would never page.
       */
      rearm: boolean;
    };

/**
 * Whether an alarm's transition pages, given the target's latest report:
 *   - inside a maintenance window of the target (the report says so, and the transition happened before the
 *     window ends), neither a page nor a recovery notice goes; an ALARM is re-armed;
 *   - an ALARM whose latest run does not breach the rule is not sent either, and re-armed: its breaches are older
 *     ones, which the window silenced (a re-armed alarm can only rise on old breaches; a plain one rises on a new
 *     breach), so the run that ends a maintenance window healthy pages no one.
 * The `no-data` rule is about the monitor, not the target: neither affects it. Without a report, the page goes.
 */
export function deliveryOf(
  t: { rule: Pick<AlarmRule, 'id'>; state: AlarmState; at: Date },
  report: Report | undefined,
): Delivery {
  const rule = TARGET_ALARMS.find((r) => r.id === t.rule.id);
  if (rule?.topic !== 'page' || !report) return { send: true };
  const m = report.maintenance;
  if (m && t.at.getTime() < Date.parse(m.until))
    return {
      send: false,
      reason: `in maintenance (${m.window}) until ${m.until}`,
      rearm: t.state === 'ALARM',
    };
  if (t.state === 'ALARM' && !breaches(rule, periodValue(rule, metricData(report, t.at), report.target)))
    return {
      send: false,
      reason: `the latest run (${report.verdict.status}) does not breach ${rule.id}: the breaches counted are older`,
      rearm: true,
    };
  return { send: true };
}

/** What to remember of a step once its transition was sent, or not sent for `delivery`'s reason. */
export function remembered(step: AlarmStep, delivery: Delivery): AlarmMemoryEntry {
  const rearmed = !delivery.send && delivery.rearm;
  return { periods: step.periods, state: rearmed ? 'OK' : step.state };
}
