/**
 * The alarms, evaluated locally after `run --publish ENDPOINT`: the same rules the construct deploys
 * (functions/alerting/metrics.ts), stepped by functions/alerting/alarms.ts over the last N runs (locally, a run is a
 * period). The alarm states live in a small state file between runs, and are mirrored into the endpoint's
 * CloudWatch alarms; on each transition the page or notice (functions/render/page.ts, as the notifier sends it) is
 * published to the endpoint's SNS topics, unless the target is in maintenance (then it is logged, not sent).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmMemory, AlarmStep } from '../functions/alerting/alarms.ts';
import { type Datum, targetDimensions } from '../functions/alerting/metrics.ts';
import { instanceNames } from '../functions/alerting/names.ts';
import type { AlarmState } from '../functions/alerting/rules.ts';
import type { Report } from '../functions/contract/types.ts';
import type { Telemetry } from '../functions/handlers/handlers.ts';
import { cloudWatchPublisher } from '../functions/probes/metrics.ts';
import { deliverTransitions, type Sent, snsPager } from './pagers.ts';
import { readPrivateFile, stateDir, writePrivateFile } from './state-dir.ts';

export { LOCAL_TOPICS } from './pagers.ts';
export type { Sent };

export interface LocalAlarmOptions {
  endpoint: string;
  region: string;
  /** The instance whose names the alarms and metrics take (LOCAL_INSTANCE unless `--instance` says). */
  instance: string;
  /**
   * Where alarm states and recent periods are kept between runs (a file of this user's: one owned by another is
   * refused). @default defaultStateFile(endpoint), in the per-user state directory (cli/state-dir.ts)
   */
  stateFile?: string | undefined;
  now?: () => Date;
}

/** One file per endpoint, in the per-user state directory (made 0700 when first needed). */
export const defaultStateFile = (endpoint: string, dir = stateDir()) =>
  join(dir, `alarms-${createHash('sha256').update(endpoint).digest('hex').slice(0, 12)}.json`);

function load(file: string): AlarmMemory {
  const text = readPrivateFile(file);
  try {
    return text === undefined ? {} : (JSON.parse(text) as AlarmMemory);
  } catch {
    // A file cut short (a crash mid-write before writes were whole): the alarms start again from OK.
    return {};
  }
}

export async function evaluateLocalAlarms(
  report: Report,
  data: readonly Datum[],
  o: LocalAlarmOptions,
): Promise<Sent[]> {
  const stateFile = o.stateFile ?? defaultStateFile(o.endpoint);
  const memory = load(stateFile);
  const now = o.now?.() ?? new Date();
  const names = instanceNames(o.instance);
  const cloudwatch = new CloudWatchClient({
    endpoint: o.endpoint,
    region: o.region,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
  const signal = () => ({ abortSignal: AbortSignal.timeout(5_000) });
  // Mirror the alarm and its state into the endpoint's CloudWatch, as the deployed alarm would be.
  const mirror = async ({ name, rule, periods }: AlarmStep, state: AlarmState, reason: string) => {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: rule.description,
        Namespace: names.namespace,
        MetricName: rule.metric,
        Dimensions: targetDimensions(report.target),
        Statistic: rule.statistic,
        Period: 60,
        EvaluationPeriods: rule.evaluationPeriods,
        DatapointsToAlarm: rule.datapointsToAlarm,
        Threshold: rule.threshold,
        ComparisonOperator: rule.comparison,
        TreatMissingData: rule.treatMissingData,
      }),
      signal(),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: state,
        StateReason: `${reason}, over the last ${periods.length} runs`,
      }),
      signal(),
    );
  };
  const pager = await snsPager(o.endpoint, o.region);
  try {
    return await deliverTransitions(memory, report.target, report, data, pager, now, names, mirror);
  } finally {
    writePrivateFile(stateFile, JSON.stringify(memory, null, 2));
    cloudwatch.destroy();
    pager.close();
  }
}

/** The run's telemetry for `--publish`: metrics go to the endpoint, and are kept in `published` for the alarms. */
export function publisher(endpoint: string, region: string, instance: string, published: Datum[]): Telemetry {
  const send = cloudWatchPublisher(instanceNames(instance).namespace, { endpoint, region });
  return {
    publish: async (data) => {
      await send(data);
      published.push(...data);
    },
  };
}
