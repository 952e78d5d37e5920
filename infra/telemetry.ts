/**
 * The AWS side of telemetry, wired by DownloadHealthchecks: the topics and their key, the alarm rules as deployed
 * (TARGET_ALARMS with the construct's overrides; the report function steps them, no CloudWatch alarm per target),
 * and the monitor's own alarms, a constant number of them whatever the number of targets.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { InstanceNames } from '../functions/alerting/names.ts';
import { type AlarmRule, targetRules } from '../functions/alerting/rules.ts';

export type RuleId = AlarmRule['id'];

/** M of N for one alarm rule, and the healthy runs in a row its recovery takes. */
export interface AlarmDatapoints {
  /** M: breaching periods, out of the last N, that raise the alarm. */
  readonly datapointsToAlarm: number;
  /** N: the periods evaluated; a period is one run, the target's schedule interval. */
  readonly evaluationPeriods: number;
  /** Periods in a row that do not breach before an alarm in ALARM goes back to OK. @default the rule's (down, degraded: 2) */
  readonly recoverAfter?: number;
}

/** CloudWatch refuses an alarm whose N periods span more than a day (period under an hour) or seven days. */
export const maxEvaluationSeconds = (periodSeconds: number) => (periodSeconds < 3600 ? 86_400 : 604_800);
/** The most periods a rule may remember: each is kept in the target's item. */
export const MAX_RULE_PERIODS = 100;

/**
 * The rules as deployed: TARGET_ALARMS with the M-of-N overrides and thresholds applied, and every override that
 * cannot work (each named by its property and value).
 */
export function resolveAlarmRules(
  overrides: Readonly<Partial<Record<string, AlarmDatapoints>>> | undefined,
  thresholds: Readonly<Partial<Record<RuleId, number>>> = {},
  locations = false,
): { rules: AlarmRule[]; problems: string[] } {
  const problems: string[] = [];
  // With several locations, the `location-path` notice is a target's rule too.
  const base = targetRules(locations);
  const ids = base.map((r) => r.id);
  for (const [id, dp] of Object.entries(overrides ?? {})) {
    if (dp === undefined) continue;
    if (!(ids as string[]).includes(id)) {
      problems.push(`alarmDatapoints.${id}: no alarm rule is named "${id}" (${ids.join(', ')})`);
      continue;
    }
    for (const key of ['datapointsToAlarm', 'evaluationPeriods', 'recoverAfter'] as const) {
      const n = dp[key];
      if (n === undefined && key === 'recoverAfter') continue;
      if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_RULE_PERIODS)
        problems.push(
          `alarmDatapoints.${id}.${key}: must be a whole number of periods, 1 to ${MAX_RULE_PERIODS} (got ${n})`,
        );
    }
    if (dp.datapointsToAlarm > dp.evaluationPeriods)
      problems.push(
        `alarmDatapoints.${id}: datapointsToAlarm (${dp.datapointsToAlarm}) exceeds evaluationPeriods ` +
          `(${dp.evaluationPeriods}): an alarm cannot need more breaching periods than it evaluates`,
      );
  }
  const rules = base.map((r) => {
    const dp = overrides?.[r.id];
    const threshold = thresholds[r.id] ?? r.threshold;
    return dp
      ? {
          ...r,
          threshold,
          datapointsToAlarm: dp.datapointsToAlarm,
          evaluationPeriods: dp.evaluationPeriods,
          recoverAfter: dp.recoverAfter ?? r.recoverAfter,
        }
      : { ...r, threshold };
  });
  return { rules, problems };
}

export interface Topics {
  readonly key: kms.Key;
  readonly page: sns.Topic;
  readonly alarm: sns.Topic;
  readonly monitor: sns.Topic;
}

/**
 * Three topics under one customer-managed key. The monitor's CloudWatch alarms must be allowed to use the key:
 * with the AWS-managed SNS key (whose policy cannot be changed) their notifications are dropped, and nothing says
 * so. The alarm topic carries the transitions the report and plan functions send (their roles may publish).
 */
