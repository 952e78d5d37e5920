/**
 * The AWS side of telemetry, wired by DownloadHealthchecks: the topics and their key, the target alarms (built
 * from TARGET_ALARMS, where every threshold is written once), the monitor's own alarms, and the dashboard.
 * Metric names and dimensions all come from functions/alerting/metrics.ts.
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
import { DIMENSIONS, METRICS, type MetricName } from '../functions/alerting/metrics.ts';
import type { InstanceNames } from '../functions/alerting/names.ts';
import { type AlarmRule, TARGET_ALARMS, type TreatMissingData } from '../functions/alerting/rules.ts';
import type { Config } from '../functions/config/schema.ts';
import { LAYERS } from '../functions/contract/names.ts';

export type RuleId = AlarmRule['id'];

/** M of N for one alarm rule. */
export interface AlarmDatapoints {
  /** M: breaching periods, out of the last N, that raise the alarm. */
  readonly datapointsToAlarm: number;
  /** N: the periods evaluated; a period is one schedule interval of the target. */
  readonly evaluationPeriods: number;
}

/** CloudWatch refuses an alarm whose N periods span more than a day (period under an hour) or seven days. */
export const maxEvaluationSeconds = (periodSeconds: number) => (periodSeconds < 3600 ? 86_400 : 604_800);

/**
 * The rules as deployed: TARGET_ALARMS with the M-of-N overrides applied, and every combination CloudWatch would
 * refuse (each named by its property and value). `intervals` is each target's schedule, in seconds.
 */
export function resolveAlarmRules(
  overrides: Readonly<Partial<Record<string, AlarmDatapoints>>> | undefined,
  intervals: Readonly<Record<string, number>>,
  names: InstanceNames,
  thresholds: Readonly<Partial<Record<RuleId, number>>> = {},
): { rules: AlarmRule[]; problems: string[] } {
  const problems: string[] = [];
  const ids = TARGET_ALARMS.map((r) => r.id);
  for (const [id, dp] of Object.entries(overrides ?? {})) {
    if (dp === undefined) continue;
    if (!(ids as string[]).includes(id)) {
      problems.push(`alarmDatapoints.${id}: no alarm rule is named "${id}" (${ids.join(', ')})`);
      continue;
    }
    for (const key of ['datapointsToAlarm', 'evaluationPeriods'] as const) {
      const n = dp[key];
      if (!Number.isInteger(n) || (n as number) < 1)
        problems.push(
          `alarmDatapoints.${id}.${key}: must be a whole number of periods, 1 or more (got ${n})`,
        );
    }
    if (dp.datapointsToAlarm > dp.evaluationPeriods)
      problems.push(
        `alarmDatapoints.${id}: datapointsToAlarm (${dp.datapointsToAlarm}) exceeds evaluationPeriods ` +
          `(${dp.evaluationPeriods}): an alarm cannot need more breaching periods than it evaluates`,
      );
  }
  const rules = TARGET_ALARMS.map((r) => {
    const dp = overrides?.[r.id];
    const threshold = thresholds[r.id] ?? r.threshold;
    return dp
      ? { ...r, threshold, datapointsToAlarm: dp.datapointsToAlarm, evaluationPeriods: dp.evaluationPeriods }
      : { ...r, threshold };
  });
  for (const [target, seconds] of Object.entries(intervals)) {
    for (const r of rules) {
      const span = seconds * r.evaluationPeriods;
      if (span > maxEvaluationSeconds(seconds))
        problems.push(
          `${names.alarm(target, r)}: ${r.evaluationPeriods} periods of ${seconds} s (the schedule of "${target}") ` +
            `span ${span} s, over CloudWatch's ${maxEvaluationSeconds(seconds)} s: lower evaluationPeriods or run it more often`,
        );
    }
  }
  return { rules, problems };
}

export interface Topics {
  readonly key: kms.Key;
  readonly page: sns.Topic;
  readonly alarm: sns.Topic;
  readonly monitor: sns.Topic;
}

