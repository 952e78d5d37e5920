/**
 * The AWS side of telemetry, as Template assertions: the alarms built from TARGET_ALARMS, the topics and their
 * key, the notifier's wiring, the report bucket, least privilege, and the dashboard. Bundling is skipped (the
 * bundles have their own test), so each synth takes a second.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIMENSIONS, METRICS } from '../../functions/alerting/metrics.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import type { ConfigInput } from '../../functions/config/schema.ts';
import { LAYERS } from '../../functions/contract/names.ts';
import { DownloadHealthchecks, type DownloadHealthchecksProps } from '../../infra/construct.ts';
import { publicTargetInput } from '../fixtures/cdk.ts';
import { tempDir } from '../fixtures/temp.ts';

const CONFIG = {
  targets: [
    publicTargetInput({ name: 'production', runbookUrl: 'https://wiki.example.com/runbooks/downloads' }),
    publicTargetInput({ name: 'staging' }),
  ],
} as unknown as ConfigInput;
const INSTANCE = 'TestHealthchecks';
const { alarm: alarmName, namespace: NAMESPACE } = instanceNames(INSTANCE);
/** Schedule seconds by target: production on the default (5 minutes), staging every 15 minutes. */
const PERIODS: Record<string, number> = { production: 300, staging: 900 };

function synth(props: Partial<DownloadHealthchecksProps> = {}, withVpc = false) {
  const app = new App({ outdir: tempDir('dd-cdk-'), context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = withVpc ? { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0 }) } : {};
  const hc = new DownloadHealthchecks(stack, 'Healthchecks', {
    config: CONFIG,
    schedules: { staging: Duration.minutes(15) },
    ...vpc,
    ...props,
  });
  return { stack, hc, template: Template.fromStack(stack) };
}

let stack: Stack;
let hc: DownloadHealthchecks;
let template: Template;
const ref = (c: { node: { defaultChild?: unknown } }) => ({
  Ref: stack.getLogicalId(c.node.defaultChild as never),
});
const hcId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const arnOf = (c: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [stack.getLogicalId(c.node.defaultChild as never), 'Arn'],
});

beforeAll(() => {
  ({ stack, hc, template } = synth());
});

/** The policy statements of a role. */
function statementsOf(role: { node: { defaultChild?: unknown } } | undefined): Record<string, unknown>[] {
  const roleId = stack.getLogicalId(role?.node.defaultChild as never);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}

const reportObjects = (ext = 'json') =>
  Object.keys(PERIODS).map((t) => ({
    'Fn::Join': ['', [arnOf(hc.reportBucket), `/latest/${t}.${ext}`]],
  }));

