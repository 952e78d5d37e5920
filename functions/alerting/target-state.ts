/**
 * A target's state on AWS, one item per target in the instance's table: the memory of its alarms, when it last ran,
 * the fingerprint of its latest stored report, today's runs and its open incidents. The report function steps it
 * with each run (stepRun), the plan function with each silent tick (stepSilence); every write is conditional on
 * the version read, so two runs that end together never lose an update (the loser reads again and steps again).
 * Pure: the evaluation is a function of (state, the run's report, time); with several locations, the report is the
 * decision of their consensus (stepDecision, once per slot), and each location's silence has an item of its own
 * (stepLocationState).
 */
import * as z from 'zod/mini';
import { fnv1a } from '../contract/hash.ts';
import type { Report } from '../contract/types.ts';
import {
  type AlarmMemory,
  type AlarmStep,
  type Delivery,
  deliveryOf,
  isTransition,
  remembered,
  stepAlarms,
  stepLocationSilence,
} from './alarms.ts';
import {
  countRun,
  type DayStats,
  dayOf,
  dayStatsSchema,
  emptyDay,
  type StoredIncident,
  storedIncident,
  storedIncidentSchema,
} from './history.ts';
import { metricData } from './metrics.ts';
import type { InstanceNames } from './names.ts';
import { type AlarmRule, type AlarmTransition, LOCATION_SILENT } from './rules.ts';

const alarmEntrySchema = z.object({
  /** Oldest first; null: a period without data. */
  periods: z.array(z.nullable(z.number())),
  state: z.enum(['OK', 'ALARM']),
});

export const targetStateSchema = z.object({
  /** Bumped by every write; a write succeeds only on the version it read. */
  version: z.int().check(z.nonnegative()),
  /** By rule id. */
  alarms: z.record(z.string(), alarmEntrySchema),
  /** When its latest run ended (ISO 8601). */
  lastRunAt: z.optional(z.string()),
  /** When the plan first expected it to run: silence counts from then, not from before it existed. */
  since: z.optional(z.string()),
  /** Of the latest report stored (verdictFingerprint): a report is stored again only when it changes. */
  fingerprint: z.optional(z.string()),
  /** Today's runs; a new day moves it out to a day item of its own. */
  day: z.optional(dayStatsSchema),
  /** The paging rules' open incidents, by rule id. */
  incidents: z.record(z.string(), storedIncidentSchema),
  /** With several locations: the latest slot decided (./slots.ts slotKey): a slot is stepped once. */
  decided: z.optional(z.string()),
  /** With several locations: when each location's latest result of the target came (ISO 8601). */
  seen: z.optional(z.record(z.string(), z.string())),
});
export type TargetState = z.output<typeof targetStateSchema>;

/** The state of a target not seen before. */
export const newTargetState = (since?: Date): TargetState => ({
  version: 0,
  alarms: {},
  incidents: {},
  ...(since ? { since: since.toISOString() } : {}),
});

/** What stepping needs beside the state: the instance's names, the rules as deployed, the target's period. */
export interface StepContext {
  names: InstanceNames;
  rules: readonly AlarmRule[];
  periodMs: number;
}

/** One transition of a step, and whether it is sent (deliveryOf). */
export interface Transition {
  step: AlarmStep;
  transition: AlarmTransition & { rule: AlarmRule };
  delivery: Delivery;
  /** A paging rule back to OK: when its incident began (the first page), for the notice to say how long it lasted. */
  incidentSince?: Date;
}

export interface StateStep {
  /** The state to write: every transition remembered as sent. */
  next: TargetState;
  /** The transitions, each to send or held back. */
  transitions: Transition[];
  /** Whether the run's report differs from the one stored (by verdictFingerprint): store it. */
  store: boolean;
  /** A day that ended: write it as an item of its own. */
  closedDay?: DayStats;
  /** Incidents that ended with this step: write them as items of their own. */
  closedIncidents: StoredIncident[];
  /**
   * Only late locations heard from (stepDecision on a slot decided already): not a run, so no metrics and no
   * decision to log; the locations recorded as `seen`.
   */
  late?: string[];
}

/**
 * What a stored report is kept for: the verdict and the evidence as data (status, fault, the rule that matched,
 * the monitor's warning, the maintenance window, each check's outcome and failure kind), not its wording or its
 * timings. A healthy target's reports all have one fingerprint: none is stored twice.
 */
export function verdictFingerprint(report: Report): string {
  const v = report.verdict;
  const canonical = JSON.stringify([
    v.status,
    v.fault,
    v.faults,
    v.rule,
    v.monitorWarning ?? null,
    report.maintenance?.window ?? null,
    report.results.map((r) => [r.layer, r.ok, r.slow, r.kind ?? null]),
  ]);
  return fnv1a(canonical).toString(16).padStart(8, '0');
}

