/**
 * The alarm rules of ./rules.ts, stepped run by run: by the report function on AWS (its memory in DynamoDB), by
 * `serve` (SQLite) and `run --publish` (a state file). A run is one period. Pure: the memory of each alarm (its
 * recent periods and its state) and the run's report in, the next memory and the transitions out; whether a
 * transition pages is decided here too.
 */

import type { Report } from '../contract/types.ts';
import { type Datum, metricData } from './metrics.ts';
import type { InstanceNames } from './names.ts';
import {
  type AlarmRule,
  type AlarmState,
  breaches,
  evaluateAlarm,
  LOCATION_SILENT,
  type Period,
  periodsKept,
  periodValue,
  TARGET_ALARMS,
} from './rules.ts';

/**
 * A confirmed hard failure: the run failed, and a stage-1 check that failed its first attempt failed again at its
 * confirmation (the report's `confirmation`). Not one whose confirmation crashed (its first attempt stands, with a
 * note), nor a slow check (degraded keeps its M of N). With several locations, a failure K of them confirmed.
 */
export function confirmedFailure(report: Report): boolean {
  const c = report.confirmation;
  if (report.verdict.status !== 'failed') return false;
  // Several locations: K of them confirmed it, each with its own confirmation.
  if (report.agreement?.confirmed) return true;
  if (!c || c.flapped) return false;
  return c.firstAttempt.some(
    (first) => !first.ok && report.results.some((r) => r.layer === first.layer && !r.ok),
  );
}

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
 * result: then `down` and `degraded` see a period without data, and `no-data` a breaching one); `report`, the run's
 * report, says whether the run was a confirmed hard failure (confirmedFailure), which raises a `confirmedAtOnce`
 * rule at once.
 */
export function stepAlarms(
  memory: Readonly<AlarmMemory>,
  target: string,
  data: readonly Datum[],
  names: InstanceNames,
  rules: readonly AlarmRule[] = TARGET_ALARMS,
  report?: Report,
): AlarmStep[] {
  const confirmed = report ? confirmedFailure(report) : false;
  return rules.map((rule) => {
    const name = names.alarm(target, rule);
    const before = memory[name] ?? { periods: [], state: 'OK' as AlarmState };
    const value = periodValue(rule, data, target);
    // A rule that ignores missing data keeps only the periods that had some (the alarm stays as they said).
    const kept = value === undefined && rule.treatMissingData === 'ignore' ? [] : [value];
    const periods = [...before.periods, ...kept].slice(-periodsKept(rule));
    return {
      name,
      rule,
      periods,
      previous: before.state,
      state: evaluateAlarm(rule, periods, before.state, confirmed),
    };
  });
}

/**
 * A location's silence, one period further (LOCATION_SILENT): `sent` says whether the home had any result from it in
 * the period. The same rules as a target's alarms; its memory is kept under names.locationAlarm.
 */
export function stepLocationSilence(
  memory: Readonly<AlarmMemory>,
  location: string,
  sent: boolean,
  names: InstanceNames,
): AlarmStep {
  const rule = LOCATION_SILENT;
  const name = names.locationAlarm(location);
  const before = memory[name] ?? { periods: [], state: 'OK' as AlarmState };
  const periods = [...before.periods, sent ? 1 : 0].slice(-periodsKept(rule));
  return { name, rule, periods, previous: before.state, state: evaluateAlarm(rule, periods, before.state) };
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
  rules: readonly AlarmRule[] = TARGET_ALARMS,
): Delivery {
  const rule = rules.find((r) => r.id === t.rule.id);
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
