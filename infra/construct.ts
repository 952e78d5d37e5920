/**
 * DownloadHealthchecks: the checks on Lambda (one function per layer, plus diagnose and report), the workflow on
 * Step Functions (the chain of infra/workflow.ts, unchanged), one schedule per distinct interval starting the fleet
 * workflow (infra/fleet.ts: the plan, then each target's run at its own offset), the alarms stepped by the report
 * function with their memory in a DynamoDB table and the notifier that pages with the verdict (and its dead-letter
 * queue, watched), the monitor's own alarms, a dashboard of fixed size, outputs, least-privilege IAM scoped by name
 * prefix (infra/iam.ts), and optionally a heartbeat and a deploy-time self-test.
 * One set of functions serves every target: the target travels in the execution input, by name. The template has
 * the same resources for 1 target or 1,000 (test/infra/scale.test.ts).
 *
 * The constructor reads as a list of parts: every prop is resolved once first (infra/props.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Deployment } from '../functions/alerting/deployment.ts';
import { TABLE_KEYS } from '../functions/alerting/names.ts';
import type { Config } from '../functions/config/schema.ts';
import { LAYERS } from '../functions/contract/names.ts';
import type { HandlerName } from '../functions/contract/workflow.ts';
import { HANDLER_NAMES } from '../functions/contract/workflow.ts';
import { packageRoot } from '../functions/package-root.ts';
import { dashboardConsoleUrl } from '../functions/render/page.ts';
import { configLayerDir, configLayerFiles } from './config-layer.ts';
import { createDashboard } from './dashboard.ts';
import { DownloadHealthchecksError } from './errors.ts';
import { buildFleet, createIntervalSchedules, targetsPerInterval } from './fleet.ts';
import {
  acknowledgeTracing,
  acknowledgeWorkflowRole,
  functionRole,
  grantNotifier,
  grantPlan,
  grantReport,
  grantSecrets,
  grantSelfTest,
  grantSlots,
  grantStorage,
  grantVpcAccess,
} from './iam.ts';
import { registerHome, slotFactsOf } from './pairing.ts';
import { type DownloadHealthchecksProps, FIXED, type Resolved, resolveProps } from './props.ts';
import { SelfTest } from './self-test.ts';
import {
  createDecideAlarm,
  createMonitorAlarms,
  createPagingAlarms,
  createTopics,
  type DecideAlarmId,
  type MonitorAlarmId,
} from './telemetry.ts';
import { buildWorkflow } from './workflow.ts';

export type { DownloadHealthchecksProps } from './props.ts';

/** The check functions, one per layer: the only ones that join the VPC. */
const CHECKS: ReadonlySet<string> = new Set(LAYERS);
const PURPOSES: Record<FunctionName, string> = {
  'end-to-end': 'the end-to-end check',
  app: 'the app check',
  storage: 'the storage check',
  proxy: 'the proxy check',
  diagnose: 'the diagnose rules',
  report: 'the report: metrics, alarms, the report for the notifier, the heartbeat',
  notifier: 'the notifier: pages with the verdict',
  plan: "the plan of a fleet's tick: each target's start, and no-data of silent ones",
  'self-test': 'the deploy-time self-test: every check of every target',
};

/** Every function of the construct: the Task states', the notifier and the self-test. */
type FunctionName = HandlerName | 'notifier' | 'self-test' | 'plan';

/**
 * The prebuilt bundle of a function (`npm run build` writes dist/lambda/NAME/index.mjs; the package ships them):
 * a user's `cdk synth` needs neither esbuild nor Docker, and the code deployed is the code tested.
 */
export function prebuiltCode(name: FunctionName | 'probe'): lambda.Code {
  const dir = join(packageRoot(), 'dist', 'lambda', name);
  if (!existsSync(join(dir, 'index.mjs'))) {
    throw new DownloadHealthchecksError(
      `the prebuilt Lambda bundle ${dir}/index.mjs is missing: reinstall download-doctor (in its repository: npm run build)`,
    );
  }
  return lambda.Code.fromAsset(dir);
}

