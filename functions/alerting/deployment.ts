/**
 * What the construct resolved at synth and the report and plan functions read at cold start, from the config
 * layer (DEPLOYMENT_IN_LAYER): each target's period and full runs, the alarm rules as deployed (M of N overrides,
 * thresholds), the metrics' detail, the spread of starts. They need nothing else of the config, so neither
 * validates it nor loads its schema. Pure: a schema and its parse.
 */
import * as z from 'zod/mini';
import { type FleetTarget, slotStartOf } from '../config/fleet.ts';
import { defaultQuorum, waitMsOf } from '../config/locations.ts';
import { parseWire } from '../contract/wire.ts';
import type { MetricDetail } from './metrics.ts';
import type { AlarmRule } from './rules.ts';
import { RULE_IDS } from './rules.ts';
import { type SlotRule, slotKey } from './slots.ts';

const count = z.int().check(z.positive());
const ruleSchema = z.object({
  id: z.enum(RULE_IDS),
  metric: z.string(),
  statistic: z.enum(['Minimum', 'Maximum', 'SampleCount']),
  comparison: z.enum(['LessThanThreshold', 'GreaterThanOrEqualToThreshold']),
  threshold: z.number(),
  datapointsToAlarm: count,
  evaluationPeriods: count,
  confirmedAtOnce: z.boolean(),
  recoverAfter: count,
  treatMissingData: z.enum(['breaching', 'notBreaching', 'ignore']),
  topic: z.enum(['page', 'monitor']),
  severity: z.enum(['critical', 'warning']),
  description: z.string(),
});

export const deploymentSchema = z.object({
  targets: z.array(
    z.object({
      name: z.string(),
      periodMs: count,
      fullRunEvery: z.optional(count),
      /** Its confirmDelayMs: the plan gives the workflow its whole seconds to wait (none: 0). */
      confirmDelayMs: z.optional(count),
      /** With several locations: the target's K. */
      quorum: z.optional(count),
      /** With several locations: the longest a location's run takes to reach home (config/locations.ts locationRunMs). */
      locationRunMs: z.optional(count),
    }),
  ),
  rules: z.array(ruleSchema),
  metrics: z.enum(['summary', 'full']),
  /** By interval (its milliseconds): its targets' starts spread over the first spreadMs of each period. */
  spreadMs: z.record(z.string(), z.int().check(z.nonnegative())),
  /** How long past its period a target may go without a run before its tick counts as silent. */
  graceMs: z.int().check(z.nonnegative()),
  /** Several locations (functions/config/locations.ts): the home, the others, the share of a period it waits. */
  locations: z.optional(
    z.object({ home: z.string(), others: z.array(z.string()), waitShare: z.number().check(z.positive()) }),
  ),
});

export interface Deployment {
  targets: (FleetTarget & { quorum?: number | undefined; locationRunMs?: number | undefined })[];
  rules: AlarmRule[];
  metrics: MetricDetail;
  spreadMs: Record<string, number>;
  graceMs: number;
  locations?: { home: string; others: string[]; waitShare: number } | undefined;
}

/** The deployment file's content, read with the wire contract: a bad field is an error that names it. */
export const parseDeployment = (value: unknown, what: string): Deployment =>
  parseWire(deploymentSchema, value, what) as Deployment;

/** How far an interval's starts spread: 0 when the deployment does not say. */
export const spreadOf = (d: Pick<Deployment, 'spreadMs'>, periodMs: number): number =>
  d.spreadMs[String(periodMs)] ?? 0;

/** A target's period, from the deployment. */
export function periodOf(d: Pick<Deployment, 'targets'>, target: string): number | undefined {
  return d.targets.find((t) => t.name === target)?.periodMs;
}

/**
 * A target's slot rule on AWS (functions/alerting/slots.ts), from the deployment: undefined with one location. A
 * target not in the deployment (a hand-made execution) gets the default period and a majority.
 */
export function slotRuleOf(d: Deployment, target: string): SlotRule | undefined {
  const l = d.locations;
  if (!l) return undefined;
  const t = d.targets.find((x) => x.name === target);
  const periodMs = t?.periodMs ?? 300_000;
  return {
    home: l.home,
    others: l.others,
    quorum: Math.min(t?.quorum ?? defaultQuorum(l.others.length + 1), l.others.length + 1),
    waitMs: waitMsOf({ consensus: { waitShare: l.waitShare } }, periodMs, t?.locationRunMs),
  };
}

/** The start of the slot (ISO 8601) a run of the target that started at `at` stands for, as every location plans it. */
export function slotOfRun(d: Deployment, target: string, at: Date): string {
  const periodMs = periodOf(d, target) ?? 300_000;
  return slotKey(slotStartOf(target, periodMs, spreadOf(d, periodMs), at.getTime()));
}

/**
 * How much earlier than planned a run's first check may begin: Step Functions' Wait until a timestamp keeps its
 * seconds and truncates the milliseconds (up to 1 s early), and the clock that reads the start may be a few seconds
 * behind the one that planned it. A start this early still stands for the slot it was planned for.
 */
export const EARLY_START_MS = 5_000;

/**
 * The slot of a run from when its first check began (the home's run on AWS: its input does not carry the planned
 * start a probe names its slot from). Without the tolerance, a target whose planned start is not a whole second
 * can have every home run filed under the previous slot, and decided with the other locations' results of a period ago.
 */
export const slotOfStart = (d: Deployment, target: string, startedAt: Date): string =>
  slotOfRun(d, target, new Date(startedAt.getTime() + EARLY_START_MS));