export function createTopics(scope: Construct): Topics {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'TopicKey', {
    description: 'download-doctor: encrypts the page, alarm and monitor topics',
    enableKeyRotation: true,
    // It protects only messages in flight on these topics: once they are gone, nothing needs it.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // This account's alarms only: CloudWatch is a service principal shared by every account (confused deputy).
  const thisAccountsAlarms = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: {
      'aws:SourceArn': stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    },
  };
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'], // in a key policy, "*" is this key
      conditions: thisAccountsAlarms,
    }),
  );
  const topic = (id: string, displayName: string, fromAlarms: boolean) => {
    const t = new sns.Topic(scope, id, { displayName, masterKey: key, enforceSSL: true });
    if (fromAlarms) {
      // A topic policy replaces SNS's default one, so the alarms of this account must be allowed explicitly.
      t.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowThisAccountsAlarms',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [t.topicArn],
          conditions: thisAccountsAlarms,
        }),
      );
    }
    return t;
  };
  return {
    key,
    page: topic('PageTopic', 'download-doctor pages', false),
    alarm: topic('AlarmTopic', 'download-doctor target alarms', false),
    monitor: topic('MonitorTopic', 'download-doctor monitor health', true),
  };
}

function notify(alarm: cloudwatch.Alarm, topic: sns.ITopic): cloudwatch.Alarm {
  alarm.addAlarmAction(new actions.SnsAction(topic));
  alarm.addOkAction(new actions.SnsAction(topic));
  return alarm;
}

export type MonitorAlarmId =
  | 'ExecutionsFailed'
  | 'ExecutionsTimedOut'
  | 'ExecutionThrottled'
  | 'NoRuns'
  | `Errors-${string}`
  | PagingAlarmId
  | DecideAlarmId;

/** With several locations: a slot the home could not decide (its decide queue's dead letters). */
export type DecideAlarmId = 'DecideDeadLetters';

/** The paging path's own alarms: each is a page that may be lost. */
export type PagingAlarmId =
  | 'NotifierDeadLetters'
  | 'NotifierEventsDropped'
  | 'NotifierDestinationFailures'
  | 'PageTopicFailures'
  | 'AlarmTopicFailures';

function monitorAlarm(
  scope: Construct,
  names: InstanceNames,
  id: MonitorAlarmId,
  m: cloudwatch.IMetric,
  what: string,
  datapoints: AlarmDatapoints,
  topic: sns.ITopic,
  options: Partial<cloudwatch.AlarmProps> = {},
): cloudwatch.Alarm {
  return notify(
    new cloudwatch.Alarm(scope, `Monitor-${id}`, {
      alarmName: names.monitorAlarm(id),
      alarmDescription: `download-doctor ${names.instance}'s own health: ${what}. The monitor is broken, not necessarily downloads.`,
      metric: m,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: datapoints.evaluationPeriods,
      datapointsToAlarm: datapoints.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...options,
    }),
    topic,
  );
}

/**
 * The monitor's own health, to the monitor topic: failed, timed-out (and on Standard throttled) runs, function errors, M of N
 * periods (one error in one period is often a blip of Lambda's; a broken monitor errs every run); and no run at all
 * over `noRunsPeriod` (the shortest schedule, 5 minutes at least), which the per-target no-data steps cannot see:
 * nothing steps them when nothing runs.
 */
export function createMonitorAlarms(
  scope: Construct,
  stateMachine: sfn.StateMachine,
  functions: Readonly<Record<string, lambda.IFunction>>,
  topic: sns.ITopic,
  period: Duration,
  datapoints: AlarmDatapoints,
  names: InstanceNames,
  noRunsPeriod: Duration = period,
  standard = false,
): Record<MonitorAlarmId, cloudwatch.Alarm> {
  const sum = { period, statistic: cloudwatch.Stats.SUM };
  const watched: [MonitorAlarmId, cloudwatch.IMetric, string][] = [
    [
      'ExecutionsFailed',
      stateMachine.metricFailed(sum),
      'a run failed: telemetry could not be written, or a state failed (see the executions, or the workflow log group)',
    ],
    ['ExecutionsTimedOut', stateMachine.metricTimedOut(sum), 'a run timed out'],
    // State transitions are throttled in Standard workflows only: Express has no such quota.
    ...(standard
      ? [
          ['ExecutionThrottled', stateMachine.metricThrottled(sum), 'Step Functions throttled a run'] as [
            MonitorAlarmId,
            cloudwatch.IMetric,
            string,
          ],
        ]
      : []),
    ...Object.entries(functions).map(([name, fn]): [MonitorAlarmId, cloudwatch.IMetric, string] => [
      `Errors-${name}`,
      fn.metricErrors(sum),
      `the ${name} function failed (see its log group)`,
    ]),
  ];
  const alarms: Partial<Record<MonitorAlarmId, cloudwatch.Alarm>> = {};
  for (const [id, m, what] of watched)
    alarms[id] = monitorAlarm(scope, names, id, m, what, datapoints, topic);
  alarms.NoRuns = monitorAlarm(
    scope,
    names,
    'NoRuns',
    stateMachine.metricSucceeded({ period: noRunsPeriod, statistic: cloudwatch.Stats.SUM }),
    'no run of any target ended well: the schedules, the fleet workflow or its plan are broken',
    datapoints,
    topic,
    {
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data is no run: Step Functions publishes nothing for an idle state machine.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    },
  );
  return alarms as Record<MonitorAlarmId, cloudwatch.Alarm>;
}