/**
 * Three topics under one customer-managed key. CloudWatch alarms must be allowed to use the key: with the
 * AWS-managed SNS key (whose policy cannot be changed) their notifications are dropped, and nothing says so.
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
    alarm: topic('AlarmTopic', 'download-doctor target alarms', true),
    monitor: topic('MonitorTopic', 'download-doctor monitor health', true),
  };
}

const COMPARISON: Record<AlarmRule['comparison'], cloudwatch.ComparisonOperator> = {
  LessThanThreshold: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  GreaterThanOrEqualToThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
};
const MISSING: Record<TreatMissingData, cloudwatch.TreatMissingData> = {
  breaching: cloudwatch.TreatMissingData.BREACHING,
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  ignore: cloudwatch.TreatMissingData.IGNORE,
};

const metric = (
  names: InstanceNames,
  name: MetricName,
  dims: Record<string, string>,
  statistic: string,
  period: Duration,
) =>
  new cloudwatch.Metric({
    namespace: names.namespace,
    metricName: name,
    dimensionsMap: dims,
    statistic,
    period,
  });

function notify(alarm: cloudwatch.Alarm, topic: sns.ITopic): cloudwatch.Alarm {
  alarm.addAlarmAction(new actions.SnsAction(topic));
  alarm.addOkAction(new actions.SnsAction(topic));
  return alarm;
}

/**
 * One alarm per target and rule, on the target's own metric, a period being one schedule interval. `page` rules go
 * to the alarm topic (the notifier adds the verdict), `monitor` rules straight to the monitor topic.
 */
export function createTargetAlarms(
  scope: Construct,
  rules: readonly AlarmRule[],
  intervals: Readonly<Record<string, Duration>>,
  topics: Topics,
  names: InstanceNames,
  config: Config,
): Record<string, Record<RuleId, cloudwatch.Alarm>> {
  const alarms: Record<string, Record<RuleId, cloudwatch.Alarm>> = {};
  for (const [target, period] of Object.entries(intervals)) {
    const byRule: Partial<Record<RuleId, cloudwatch.Alarm>> = {};
    const runbook = config.targets.find((t) => t.name === target)?.runbookUrl;
    for (const r of rules) {
      const alarm = new cloudwatch.Alarm(scope, `Alarm-${target}-${r.id}`, {
        alarmName: names.alarm(target, r),
        alarmDescription:
          `download-doctor ${names.instance} (${r.severity}): target "${target}": ${r.description}.` +
          (runbook ? ` Runbook: ${runbook}` : ''),
        metric: metric(names, r.metric, { [DIMENSIONS.target]: target }, r.statistic, period),
        threshold: r.threshold,
        comparisonOperator: COMPARISON[r.comparison],
        datapointsToAlarm: r.datapointsToAlarm,
        evaluationPeriods: r.evaluationPeriods,
        treatMissingData: MISSING[r.treatMissingData],
      });
      byRule[r.id] = notify(alarm, r.topic === 'page' ? topics.alarm : topics.monitor);
    }
    alarms[target] = byRule as Record<RuleId, cloudwatch.Alarm>;
  }
  return alarms;
}

export type MonitorAlarmId =
  | 'ExecutionsFailed'
  | 'ExecutionsTimedOut'
  | 'ExecutionThrottled'
  | `Errors-${string}`
  | PagingAlarmId;

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
    }),
    topic,
  );
}

/**
 * The monitor's own health, to the monitor topic: failed, timed-out or throttled runs, function errors, M of N
 * periods (one error in one period is often a blip of Lambda's; a broken monitor errs every run).
 */