export class DownloadHealthchecks extends Construct {
  /** The instance's name: in its alarm, schedule and dashboard names, and its metric namespace. */
  readonly instanceName: string;
  /** The validated config (extra sentinels expanded into targets); the functions carry it as written. */
  readonly config: Config;
  /** What the report and plan functions read at cold start: each target's period, the rules as deployed, ... */
  readonly deployment: Deployment;
  /** The config as written and the targets' runbooks (infra/config-layer.ts), read by the functions at cold start. */
  readonly configLayer: lambda.LayerVersion;
  /** One function per Task state, by handler name. */
  readonly functions: Readonly<Record<HandlerName, lambda.Function>>;
  /** The per-target workflow (infra/workflow.ts): a scheduled run, a manual one, the CLI's, all start it. */
  readonly stateMachine: sfn.StateMachine;
  /** The fleet workflow (Express): at each tick of an interval, plans its targets and starts each at its offset. */
  readonly fleet: sfn.StateMachine;
  /** The fleet's plan function. */
  readonly planFunction: lambda.Function;
  /** One schedule per distinct interval, by its label (`5m`, `1h`), starting the fleet workflow. */
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /** Each target's state (its alarms' memory, its last run) and history (days, incidents): one item each. */
  readonly table: dynamodb.Table;
  /** The functions' log groups by function name, and the workflow's under `workflow`. */
  readonly logGroups: Readonly<Partial<Record<FunctionName, logs.LogGroup>> & { workflow: logs.LogGroup }>;
  /** Each target's latest report (`latest/TARGET.json`): written by the report function, read by the notifier. */
  readonly reportBucket: s3.Bucket;
  /** The key of the three topics; CloudWatch alarms may use it to publish. */
  readonly topicKey: kms.Key;
  /** Pages for on-call (subscribe here), from the notifier, with a `severity` message attribute. */
  readonly pageTopic: sns.Topic;
  /** The `page` alarms' raw ALARM and OK notifications; the notifier turns them into pages. */
  readonly alarmTopic: sns.Topic;
  /** The monitor's own health: the `no-data` alarms, failed or throttled runs, function errors, the paging path. */
  readonly monitorTopic: sns.Topic;
  /** Subscribed to `alarmTopic`: reads the target's latest report and publishes the page to `pageTopic`. */
  readonly notifier: lambda.Function;
  /** What the notifier could not page (after Lambda's retries, or SNS's): its depth alarms the monitor topic. */
  readonly notifierDeadLetters: sqs.Queue;
  /**
   * With several locations (the config's `locations`): each slot's results, the home's run and each probe Region's,
   * named `download-doctor-INSTANCE-slots` (the probe stacks write it by name, across Regions).
   */
  readonly slotsTable?: dynamodb.Table;
  /** With several locations: the slots to decide, at once or at their deadline (`download-doctor-INSTANCE-decide`). */
  readonly decideQueue?: sqs.Queue;
  /** With several locations: the decide queue's messages that failed 5 times; its alarm is `DecideDeadLetters`. */
  readonly decideDeadLetters?: sqs.Queue;
  /** The deploy-time self-test, when `selfTest` is on. */
  readonly selfTest?: SelfTest;
  /** The monitor's alarms, a constant number: runs, no runs, function errors (`Errors-FUNCTION`), the paging path. */
  readonly monitorAlarms: Readonly<
    Record<Exclude<MonitorAlarmId, DecideAlarmId>, cloudwatch.Alarm> &
      Partial<Record<DecideAlarmId, cloudwatch.Alarm>>
  >;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DownloadHealthchecksProps) {
    super(scope, id);
    const r = resolveProps(this, id, props);
    const facts = slotFactsOf(r);
    const unpaired = facts ? registerHome(this, facts) : [];
    if (unpaired.length)
      throw new DownloadHealthchecksError(`DownloadHealthchecks "${id}":\n${unpaired.join('\n')}`);
    this.instanceName = r.names.instance;
    this.config = r.config;
    this.deployment = r.deployment;
    // Not the dashboard: CloudFormation's AWS::CloudWatch::Dashboard takes no Tags (cfn-lint E3002).
    for (const [key, value] of Object.entries(r.tags))
      Tags.of(this).add(key, value, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });

    const logGroups: Partial<Record<FunctionName, logs.LogGroup>> = {};
    const fn = (name: FunctionName, options: FunctionOptions) => {
      const f = prebuiltFunction(this, r, name, this.configLayer, {
        description: `download-doctor ${r.names.instance}: ${PURPOSES[name]}`,
        ...options,
      });
      logGroups[name] = f.logGroup;
      return f.fn;
    };
    const layerFiles = configLayerFiles(r.configInput, r.config, r.deployment);
    this.configLayer = new lambda.LayerVersion(this, 'Config', {
      description: 'download-doctor: the config of the checks',
      code: lambda.Code.fromAsset(configLayerDir(this, layerFiles)),
    });
    this.reportBucket = this.createReportBucket(r);
    this.table = this.createTable(r);
    const topics = createTopics(this);
    this.topicKey = topics.key;
    this.pageTopic = topics.page;
    this.alarmTopic = topics.alarm;
    this.monitorTopic = topics.monitor;

    // The workflow's functions, and their rights.
    const functions: Partial<Record<HandlerName, lambda.Function>> = {};
    for (const name of HANDLER_NAMES) {
      const isCheck = CHECKS.has(name);
      functions[name] = fn(name, {
        memorySize: isCheck ? r.memorySize : 128,
        timeout: isCheck ? r.checkTimeout : r.diagnoseTimeout,
        environment:
          name === 'report'
            ? {
                REPORT_BUCKET: this.reportBucket.bucketName,
                INSTANCE_NAME: r.names.instance,
                TABLE_NAME: this.table.tableName,
                ALARM_TOPIC_ARN: this.alarmTopic.topicArn,
                ...(r.heartbeatUrl ? { HEARTBEAT_URL: r.heartbeatUrl } : {}),
              }
            : undefined,
        inVpc: isCheck,
      });
    }
    this.functions = functions as Record<HandlerName, lambda.Function>;
    grantStorage(this.functions.storage, r.config);
    // The proxy check of a private bucket signs its request: S3 then checks the proxy function's own rights.
    grantStorage(this.functions.proxy, r.config, (s) => s.proxyAuth === 'presigned');
    grantSecrets(this.functions, r.config);
    grantReport(this.functions.report, this.reportBucket, this.table, this.alarmTopic, this.topicKey);

    // The workflow. No TimeoutSeconds: the definition stays exactly the chain the CLI runs. Runs are bounded all
    // the same, by the Lambda timeouts and the bounded retries (worstRunSeconds, checked against Express's limit).
    const workflowLogs = new logs.LogGroup(this, 'workflowLogs', {
      logGroupName: r.names.workflowLogGroup,
      retention: r.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      stateMachineType: r.workflowType,
      definitionBody: sfn.DefinitionBody.fromChainable(buildWorkflow(this, this.functions)),
      tracingEnabled: r.tracing,
      logs: { destination: workflowLogs, ...r.workflowLogs },
    });
    acknowledgeWorkflowRole(this.stateMachine.role, Object.values(this.functions), r.tracing);
    if (r.workflowLogs.level !== sfn.LogLevel.ALL)
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason:
          'Errors only by default: level ALL with payloads is the largest per-run cost, and each run keeps its report ' +
          '(S3) and its metrics; workflowLogLevel ALL turns it on.',
      });

    // The fleet: one schedule per interval, the plan, each target started at its offset.
    this.planFunction = fn('plan', {
      memorySize: 128,
      timeout: FIXED.planTimeout,
      environment: {
        INSTANCE_NAME: r.names.instance,
        TABLE_NAME: this.table.tableName,
        ALARM_TOPIC_ARN: this.alarmTopic.topicArn,
      },
    });
    grantPlan(this.planFunction, this.table, this.alarmTopic, this.topicKey);
    const fleetLogs = new logs.LogGroup(this, 'fleetLogs', {
      logGroupName: `${r.names.workflowLogGroup}-fleet`,
      retention: r.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fleet = new sfn.StateMachine(this, 'Fleet', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildFleet(this, this.planFunction, this.stateMachine, r.maxConcurrency),
      ),
      tracingEnabled: r.tracing,
      logs: { destination: fleetLogs, level: sfn.LogLevel.ERROR, includeExecutionData: false },
    });
    acknowledgeWorkflowRole(this.fleet.role, [this.planFunction], r.tracing);
    if (!r.tracing)
      for (const machine of [this.stateMachine, this.fleet])
        Validations.of(machine).acknowledge({
          id: 'AwsSolutions-SF2',
          reason:
            'X-Ray is off by default: a trace a run is the largest per-run charge after the workflow (docs/cost.md); ' +
            'the tracing prop turns it on for the workflows and the functions.',
        });
    Validations.of(this.fleet).acknowledge({
      id: 'AwsSolutions-SF1',
      reason: 'Errors only: a tick that starts its runs logs nothing; each run logs in its own workflow.',
    });
    this.logGroups = { ...logGroups, workflow: workflowLogs };
    this.schedules = createIntervalSchedules(
      this,
      this.fleet,
      r.fleetIntervals,
      (label) => r.names.schedule(label),
      (label, n) => `download-doctor ${r.names.instance}: every ${label}, start the runs of ${n} target(s)`,
      targetsPerInterval(r.intervals),
    );

    // The paging path: the report function's transitions → alarm topic → notifier → page or monitor topic, and what
    // it could not page kept and watched.
    this.notifierDeadLetters = new sqs.Queue(this, 'NotifierDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.notifierDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the dead-letter queue: of the notifier's asynchronous invocations and of its SNS subscription.",
    });
    this.notifier = fn('notifier', {
      memorySize: 128,
      timeout: r.notifierTimeout,
      environment: {
        REPORT_BUCKET: this.reportBucket.bucketName,
        PAGE_TOPIC_ARN: this.pageTopic.topicArn,
        MONITOR_TOPIC_ARN: this.monitorTopic.topicArn,
        STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
        INSTANCE_NAME: r.names.instance,
        DASHBOARD_NAME: r.names.dashboard,
      },
      onFailure: new destinations.SqsDestination(this.notifierDeadLetters),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    grantNotifier(this.notifier, this.reportBucket, topics, this.topicKey);
    this.alarmTopic.addSubscription(
      new subscriptions.LambdaSubscription(this.notifier, { deadLetterQueue: this.notifierDeadLetters }),
    );

    let decideAlarm: Partial<Record<DecideAlarmId, cloudwatch.Alarm>> = {};
    if (r.deployment.locations) {
      const slots = this.createSlots(r);
      this.slotsTable = slots.table;
      this.decideQueue = slots.queue;
      this.decideDeadLetters = slots.deadLetters;
      decideAlarm = {
        DecideDeadLetters: createDecideAlarm(this, slots.deadLetters, this.monitorTopic, r.names),
      };
    }

    if (r.selfTest) {
      const selfTestFn = fn('self-test', {
        memorySize: 128,
        timeout: r.selfTestTimeout,
        environment: {
          CHECK_FUNCTIONS: Stack.of(this).toJsonString(
            Object.fromEntries(LAYERS.map((layer) => [layer, this.functions[layer].functionName])),
          ),
        },
      });
      const checks = LAYERS.map((layer) => this.functions[layer]);
      grantSelfTest(selfTestFn, checks);
      this.selfTest = new SelfTest(this, 'SelfTest', {
        fn: selfTestFn,
        checks,
        configText: layerFiles.config,
      });
    }

    // The monitor's alarms, the dashboard, the outputs: a constant number, whatever the number of targets.
    const watchedFunctions = { ...this.functions, plan: this.planFunction, notifier: this.notifier };
    const shortest = Duration.millis(r.fleetIntervals[0] ?? FIXED.defaultSchedule.toMilliseconds());
    const noRunsPeriod = Duration.seconds(Math.max(FIXED.monitorPeriod.toSeconds(), shortest.toSeconds()));
    this.monitorAlarms = {
      ...createMonitorAlarms(
        this,
        this.stateMachine,
        watchedFunctions,
        this.monitorTopic,
        r.monitorPeriod,
        r.monitorDatapoints,
        r.names,
        noRunsPeriod,
        r.workflowType === sfn.StateMachineType.STANDARD,
      ),
      ...createPagingAlarms(
        this,
        { notifier: this.notifier, deadLetters: this.notifierDeadLetters, topics },
        r.names,
      ),
      ...decideAlarm,
    };
    this.dashboard = createDashboard(
      this,
      {
        workflow: this.stateMachine,
        fleet: this.fleet,
        functions: watchedFunctions,
        alarms: Object.values(this.monitorAlarms),
        period: shortest,
        monitorPeriod: r.monitorPeriod,
        firstTarget: r.config.targets[0]?.name ?? '',
      },
      r.names,
    );
    this.createOutputs(r);
  }

  /** Private, encrypted, TLS only; no lifecycle: two objects per target, overwritten by every run. */
  private createReportBucket(r: Resolved): s3.Bucket {
    const destroy = r.reportBucketRemovalPolicy === RemovalPolicy.DESTROY;
    const bucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: r.reportBucketRemovalPolicy,
      autoDeleteObjects: destroy,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds one small report per target, overwritten by each run and touched only by two roles of this construct; access logs would need a second bucket and outgrow the data (CloudTrail data events remain available).',
    });
    if (destroy) {
      // CDK's one provider per stack that empties the bucket before CloudFormation deletes it.
      const provider = Stack.of(this).node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
      if (provider)
        for (const [id, reason] of [
          [
            'AwsSolutions-IAM4',
            "CDK's auto-delete-objects provider uses AWSLambdaBasicExecutionRole for its own logs.",
          ],
          ['AwsSolutions-L1', 'CDK chooses the runtime of its auto-delete-objects provider.'],
        ] as const)
          Validations.of(provider).acknowledge({ id, reason });
    }
    return bucket;
  }

  /**
   * The targets' state and history: one partition per target (its state item, its days, its incidents), paid per
   * request (a run reads and writes one item), history expiring by TTL; kept like the report bucket.
   */
  private createTable(r: Resolved): dynamodb.Table {
    return new dynamodb.Table(this, 'Targets', {
      partitionKey: { name: TABLE_KEYS.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_KEYS.ttl,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: r.reportBucketRemovalPolicy,
    });
  }

  /**
   * Several locations: the slots table and the decide queue, both named, which the report function reads and writes
   * (it decides the slots) and is triggered by, each message on its own (a partial batch response: one that fails
   * is delivered again alone); what fails to be decided five times waits in the decide queue's own dead-letter
   * queue, whose alarm the monitor's owners get (not the notifier's: a decision failed, not a page).
   */
  private createSlots(r: Resolved) {
    const table = new dynamodb.Table(this, 'Slots', {
      tableName: r.names.slotsTable,
      partitionKey: { name: TABLE_KEYS.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_KEYS.ttl,
      // A slot is worth a day: it is decided within its period; the target's state keeps what counts.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        "Each item is one slot's results for a day (TTL), decided within its period: the targets' state and history live in the other table, which has point-in-time recovery.",
    });
    const report = this.functions.report;
    const deadLetters = new sqs.Queue(this, 'DecideDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue: of the decide queue.',
    });
    const queue = new sqs.Queue(this, 'DecideQueue', {
      queueName: r.names.decideQueue,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * r.diagnoseTimeout.toSeconds()),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });
    report.addEnvironment('SLOTS_TABLE', table.tableName);
    report.addEnvironment('DECIDE_QUEUE_URL', queue.queueUrl);
    grantSlots(report, table, queue);
    report.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
    return { table, queue, deadLetters };
  }

  /** What an operator looks up after a deploy: the workflow, the topics, the dashboard. */
  private createOutputs(r: Resolved): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description: `download-doctor ${r.names.instance}: ${description}` });
    out('StateMachineArn', this.stateMachine.stateMachineArn, 'the workflow (start a run by hand)');
    out('FleetStateMachineArn', this.fleet.stateMachineArn, "the fleet workflow (each interval's ticks)");
    out('TableName', this.table.tableName, "the targets' state and history");
    out('PageTopicArn', this.pageTopic.topicArn, 'pages for on-call (subscribe here)');
    out('AlarmTopicArn', this.alarmTopic.topicArn, "the alarms' transitions, as JSON");
    out('MonitorTopicArn', this.monitorTopic.topicArn, "the monitor's own health (subscribe its owners)");
    out('DashboardUrl', dashboardConsoleUrl(Stack.of(this).region, r.names.dashboard), 'the dashboard');
    if (this.slotsTable) out('SlotsTableName', this.slotsTable.tableName, "each slot's results, by location");
  }
}

