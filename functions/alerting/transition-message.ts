/**
 * The message a transition travels in, from where the alarms are stepped (the report and plan functions) to the
 * notifier, over the alarm topic: our own small JSON schema, read back with the wire contract (parseWire), so a
 * malformed message is an error naming its fields. It carries the run's report when the whole message stays under
 * MAX_MESSAGE_BYTES (SNS takes 256 KB); else the notifier reads the stored one. Pure.
 */
import * as z from 'zod/mini';
import type { Report } from '../contract/types.ts';
import { parseWire, reportSchema } from '../contract/wire.ts';
import type { AlarmRule, AlarmTransition } from './rules.ts';
import { RULE_IDS } from './rules.ts';

/** What identifies the schema: a message without it is not ours. */
export const TRANSITION_MESSAGE = 'download-doctor.transition';
/** Under SNS's 256 KB, with room for the envelope SNS adds to an HTTP or Lambda delivery. */
export const MAX_MESSAGE_BYTES = 200_000;

const count = z.int().check(z.positive());

export const transitionMessageSchema = z.object({
  type: z.literal(TRANSITION_MESSAGE),
  version: z.literal(1),
  instance: z.string().check(z.minLength(1)),
  target: z.string().check(z.minLength(1)),
  alarmName: z.string().check(z.minLength(1)),
  rule: z.object({
    id: z.enum(RULE_IDS),
    severity: z.enum(['critical', 'warning']),
    topic: z.enum(['page', 'monitor']),
    description: z.string(),
    datapointsToAlarm: count,
    evaluationPeriods: count,
  }),
  state: z.enum(['OK', 'ALARM']),
  /** When the transition happened (ISO 8601): the run's end. */
  at: z.string(),
  /** Back to OK: when the incident began (its first page, ISO 8601), for the notice to say how long it lasted. */
  incidentSince: z.optional(z.string()),
  /** The run's report, when the message stays under MAX_MESSAGE_BYTES with it. */
  report: z.optional(reportSchema),
});
export type TransitionMessage = z.output<typeof transitionMessageSchema>;

const bytes = (text: string) => new TextEncoder().encode(text).length;

/** The message of one transition, with the run's report when it fits (the page then shows this very run). */
export function transitionMessage(
  instance: string,
  t: AlarmTransition & { rule: Pick<AlarmRule, 'topic'> },
  report: Report | undefined,
  incidentSince?: Date,
): string {
  const message: TransitionMessage = {
    type: TRANSITION_MESSAGE,
    version: 1,
    instance,
    target: t.target,
    alarmName: t.alarmName,
    rule: {
      id: t.rule.id,
      severity: t.rule.severity,
      topic: t.rule.topic,
      description: t.rule.description,
      datapointsToAlarm: t.rule.datapointsToAlarm,
      evaluationPeriods: t.rule.evaluationPeriods,
    },
    state: t.state,
    at: t.at.toISOString(),
    ...(incidentSince ? { incidentSince: incidentSince.toISOString() } : {}),
  };
  const withReport = report ? JSON.stringify({ ...message, report }) : undefined;
  return withReport && bytes(withReport) <= MAX_MESSAGE_BYTES ? withReport : JSON.stringify(message);
}

export type ReadMessage =
  | {
      kind: 'transition';
      transition: AlarmTransition & { rule: { topic: 'page' | 'monitor' } };
      report?: Report;
      incidentSince?: Date;
    }
  /** A well-formed message that is not for this notifier, and why. */
  | { kind: 'ignored'; reason: string };

/**
 * One message read: a transition of this instance, or ignored (another instance's, on a shared topic). Anything
 * else throws a WireFormatError naming the fields: the notifier fails loudly (retries, then its dead-letter queue)
 * rather than dropping a page.
 */
export function readTransitionMessage(raw: string, instance: string): ReadMessage {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = raw;
  }
  const m = parseWire(transitionMessageSchema, json, 'the transition message');
  if (m.instance !== instance)
    return {
      kind: 'ignored',
      reason: `${m.alarmName}: not an alarm of download-doctor instance "${instance}"`,
    };
  const at = new Date(m.at);
  return {
    kind: 'transition',
    transition: {
      alarmName: m.alarmName,
      target: m.target,
      rule: m.rule,
      state: m.state,
      at: Number.isNaN(at.getTime()) ? new Date(0) : at,
    },
    ...(m.report ? { report: m.report } : {}),
    ...(m.incidentSince && !Number.isNaN(Date.parse(m.incidentSince))
      ? { incidentSince: new Date(m.incidentSince) }
      : {}),
  };
}