export function createMonitorAlarms(
  scope: Construct,
  stateMachine: sfn.StateMachine,
  functions: Readonly<Record<string, lambda.IFunction>>,
  topic: sns.ITopic,
  period: Duration,
  datapoints: AlarmDatapoints,
  names: InstanceNames,
): Record<MonitorAlarmId, cloudwatch.Alarm> {
  const sum = { period, statistic: cloudwatch.Stats.SUM };
  const watched: [MonitorAlarmId, cloudwatch.IMetric, string][] = [
    [
      'ExecutionsFailed',
      stateMachine.metricFailed(sum),
      'a run failed: telemetry could not be written, or a state failed (see the executions, or the workflow log group)',
    ],
    ['ExecutionsTimedOut', stateMachine.metricTimedOut(sum), 'a run timed out'],
    ['ExecutionThrottled', stateMachine.metricThrottled(sum), 'Step Functions throttled a run'],
    ...Object.entries(functions).map(([name, fn]): [MonitorAlarmId, cloudwatch.IMetric, string] => [
      `Errors-${name}`,
      fn.metricErrors(sum),
      `the ${name} function failed (see its log group)`,
    ]),
  ];
  const alarms: Partial<Record<MonitorAlarmId, cloudwatch.Alarm>> = {};
  for (const [id, m, what] of watched)
    alarms[id] = monitorAlarm(scope, names, id, m, what, datapoints, topic);
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
    alarms[id] = monitorAlarm(scope, names, id, m, what, once, path.topics.monitor);
  return alarms as Record<PagingAlarmId, cloudwatch.Alarm>;
}

/**
 * Alarms first; then per target its verdict, each layer's success, and each layer's timings; then the monitor's
 * own health. The target graphs use the target's schedule as period: one point per run.
 */
export function createDashboard(
  scope: Construct,
  intervals: Readonly<Record<string, Duration>>,
  stateMachine: sfn.StateMachine,
  functions: Readonly<Record<string, lambda.IFunction>>,
  alarms: readonly cloudwatch.IAlarm[],
  monitorPeriod: Duration,
  names: InstanceNames,
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { dashboardName: names.dashboard });
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24 }));
  for (const [target, period] of Object.entries(intervals)) {
    const perTarget = { [DIMENSIONS.target]: target };
    const perLayer = (layer: string) => ({ ...perTarget, [DIMENSIONS.layer]: layer });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## Target \`${target}\`, every ${period.toHumanString()}`,
        width: 24,
        height: 1,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${target}: verdict (${METRICS.healthy} 1 = downloads work)`,
        left: [
          metric(names, METRICS.healthy, perTarget, cloudwatch.Stats.MINIMUM, period),
          metric(names, METRICS.degraded, perTarget, cloudwatch.Stats.MAXIMUM, period),
        ],
        leftYAxis: { min: 0, max: 1 },
        period,
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${target}: ${METRICS.checkSuccess} by layer (1 = passed)`,
        left: LAYERS.map((layer) =>
          metric(names, METRICS.checkSuccess, perLayer(layer), cloudwatch.Stats.MINIMUM, period).with({
            label: layer,
          }),
        ),
        leftYAxis: { min: 0, max: 1 },
        period,
        width: 10,
      }),
      new cloudwatch.GraphWidget({
        title: `${target}: ${METRICS.tlsDaysLeft} by layer (HTTPS)`,
        left: LAYERS.map((layer) =>
          metric(names, METRICS.tlsDaysLeft, perLayer(layer), cloudwatch.Stats.MINIMUM, period).with({
            label: layer,
          }),
        ),
        leftYAxis: { min: 0 },
        period,
        width: 6,
      }),
    );
    dashboard.addWidgets(
      ...LAYERS.map(
        (layer) =>
          new cloudwatch.GraphWidget({
            title: `${target} / ${layer}: time (ms)`,
            left: [
              metric(names, METRICS.checkDuration, perLayer(layer), cloudwatch.Stats.MAXIMUM, period),
              metric(names, METRICS.checkFirstByte, perLayer(layer), cloudwatch.Stats.MAXIMUM, period),
            ],
            period,
            width: 6,
          }),
      ),
    );
  }
  const sum = { period: monitorPeriod, statistic: cloudwatch.Stats.SUM };
  dashboard.addWidgets(
    new cloudwatch.TextWidget({ markdown: "## The monitor's own health", width: 24, height: 1 }),
    new cloudwatch.GraphWidget({
      title: 'Workflow runs: failed, timed out, throttled',
      left: [
        stateMachine.metricFailed(sum),
        stateMachine.metricTimedOut(sum),
        stateMachine.metricThrottled(sum),
      ],
      period: monitorPeriod,
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Lambda errors',
      left: Object.entries(functions).map(([name, fn]) => fn.metricErrors({ ...sum, label: name })),
      period: monitorPeriod,
      width: 12,
    }),
  );
  return dashboard;
}