describe('the target alarms, from TARGET_ALARMS', () => {
  it('one alarm per target and rule, M of N over periods of the schedule, with its missing-data rule', () => {
    for (const [target, period] of Object.entries(PERIODS)) {
      for (const r of TARGET_ALARMS) {
        const topic = r.topic === 'page' ? hc.alarmTopic : hc.monitorTopic;
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: alarmName(target, r),
          Namespace: NAMESPACE,
          MetricName: r.metric,
          Dimensions: [{ Name: DIMENSIONS.target, Value: target }],
          Statistic: r.statistic,
          Period: period,
          Threshold: r.threshold,
          ComparisonOperator: r.comparison,
          DatapointsToAlarm: r.datapointsToAlarm,
          EvaluationPeriods: r.evaluationPeriods,
          TreatMissingData: r.treatMissingData,
          AlarmActions: [ref(topic)],
          OKActions: [ref(topic)],
        });
      }
    }
    expect(Object.keys(hc.alarms)).toEqual(['production', 'staging']);
    expect(Object.keys(hc.alarms.production ?? {})).toEqual(TARGET_ALARMS.map((r) => r.id));
  });

  it("the defaults the README and the prop's TSDoc state: down 2 of 3, degraded 3 of 3, no-data 2 of 3 (missing = breaching)", () => {
    const byId = Object.fromEntries(TARGET_ALARMS.map((r) => [r.id, r]));
    expect(byId.down).toMatchObject({
      datapointsToAlarm: 2,
      evaluationPeriods: 3,
      treatMissingData: 'notBreaching',
    });
    expect(byId.degraded).toMatchObject({ datapointsToAlarm: 3, evaluationPeriods: 3, topic: 'page' });
    expect(byId['no-data']).toMatchObject({ treatMissingData: 'breaching', topic: 'monitor' });
  });

  it("the monitor warning goes to the monitor's topic and keeps its state between full runs (missing data ignored)", () => {
    const warning = TARGET_ALARMS.find((r) => r.id === 'monitor-warning');
    expect(warning).toMatchObject({ metric: METRICS.monitorWarning, topic: 'monitor', severity: 'warning' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName('production', { id: 'monitor-warning' }),
      MetricName: 'MonitorWarning',
      TreatMissingData: 'ignore',
      AlarmActions: [ref(hc.monitorTopic)],
    });
  });

  it('alarmDatapoints overrides M of N for every target', () => {
    const { template } = synth({ alarmDatapoints: { down: { datapointsToAlarm: 1, evaluationPeriods: 1 } } });
    for (const target of Object.keys(PERIODS)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: alarmName(target, { id: 'down' }),
        DatapointsToAlarm: 1,
        EvaluationPeriods: 1,
      });
    }
  });

  it('refuses at synth, listing every problem: M over N, a number of periods CloudWatch cannot evaluate', () => {
    expect(() =>
      synth({
        schedules: { staging: Duration.minutes(30) },
        alarmDatapoints: {
          down: { datapointsToAlarm: 3, evaluationPeriods: 2 },
          degraded: { datapointsToAlarm: 1, evaluationPeriods: 60 },
        },
      }),
    ).toThrow(
      /alarmDatapoints\.down: datapointsToAlarm \(3\) exceeds evaluationPeriods \(2\)[\s\S]*download-doctor-TestHealthchecks-staging-degraded: 60 periods of 1800 s \(the schedule of "staging"\) span 108000 s, over CloudWatch's 86400 s/,
    );
  });
});

describe('the TLS warning and the runbook', () => {
  it('warns when a certificate has fewer days left than the threshold (14 unless tlsDaysLeftThreshold says)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName('production', { id: 'tls-expiry' }),
      MetricName: METRICS.tlsDaysLeft,
      Namespace: NAMESPACE,
      Statistic: 'Minimum',
      Threshold: 14,
      ComparisonOperator: 'LessThanThreshold',
      AlarmActions: [ref(hc.alarmTopic)],
    });
    const { template: t } = synth({ tlsDaysLeftThreshold: 30 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName('staging', { id: 'tls-expiry' }),
      Threshold: 30,
    });
    expect(() => synth({ tlsDaysLeftThreshold: 0 })).toThrow(
      /tlsDaysLeftThreshold: must be a whole number of days/,
    );
  });

  it("names the target's runbook in its alarms' descriptions", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName('production', { id: 'down' }),
      AlarmDescription: Match.stringLikeRegexp('Runbook: https://wiki.example.com/runbooks/downloads$'),
    });
  });
});

describe('the paging path', () => {
  it("keeps what the notifier could not page in an encrypted queue: after Lambda's retries, or SNS's", () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(hc.notifier),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: arnOf(hc.notifierDeadLetters) } },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: { deadLetterTargetArn: arnOf(hc.notifierDeadLetters) },
    });
  });

  it('alarms the monitor topic, 1 of 1, on a dead letter, dropped or undelivered events, and failed notifications', () => {
    const once = {
      Threshold: 1,
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      AlarmActions: [ref(hc.monitorTopic)],
    };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...once,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [hcId(hc.notifierDeadLetters), 'QueueName'] } },
      ],
    });
    for (const metric of ['AsyncEventsDropped', 'DestinationDeliveryFailures'])
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...once,
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: ref(hc.notifier) }],
      });
    for (const topic of [hc.pageTopic, hc.alarmTopic])
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ...once,
        Namespace: 'AWS/SNS',
        MetricName: 'NumberOfNotificationsFailed',
        Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [hcId(topic), 'TopicName'] } }],
      });
    expect(Object.keys(hc.monitorAlarms)).toEqual(
      expect.arrayContaining(['NotifierDeadLetters', 'NotifierEventsDropped', 'PageTopicFailures']),
    );
  });

  it("lets CloudWatch use the topics' key for this account's alarms only", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111122223333' },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });
});

