/**
 * What the construct resolved at synth and the report and plan functions read at cold start, from the config
 * layer (DEPLOYMENT_IN_LAYER): each target's period and full runs, the alarm rules as deployed (M of N overrides,
 * thresholds), the metrics' detail, the spread of starts. They need nothing else of the config, so neither
 * validates it nor loads its schema. Pure: a schema and its parse.
 */
import * as z from 'zod/mini';
import type { FleetTarget } from '../config/fleet.ts';
import { parseWire } from '../contract/wire.ts';
import type { MetricDetail } from './metrics.ts';
import type { AlarmRule } from './rules.ts';
import { TARGET_ALARMS } from './rules.ts';

const count = z.int().check(z.positive());
const ruleSchema = z.object({
  id: z.enum(TARGET_ALARMS.map((r) => r.id) as [AlarmRule['id'], ...AlarmRule['id'][]]),
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
  targets: z.array(z.object({ name: z.string(), periodMs: count, fullRunEvery: z.optional(count) })),
  rules: z.array(ruleSchema),
  metrics: z.enum(['summary', 'full']),
  /** By interval (its milliseconds): its targets' starts spread over the first spreadMs of each period. */
  spreadMs: z.record(z.string(), z.int().check(z.nonnegative())),
  /** How long past its period a target may go without a run before its tick counts as silent. */
  graceMs: z.int().check(z.nonnegative()),
});

export interface Deployment {
  targets: FleetTarget[];
  rules: AlarmRule[];
  metrics: MetricDetail;
  spreadMs: Record<string, number>;
  graceMs: number;
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