const toMemory = (state: TargetState, target: string, ctx: StepContext): AlarmMemory =>
  Object.fromEntries(
    ctx.rules.flatMap((rule) => {
      const e = state.alarms[rule.id];
      if (!e) return [];
      const periods = e.periods.map((p) => (p === null ? undefined : p));
      return [[ctx.names.alarm(target, rule), { periods, state: e.state }]];
    }),
  );

/** The transitions of some steps, each with its delivery given the run's report. */
function transitionsOf(
  steps: readonly AlarmStep[],
  target: string,
  report: Report | undefined,
  at: Date,
  rules: readonly AlarmRule[],
): Transition[] {
  return steps.filter(isTransition).map((step) => {
    const transition = { alarmName: step.name, target, rule: step.rule, state: step.state, at };
    return { step, transition, delivery: deliveryOf(transition, report, rules) };
  });
}

/** The alarm entries after the steps, each as remembered once its transition is sent or held back. */
function rememberAll(
  alarms: TargetState['alarms'],
  steps: readonly AlarmStep[],
  transitions: readonly Transition[],
): TargetState['alarms'] {
  const out = { ...alarms };
  for (const step of steps) {
    const delivery = transitions.find((t) => t.step === step)?.delivery ?? { send: true };
    const entry = remembered(step, delivery);
    out[step.rule.id] = { periods: entry.periods.map((p) => p ?? null), state: entry.state };
  }
  return out;
}

/**
 * Incidents (functions/alerting/history.ts) opened by a sent ALARM of a paging rule, and closed by its OK, sent or
 * held back (a maintenance window): the alarm is OK either way.
 */
function trackIncidents(
  open: TargetState['incidents'],
  transitions: readonly Transition[],
  report: Report,
): { incidents: TargetState['incidents']; closed: StoredIncident[] } {
  const incidents = { ...open };
  const closed: StoredIncident[] = [];
  for (const { transition: t, delivery } of transitions) {
    if (t.rule.topic !== 'page') continue;
    const current = incidents[t.rule.id];
    if (t.state === 'ALARM') {
      if (delivery.send && !current) incidents[t.rule.id] = storedIncident(t.rule.id, t.at, report.verdict);
    } else if (current) {
      closed.push({ ...current, end: t.at.toISOString() });
      delete incidents[t.rule.id];
    }
  }
  return { incidents, closed };
}

/**
 * One run of the target, stepped: every rule one period further on the run's report (ALARM at once on a confirmed
 * hard failure, M of N otherwise), the transitions to send, today's counts, the incidents, whether to store the
 * report. The state it returns remembers every transition as sent: a transition that could not be sent is undone
 * by `forget`.
 */
export function stepRun(state: TargetState, report: Report, at: Date, ctx: StepContext): StateStep {
  const target = report.target;
  const steps = stepAlarms(
    toMemory(state, target, ctx),
    target,
    metricData(report, at),
    ctx.names,
    ctx.rules,
    report,
  );
  const transitions = transitionsOf(steps, target, report, at, ctx.rules).map((t) => {
    const open = t.transition.state === 'OK' ? state.incidents[t.transition.rule.id] : undefined;
    return open ? { ...t, incidentSince: new Date(open.start) } : t;
  });
  // The day never moves backwards: a run that ended before midnight but writes after one that ended after it counts
  // into the day under way (a day closed twice would overwrite its item with less).
  const today = dayOf(at);
  const sameDay = state.day && state.day.date >= today ? state.day : undefined;
  const day = countRun(
    sameDay ?? emptyDay(today, ctx.periodMs),
    { status: report.verdict.status, maintenance: report.maintenance !== undefined },
    report.confirmation?.flapped ?? false,
  );
  const { incidents, closed } = trackIncidents(state.incidents, transitions, report);
  const fingerprint = verdictFingerprint(report);
  return {
    next: {
      ...state,
      version: state.version + 1,
      alarms: rememberAll(state.alarms, steps, transitions),
      lastRunAt: at.toISOString(),
      fingerprint,
      day,
      incidents,
    },
    transitions,
    store: fingerprint !== state.fingerprint,
    ...(state.day && !sameDay ? { closedDay: state.day } : {}),
    closedIncidents: closed,
  };
}

/**
 * Whether the target has been silent at the plan's tick `at`: no run ended for a period plus `graceMs` (the time a
 * run may take past its slot), counting from its latest run, else from when the plan first expected it.
 */