describe("the monitor's own alarms", () => {
  it('workflow runs failed, timed out or throttled, to the monitor topic, 2 of 3 periods of the longest schedule, missing data not breaching', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: ref(hc.stateMachine) }],
        Statistic: 'Sum',
        Period: 900,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        DatapointsToAlarm: 2,
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
        AlarmActions: [ref(hc.monitorTopic)],
        OKActions: [ref(hc.monitorTopic)],
      });
    }
  });

  it("every function's errors, the notifier's included", () => {
    for (const fn of [...Object.values(hc.functions), hc.notifier]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: ref(fn) }],
        TreatMissingData: 'notBreaching',
        AlarmActions: [ref(hc.monitorTopic)],
        OKActions: [ref(hc.monitorTopic)],
      });
    }
    expect(Object.keys(hc.monitorAlarms)).toContain('Errors-notifier');
  });

  it('every alarm, target or monitor, notifies both ALARM and OK', () => {
    // Per target its rules; the runs (3); every function's errors; the paging path (5).
    const count = 2 * TARGET_ALARMS.length + 3 + Object.keys(hc.functions).length + 1 + 5;
    template.resourceCountIs('AWS::CloudWatch::Alarm', count);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [Match.anyValue()],
      OKActions: [Match.anyValue()],
    });
  });
});

describe('the topics and their key', () => {
  it('one customer-managed key, rotated, that CloudWatch alarms may use', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('three topics, each encrypted with that key and refusing publishes without TLS', () => {
    template.resourceCountIs('AWS::SNS::Topic', 3);
    template.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(hc.topicKey) });
    for (const topic of [hc.pageTopic, hc.alarmTopic, hc.monitorTopic]) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(topic)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it("lets this account's alarms publish to the alarm and monitor topics, not to the page topic", () => {
    const fromAlarms = Match.objectLike({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: {
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:111122223333:alarm:*'],
            ],
          },
        },
      },
    });
    for (const topic of [hc.alarmTopic, hc.monitorTopic]) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(topic)],
        PolicyDocument: { Statement: Match.arrayWith([fromAlarms]) },
      });
    }
    const [pagePolicy] = Object.values(
      template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [ref(hc.pageTopic)] } }),
    );
    expect(JSON.stringify(pagePolicy)).not.toContain('cloudwatch.amazonaws.com');
  });
});

describe('the notifier and the report', () => {
  it('subscribes the notifier to the alarm topic, and lets SNS invoke it from that topic only', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: ref(hc.alarmTopic),
      Endpoint: arnOf(hc.notifier),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      FunctionName: arnOf(hc.notifier),
      SourceArn: ref(hc.alarmTopic),
    });
  });

  it('gives the notifier the report bucket, the page topic and the workflow to name in the page', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: `download-doctor ${INSTANCE}: the notifier: pages with the verdict`,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 128,
      Environment: {
        Variables: {
          REPORT_BUCKET: ref(hc.reportBucket),
          PAGE_TOPIC_ARN: ref(hc.pageTopic),
          STATE_MACHINE_ARN: ref(hc.stateMachine),
          INSTANCE_NAME: INSTANCE,
          DASHBOARD_NAME: `download-doctor-${INSTANCE}`,
        },
      },
      // The runbooks are in the config layer, beside the config (runbooks.json).
      Layers: [ref(hc.configLayer)],
    });
  });

  it('sizes the report function like diagnose (128 MB, 10 s) and gives it the bucket', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp(`^download-doctor ${INSTANCE}: the report`),
      MemorySize: 128,
      Timeout: 10,
      Environment: { Variables: { REPORT_BUCKET: ref(hc.reportBucket), INSTANCE_NAME: INSTANCE } },
    });
  });

  it('keeps the report bucket private, encrypted and TLS-only', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(hc.reportBucket),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('keeps report and notifier (and diagnose) out of the VPC: only the checks join it', () => {
    const { template } = synth({}, true);
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Description: string; VpcConfig?: unknown };
    }[];
    const inVpc = functions.filter((f) => f.Properties.VpcConfig).map((f) => f.Properties.Description);
    expect(inVpc.sort()).toEqual(LAYERS.map((l) => `download-doctor ${INSTANCE}: the ${l} check`).sort());
  });
});

