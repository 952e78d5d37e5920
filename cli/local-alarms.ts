/**
 * The alarms, evaluated locally after `run --publish ENDPOINT`: the same rules the construct deploys
 * (functions/core/telemetry.ts), over the last N runs (locally, a run is a period). The alarm states live in a
 * small state file between runs, and are mirrored into the endpoint's CloudWatch alarms; on each transition the
 * page or notice (functions/core/page.ts, as the notifier sends it) is published to the endpoint's SNS topic.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type Page, pageText } from '../functions/core/page.ts';
import {
  type AlarmState,
  alarmName,
  type Datum,
  evaluateAlarm,
  NAMESPACE,
  type Period,
  periodValue,
  TARGET_ALARMS,
  targetDimensions,
} from '../functions/core/telemetry.ts';
import type { Report } from '../functions/core/types.ts';
import type { Telemetry } from '../functions/handlers/handlers.ts';
import { cloudWatchPublisher } from '../functions/probes/telemetry.ts';

/** The local topics, by the rule's `topic`: pages for on-call, and the monitor's own health. */
export const LOCAL_TOPICS = { page: 'download-doctor-pages', monitor: 'download-doctor-monitor' } as const;

export interface LocalAlarmOptions {
  endpoint: string;
  region: string;
  /** Where alarm states and recent periods are kept between runs. @default defaultStateFile(endpoint) */
  stateFile?: string | undefined;
  now?: () => Date;
}

export const defaultStateFile = (endpoint: string) =>
  join(
    tmpdir(),
    `download-doctor-alarms-${createHash('sha256').update(endpoint).digest('hex').slice(0, 12)}.json`,
  );

type AlarmMemory = Record<string, { periods: Period[]; state: AlarmState }>;

function load(file: string): AlarmMemory {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AlarmMemory;
  } catch {
    return {};
  }
}

export interface Sent {
  alarm: string;
  state: AlarmState;
  topicArn: string;
  page: Page;
}

export async function evaluateLocalAlarms(
  report: Report,
  data: readonly Datum[],
  o: LocalAlarmOptions,
): Promise<Sent[]> {
  const stateFile = o.stateFile ?? defaultStateFile(o.endpoint);
  const memory = load(stateFile);
  const now = o.now?.() ?? new Date();
  const client = {
    endpoint: o.endpoint,
    region: o.region,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  };
  const cloudwatch = new CloudWatchClient(client);
  const sns = new SNSClient(client);
  const signal = () => ({ abortSignal: AbortSignal.timeout(5_000) });
  const sent: Sent[] = [];
  try {
    for (const rule of TARGET_ALARMS) {
      const name = alarmName(report.target, rule);
      const previous = memory[name] ?? { periods: [], state: 'OK' as AlarmState };
      const value = periodValue(rule, data, report.target);
      // A rule that ignores missing data keeps only the periods that had some (the alarm stays as they said).
      const kept = value === undefined && rule.treatMissingData === 'ignore' ? [] : [value];
      const periods = [...previous.periods, ...kept].slice(-rule.evaluationPeriods);
      const state = evaluateAlarm(rule, periods);
      if (state === previous.state) {
        memory[name] = { periods, state };
        continue;
      }
      // Mirror the alarm and its state into the endpoint's CloudWatch, as the deployed alarm would be.
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          AlarmDescription: rule.description,
          Namespace: NAMESPACE,
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
          StateReason: `local evaluation of the last ${periods.length} runs`,
        }),
        signal(),
      );
      const { TopicArn } = await sns.send(
        new CreateTopicCommand({ Name: LOCAL_TOPICS[rule.topic] }),
        signal(),
      );
      const page = pageText({ alarmName: name, target: report.target, rule, state, at: now }, report);
      await sns.send(
        new PublishCommand({ TopicArn, Subject: page.subject, Message: page.message }),
        signal(),
      );
      // Remembered only once sent: a transition whose page failed is evaluated again on the next run.
      memory[name] = { periods, state };
      sent.push({ alarm: name, state, topicArn: TopicArn ?? '', page });
    }
  } finally {
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, JSON.stringify(memory, null, 2));
    cloudwatch.destroy();
    sns.destroy();
  }
  return sent;
}

/** The run's telemetry for `--publish`: metrics go to the endpoint, and are kept in `published` for the alarms. */
export function publisher(endpoint: string, region: string, published: Datum[]): Telemetry {
  const send = cloudWatchPublisher({ endpoint, region });
  return {
    publish: async (data) => {
      await send(data);
      published.push(...data);
    },
  };
}