/** What a function's creation varies in. */
type FunctionOptions = Omit<
  lambda.FunctionProps,
  'code' | 'handler' | 'runtime' | 'architecture' | 'logGroup' | 'role' | 'layers'
> & {
  /** A check: it joins the VPC, when there is one. */
  inVpc?: boolean;
};

/**
 * A function of a prebuilt bundle on the resolved runtime (arm64, JSON logs), with the config layer, its own log
 * group and role: every function of the home's construct and the probe function of DownloadProbes alike.
 */
export function prebuiltFunction(
  scope: Construct,
  r: Resolved,
  name: FunctionName | 'probe',
  configLayer: lambda.ILayerVersion,
  options: FunctionOptions,
) {
  const { inVpc, ...rest } = options;
  const logGroup = new logs.LogGroup(scope, `${name}Logs`, {
    retention: r.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = functionRole(scope, name, logGroup);
  const vpc = inVpc ? r.vpc : undefined;
  if (vpc) grantVpcAccess(role);
  const f = new lambda.Function(scope, `${name}Function`, {
    code: prebuiltCode(name),
    handler: 'index.handler',
    runtime: r.runtime,
    architecture: lambda.Architecture.ARM_64,
    // The config layer: the checks, diagnose, the self-test and the probe read the config at cold start, the notifier
    // its runbooks; the report function reads nothing of it.
    layers: [configLayer],
    tracing: r.tracing ? lambda.Tracing.ACTIVE : undefined,
    // JSON: Logs Insights queries the lines by their fields (the report function's run lines: target, layer).
    loggingFormat: lambda.LoggingFormat.JSON,
    ...rest,
    ...(vpc ?? {}),
    logGroup,
    role,
  });
  if (r.tracing) acknowledgeTracing(role);
  Validations.of(f).acknowledge({
    id: 'AwsSolutions-L1',
    reason: `${r.runtime.name} is the runtime chosen (runtime prop); the bundles are built and tested for Node.js 22.`,
  });
  return { fn: f, logGroup };
}
