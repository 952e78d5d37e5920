/**
 * The AWS side of telemetry, as Template assertions: the alarms built from TARGET_ALARMS, the topics and their
 * key, the notifier's wiring, the report bucket, least privilege, and the dashboard. Bundling is skipped (the
 * bundles have their own test), so each synth takes a second.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
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
const { namespace: NAMESPACE } = instanceNames(INSTANCE);

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

describe('the alarm rules, stepped by the report function: no CloudWatch alarm per target', () => {
  it("deploys the rules (with their overrides) and each target's period in the config layer, for the report and plan functions", () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', Object.keys(hc.monitorAlarms).length);
    const { hc: h } = synth({
      alarmDatapoints: { down: { datapointsToAlarm: 1, evaluationPeriods: 1, recoverAfter: 3 } },
      tlsDaysLeftThreshold: 30,
    });
    const deployment = h.deployment;
    expect(deployment.targets).toEqual([
      // Each target's confirmDelayMs (the default here): the plan gives the workflow its seconds to wait.
      { name: 'production', periodMs: 300_000, confirmDelayMs: 2000 },
      { name: 'staging', periodMs: 900_000, confirmDelayMs: 2000 },
    ]);
    expect(deployment.rules.find((r) => r.id === 'down')).toMatchObject({
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
      recoverAfter: 3,
      confirmedAtOnce: true,
    });
    expect(deployment.rules.find((r) => r.id === 'tls-expiry')?.threshold).toBe(30);
    // 4 starts a second: one target every 5 minutes and one every 15, a quarter of a second each.
    expect(deployment).toMatchObject({ metrics: 'summary', spreadMs: { '300000': 250, '900000': 250 } });
  });

  it("the defaults the README and the prop's TSDoc state: down 2 of 3 (a confirmed failure at once), degraded 3 of 3, both back after 2 healthy runs", () => {
    const byId = Object.fromEntries(TARGET_ALARMS.map((r) => [r.id, r]));
    expect(byId.down).toMatchObject({
      datapointsToAlarm: 2,
      evaluationPeriods: 3,
      confirmedAtOnce: true,
      recoverAfter: 2,
      treatMissingData: 'notBreaching',
    });
    expect(byId.degraded).toMatchObject({
      datapointsToAlarm: 3,
      evaluationPeriods: 3,
      recoverAfter: 2,
      topic: 'page',
    });
    expect(byId['no-data']).toMatchObject({ treatMissingData: 'breaching', topic: 'monitor' });
    expect(byId['monitor-warning']).toMatchObject({ metric: METRICS.monitorWarning, topic: 'monitor' });
  });

  it('refuses at synth, listing every problem: M over N, a number of periods past what a target keeps', () => {
    expect(() =>
      synth({
        alarmDatapoints: {
          down: { datapointsToAlarm: 3, evaluationPeriods: 2 },
          degraded: { datapointsToAlarm: 1, evaluationPeriods: 600 },
        },
      }),
    ).toThrow(
      /alarmDatapoints\.down: datapointsToAlarm \(3\) exceeds evaluationPeriods \(2\)[\s\S]*alarmDatapoints\.degraded\.evaluationPeriods: must be a whole number of periods, 1 to 100 \(got 600\)/,
    );
    expect(() => synth({ tlsDaysLeftThreshold: 0 })).toThrow(
      /tlsDaysLeftThreshold: must be a whole number of days/,
    );
  });

  it("keeps each target's state in a table paid per request, its history expiring", () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
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
  it('workflow runs failed or timed out, to the monitor topic, 2 of 3 periods of the longest schedule, missing data not breaching; throttled on Standard only', () => {
    const standard = synth({ workflowType: sfn.StateMachineType.STANDARD });
    expect(Object.keys(standard.hc.monitorAlarms)).toContain('ExecutionThrottled');
    expect(Object.keys(hc.monitorAlarms)).not.toContain('ExecutionThrottled');
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
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

  it('no run at all alarms the monitor: the workflow succeeded nowhere in a period of the shortest schedule, missing data breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `download-doctor-${INSTANCE}-monitor-NoRuns`,
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsSucceeded',
      Dimensions: [{ Name: 'StateMachineArn', Value: ref(hc.stateMachine) }],
      Period: 300,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [ref(hc.monitorTopic)],
    });
  });

  it("keeps the dead letters' alarm in ALARM while a message waits: SQS stops its metrics after six idle hours", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      TreatMissingData: 'ignore',
    });
  });

  it('every alarm notifies both ALARM and OK; their number does not depend on the targets', () => {
    // The runs (2: failed, timed out; throttling is Standard's only) and no runs (1); every function's errors (the
    // Task functions, the plan, the notifier); the paging path (5).
    const count = 2 + 1 + Object.keys(hc.functions).length + 2 + 5;
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

  it("lets this account's alarms publish to the monitor topic, not to the page or alarm topics (functions publish there)", () => {
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
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(hc.monitorTopic)],
      PolicyDocument: { Statement: Match.arrayWith([fromAlarms]) },
    });
    for (const topic of [hc.pageTopic, hc.alarmTopic]) {
      const [policy] = Object.values(
        template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [ref(topic)] } }),
      );
      expect(JSON.stringify(policy)).not.toContain('cloudwatch.amazonaws.com');
    }
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
          MONITOR_TOPIC_ARN: ref(hc.monitorTopic),
          STATE_MACHINE_ARN: ref(hc.stateMachine),
          INSTANCE_NAME: INSTANCE,
          DASHBOARD_NAME: `download-doctor-${INSTANCE}`,
        },
      },
      // The runbooks are in the config layer, beside the config (runbooks.json).
      Layers: [ref(hc.configLayer)],
    });
  });

  it('sizes the report function like diagnose (128 MB, 10 s) and gives it the bucket, the table and the alarm topic', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp(`^download-doctor ${INSTANCE}: the report`),
      MemorySize: 128,
      Timeout: 10,
      Environment: {
        Variables: {
          REPORT_BUCKET: ref(hc.reportBucket),
          INSTANCE_NAME: INSTANCE,
          TABLE_NAME: ref(hc.table),
          ALARM_TOPIC_ARN: ref(hc.alarmTopic),
        },
      },
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

  const reports = () => ({ 'Fn::Join': ['', [arnOf(hc.reportBucket), '/latest/*']] });
  const publish = (...topics: { node: { defaultChild?: unknown } }[]) => [
    {
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: topics.length === 1 ? ref(topics[0] as never) : topics.map(ref),
    },
    { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: arnOf(hc.topicKey) },
  ];

  it('report: put the reports under their prefix, its items of the table, the transitions to the alarm topic; no PutMetricData', () => {
    expect(statementsOf(hc.functions.report.role)).toEqual([
      logs,
      { Effect: 'Allow', Action: 's3:PutObject', Resource: reports() },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: arnOf(hc.table) },
      ...publish(hc.alarmTopic),
    ]);
  });

  it('plan: read the items in a batch, write a silent one, publish its no-data', () => {
    expect(statementsOf(hc.planFunction.role)).toEqual([
      logs,
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: arnOf(hc.table),
      },
      ...publish(hc.alarmTopic),
    ]);
  });

  it('notifier: read the reports, publish to the page and monitor topics, with their key; no SetAlarmState', () => {
    expect(statementsOf(hc.notifier.role)).toEqual([
      logs,
      // The on-failure destination: its dead-letter queue.
      expect.objectContaining({
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Resource: arnOf(hc.notifierDeadLetters),
      }),
      { Effect: 'Allow', Action: 's3:GetObject', Resource: reports() },
      ...publish(hc.pageTopic, hc.monitorTopic),
    ]);
  });

  it('no other function may write reports, the table, or page', () => {
    for (const [name, fn] of Object.entries(hc.functions)) {
      if (name === 'report') continue;
      expect(JSON.stringify(statementsOf(fn.role))).not.toMatch(
        /cloudwatch:|s3:PutObject|sns:|kms:GenerateDataKey|dynamodb:/,
      );
    }
  });
});

describe('the dashboard', () => {
  /** The dashboard's body, with CloudFormation references blanked out. */
  function body(t = template): {
    widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
    variables?: Record<string, unknown>[];
  } {
    const [dashboard] = Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
    }[];
    const parts = dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? [];
    return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'REF')).join(''));
  }
  const expressions = (t = template) =>
    body(t)
      .widgets.flatMap((w) => w.properties.metrics ?? [])
      .flatMap((m) => m.filter((x) => typeof x === 'object' && x !== null && 'expression' in x))
      .map((x) => (x as { expression: string }).expression);

  it('shows the fleet through Metrics Insights queries grouped by target: the most failing, the slowest', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(expressions()).toEqual([
      `SELECT AVG(Healthy) FROM SCHEMA("${NAMESPACE}", Target) GROUP BY Target ORDER BY AVG() ASC LIMIT 10`,
      `SELECT MAX(Duration) FROM SCHEMA("${NAMESPACE}", Target) GROUP BY Target ORDER BY MAX() DESC LIMIT 10`,
    ]);
  });

  it('chooses one target through a dashboard variable over the Target dimension', () => {
    expect(body().variables).toEqual([
      expect.objectContaining({
        type: 'property',
        property: DIMENSIONS.target,
        inputType: 'select',
        id: 'target',
        defaultValue: 'production',
      }),
    ]);
    const metrics = body().widgets.flatMap((w) => w.properties.metrics ?? []);
    expect(metrics).toContainEqual([
      NAMESPACE,
      METRICS.healthy,
      DIMENSIONS.target,
      'production',
      expect.anything(),
    ]);
  });

  it('has the same widgets and metrics for 5 targets as for 2: nothing per target', () => {
    const names = ['production', 'staging', 'eu', 'us', 'ap'];
    const one = synth({ config: { targets: names.map((name) => publicTargetInput({ name })) } as never });
    expect(body(one.template).widgets.length).toBe(body().widgets.length);
    expect(JSON.stringify(body(one.template)).length).toBe(JSON.stringify(body()).length);
  });

  it("graphs the monitor's health: runs succeeded, failed, timed out and throttled, and every function's errors", () => {
    const metrics = body()
      .widgets.flatMap((w) => w.properties.metrics ?? [])
      .map((m) => m.filter((x) => typeof x === 'string').join(' '));
    for (const m of ['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled'])
      expect(metrics).toContain(`AWS/States ${m} StateMachineArn REF`);
    expect(metrics.filter((m) => m === 'AWS/Lambda Errors FunctionName REF')).toHaveLength(
      Object.keys(hc.functions).length + 2,
    );
  });
});