describe('least privilege for telemetry', () => {
  const logs = expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] });
  const xray = expect.objectContaining({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] });

  it('report: put the targets’ latest reports and their pages, and metric data in our namespace only', () => {
    expect(statementsOf(hc.functions.report.role)).toEqual([
      logs,
      xray,
      { Effect: 'Allow', Action: 's3:PutObject', Resource: [...reportObjects(), ...reportObjects('html')] },
      {
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': NAMESPACE } },
      },
    ]);
  });

  it('notifier: read the latest reports, publish to the page topic, with its key, and re-arm paging alarms', () => {
    expect(statementsOf(hc.notifier.role)).toEqual([
      logs,
      xray,
      // The on-failure destination: its dead-letter queue.
      expect.objectContaining({
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Resource: arnOf(hc.notifierDeadLetters),
      }),
      { Effect: 'Allow', Action: 's3:GetObject', Resource: reportObjects() },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: ref(hc.pageTopic) },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: arnOf(hc.topicKey) },
      // The alarms' names: test/infra/construct.test.ts.
      { Effect: 'Allow', Action: 'cloudwatch:SetAlarmState', Resource: expect.any(Array) },
    ]);
  });

  it('no other function may publish metrics, write reports or page', () => {
    for (const [name, fn] of Object.entries(hc.functions)) {
      if (name === 'report') continue;
      expect(JSON.stringify(statementsOf(fn.role))).not.toMatch(
        /cloudwatch:|s3:PutObject|sns:|kms:GenerateDataKey/,
      );
    }
  });
});

describe('the dashboard', () => {
  /** The dashboard's widgets, with CloudFormation references blanked out. */
  function widgets(): { properties: { title?: string; period?: number; metrics?: unknown[][] } }[] {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
    }[];
    const body = (dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? [])
      .map((p) => (typeof p === 'string' ? p : 'REF'))
      .join('');
    return JSON.parse(body).widgets;
  }
  const graphed = (period: number) =>
    widgets()
      .filter((w) => w.properties.period === period)
      .flatMap((w) => w.properties.metrics ?? [])
      .map((m) => m.filter((x) => typeof x === 'string').join(' '));

  it('graphs per target its verdict, and per layer success, duration and first byte, one point per run', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    for (const [target, period] of Object.entries(PERIODS)) {
      const metrics = graphed(period);
      expect(metrics).toContain(`${NAMESPACE} ${METRICS.healthy} ${DIMENSIONS.target} ${target}`);
      for (const layer of LAYERS) {
        for (const name of [METRICS.checkSuccess, METRICS.checkDuration, METRICS.checkFirstByte]) {
          expect(metrics).toContain(
            `${NAMESPACE} ${name} ${DIMENSIONS.layer} ${layer} ${DIMENSIONS.target} ${target}`,
          );
        }
      }
    }
  });

  it("graphs the monitor's health: failed, timed-out and throttled runs, and every function's errors", () => {
    const metrics = graphed(900); // the monitor's period: the longest schedule
    for (const m of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled'])
      expect(metrics).toContain(`AWS/States ${m} StateMachineArn REF`);
    expect(metrics.filter((m) => m === 'AWS/Lambda Errors FunctionName REF')).toHaveLength(
      Object.keys(hc.functions).length + 1,
    );
  });
});
