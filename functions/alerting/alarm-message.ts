/**
 * A CloudWatch alarm's SNS message, read into the AlarmTransition that pageText turns into a page. Pure.
 *
 * CloudWatch sends JSON: AlarmName, NewStateValue, StateChangeTime (`2025-09-16T16:59:17.131+0000`) and the
 * Trigger (its Dimensions with lower-case `name` and `value`, EvaluationPeriods, DatapointsToAlarm).
 */
// zod/mini, as the config schema (./config.ts).
import * as z from 'zod/mini';
import { AlarmMessageError } from '../contract/errors.ts';
import { DIMENSIONS } from './metrics.ts';
import { instanceNames } from './names.ts';
import type { AlarmTransition } from './rules.ts';
import { TARGET_ALARMS } from './rules.ts';

const nonEmpty = z.string().check(z.minLength(1));
const alarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
const count = z.optional(z.int().check(z.positive()));
const alarmMessage = z.object({
  AlarmName: nonEmpty,
  NewStateValue: alarmState,
  OldStateValue: z.optional(alarmState),
  StateChangeTime: nonEmpty,
  Trigger: z.optional(
    z.object({
      Dimensions: z._default(z.array(z.object({ name: z.string(), value: z.string() })), []),
      EvaluationPeriods: count,
      DatapointsToAlarm: count,
    }),
  ),
});

export type AlarmMessage =
  | { kind: 'transition'; transition: AlarmTransition }
  /** A well-formed alarm message that pages no one, and why. */
  | { kind: 'ignored'; reason: string };

/**
 * Reads one alarm notification. Ignored: INSUFFICIENT_DATA, OK when the alarm was not in ALARM (a new alarm's
 * first evaluation: nothing to resolve), and alarms that are not this instance's target alarms (the same rule as
 * the construct names them: instanceNames). A message that is not a CloudWatch alarm throws, so that a change of
 * format fails loudly instead of dropping pages.
 */
export function parseAlarmMessage(raw: string, instance: string): AlarmMessage {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new AlarmMessageError(`not JSON: ${raw.slice(0, 200)}`);
  }
  const parsed = alarmMessage.safeParse(json);
  if (!parsed.success)
    throw new AlarmMessageError(`not a CloudWatch alarm message: ${z.prettifyError(parsed.error)}`);
  const m = parsed.data;
  if (m.NewStateValue === 'INSUFFICIENT_DATA')
    return { kind: 'ignored', reason: `${m.AlarmName}: INSUFFICIENT_DATA pages no one` };
  if (m.NewStateValue === 'OK' && m.OldStateValue !== undefined && m.OldStateValue !== 'ALARM')
    return { kind: 'ignored', reason: `${m.AlarmName}: OK after ${m.OldStateValue}, nothing to resolve` };
  const target = m.Trigger?.Dimensions.find((d) => d.name === DIMENSIONS.target)?.value;
  // The rule is the one whose alarm name this is: alarmName is the only place names are made.
  const names = instanceNames(instance);
  const rule =
    target === undefined ? undefined : TARGET_ALARMS.find((r) => names.alarm(target, r) === m.AlarmName);
  if (target === undefined || rule === undefined)
    return {
      kind: 'ignored',
      reason: `${m.AlarmName}: not a target alarm of download-doctor instance "${instance}"`,
    };
  const at = new Date(m.StateChangeTime);
  if (Number.isNaN(at.getTime()))
    throw new AlarmMessageError(`${m.AlarmName}: StateChangeTime "${m.StateChangeTime}" is not a time`);
  return {
    kind: 'transition',
    transition: {
      alarmName: m.AlarmName,
      target,
      rule: {
        id: rule.id,
        severity: rule.severity,
        description: rule.description,
        // The deployed M of N (the construct can override TARGET_ALARMS'), when the message carries it.
        datapointsToAlarm: m.Trigger?.DatapointsToAlarm ?? rule.datapointsToAlarm,
        evaluationPeriods: m.Trigger?.EvaluationPeriods ?? rule.evaluationPeriods,
      },
      state: m.NewStateValue,
      at,
    },
  };
}