export function isSilent(state: TargetState, at: Date, periodMs: number, graceMs: number): boolean {
  const last = state.lastRunAt ?? state.since;
  return last !== undefined && at.getTime() - Date.parse(last) > periodMs + graceMs;
}

/** A step that changes nothing (the state written back as it was read): a target found running after all. */
export const unchanged = (state: TargetState): StateStep => ({
  next: { ...state, version: state.version + 1 },
  transitions: [],
  store: false,
  closedIncidents: [],
});

/**
 * A tick at which the target was silent, stepped: its `no-data` rule (the monitor's, never a page) sees a period
 * without a result. Only that rule: the target's own rules do not count the monitor's silence against it.
 */
export function stepSilence(state: TargetState, target: string, at: Date, ctx: StepContext): StateStep {
  const rules = ctx.rules.filter((r) => r.treatMissingData === 'breaching');
  const steps = stepAlarms(toMemory(state, target, ctx), target, [], ctx.names, rules);
  const transitions = transitionsOf(steps, target, undefined, at, ctx.rules);
  return {
    next: { ...state, version: state.version + 1, alarms: rememberAll(state.alarms, steps, transitions) },
    transitions,
    store: false,
    closedIncidents: [],
  };
}

/**
 * The state with the transitions that could not be sent forgotten: each alarm back to the state it had before
 * (its periods kept), so that the next run evaluates it again, as `serve` and `run --publish` do; an incident it
 * opened or closed is as it was.
 */
export function forget(state: TargetState, before: TargetState, failed: readonly Transition[]): TargetState {
  if (failed.length === 0) return state;
  const alarms = { ...state.alarms };
  const incidents = { ...state.incidents };
  for (const { step } of failed) {
    const id = step.rule.id;
    const entry = alarms[id];
    if (entry) alarms[id] = { ...entry, state: step.previous };
    const was = before.incidents[id];
    if (was) incidents[id] = was;
    else delete incidents[id];
  }
  return { ...state, version: state.version + 1, alarms, incidents };
}

/**
 * A slot decided by the consensus of several locations (functions/alerting/slots.ts), stepped as a run: the rules
 * step on the decided report. Once per slot: a slot at or before the latest decided steps no rule, so that two
 * deciders of one slot (the writer that completes it, the home's deadline) step it once between them.
 * `answered`: the locations that sent a result for it; each is `seen` (heard from) at `at`.
 *
 * A location that sent after its slot was decided (late: past the home's wait) was heard from all the same: on a
 * slot decided already, the step only records it as `seen` (`late`: no transition, no day counted, no report
 * stored, no metrics), for each answering location not seen since the slot began; undefined when there is none
 * (the deadline of a slot its last writer decided: nothing to write).
 */
export function stepDecision(
  state: TargetState,
  decided: Report,
  slot: string,
  answered: readonly string[],
  at: Date,
  ctx: StepContext,
): StateStep | undefined {
  const seen = { ...state.seen };
  if (state.decided !== undefined && state.decided >= slot) {
    const slotStart = Date.parse(slot);
    const late = answered.filter((l) => {
      const last = state.seen?.[l];
      return last === undefined || Date.parse(last) < slotStart;
    });
    if (!late.length) return undefined;
    for (const location of late) seen[location] = at.toISOString();
    return {
      next: { ...state, version: state.version + 1, seen },
      transitions: [],
      store: false,
      closedIncidents: [],
      late,
    };
  }
  const step = stepRun(state, decided, at, ctx);
  for (const location of answered) seen[location] = at.toISOString();
  return { ...step, next: { ...step.next, decided: slot, seen } };
}

/**
 * A location's silence on AWS, one tick further: its item (a TargetState keyed by the location) steps the
 * LOCATION_SILENT rule with whether any target heard from it in the period. Only that rule.
 */
export function stepLocationState(
  state: TargetState,
  location: string,
  sent: boolean,
  at: Date,
  names: InstanceNames,
): StateStep {
  const rule = LOCATION_SILENT;
  const entry = state.alarms[rule.id];
  const memory = entry
    ? {
        [names.locationAlarm(location)]: {
          periods: entry.periods.map((p) => p ?? undefined),
          state: entry.state,
        },
      }
    : {};
  const step = stepLocationSilence(memory, location, sent, names);
  const transitions: Transition[] = isTransition(step)
    ? [
        {
          step,
          transition: { alarmName: step.name, target: location, rule, state: step.state, at },
          delivery: { send: true },
        },
      ]
    : [];
  return {
    next: { ...state, version: state.version + 1, alarms: rememberAll(state.alarms, [step], transitions) },
    transitions,
    store: false,
    closedIncidents: [],
  };
}