/** What the paging path is made of: the notifier, its dead-letter queue, the topics it reads and writes. */
export interface PagingPath {
  readonly notifier: lambda.IFunction;
  readonly deadLetters: sqs.IQueue;
  readonly topics: Topics;
}

/**
 * The paging path watched, 1 of 1 over 5 minutes, to the monitor topic: an event in the notifier's dead-letter
 * queue (a page that never went out), events Lambda dropped or could not deliver to the queue, and notifications
 * SNS failed to deliver from the page topic (to on-call) or from the alarm topic (to the notifier).
 */
export function createPagingAlarms(
  scope: Construct,
  path: PagingPath,
  names: InstanceNames,
): Record<PagingAlarmId, cloudwatch.Alarm> {
  const period = Duration.minutes(5);
  const once = { datapointsToAlarm: 1, evaluationPeriods: 1 };
  const lambdaMetric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: path.notifier.functionName },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
  const failed = (topic: sns.Topic) =>
    topic.metricNumberOfNotificationsFailed({ period, statistic: cloudwatch.Stats.SUM });
  const watched: [PagingAlarmId, cloudwatch.IMetric, string][] = [
    [
      'NotifierDeadLetters',
      path.deadLetters.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      "an alarm notification is in the notifier's dead-letter queue: its page never went out (read the message, then page by hand)",
    ],
    [
      'NotifierEventsDropped',
      lambdaMetric('AsyncEventsDropped'),
      'Lambda gave up on an alarm notification for the notifier (retries spent, or too old)',
    ],
    [
      'NotifierDestinationFailures',
      lambdaMetric('DestinationDeliveryFailures'),
      "a failed notification could not even be put in the notifier's dead-letter queue",
    ],
    [
      'PageTopicFailures',
      failed(path.topics.page),
      'SNS failed to deliver a page to a subscriber of the page topic',
    ],
    [
      'AlarmTopicFailures',
      failed(path.topics.alarm),
      'SNS failed to deliver an alarm notification to the notifier',
    ],
  ];
  const alarms: Partial<Record<PagingAlarmId, cloudwatch.Alarm>> = {};
  for (const [id, m, what] of watched)
    alarms[id] = monitorAlarm(scope, names, id, m, what, once, path.topics.monitor, {
      // SQS stops publishing a queue's metrics after six hours without a call, though a message waits: missing
      // data keeps the dead letters' alarm as it was (in ALARM), instead of returning it to OK.
      ...(id === 'NotifierDeadLetters' ? { treatMissingData: cloudwatch.TreatMissingData.IGNORE } : {}),
    });
  return alarms as Record<PagingAlarmId, cloudwatch.Alarm>;
}

/**
 * With several locations: a message in the decide queue's dead-letter queue, 1 of 1 over 5 minutes, to the monitor
 * topic: a slot of several locations that could not be decided after its receives (a page that may be lost, or a
 * notice). Missing data keeps it as it was, as the notifier's dead letters' alarm.
 */
export function createDecideAlarm(
  scope: Construct,
  deadLetters: sqs.IQueue,
  topic: sns.ITopic,
  names: InstanceNames,
): cloudwatch.Alarm {
  return monitorAlarm(
    scope,
    names,
    'DecideDeadLetters',
    deadLetters.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    "a slot of several locations is in the decide queue's dead-letter queue: the decisions of several locations are failing, its page or notice may be lost (read the message and the report function's errors)",
    { datapointsToAlarm: 1, evaluationPeriods: 1 },
    topic,
    { treatMissingData: cloudwatch.TreatMissingData.IGNORE },
  );
}
