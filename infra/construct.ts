/**
 * DownloadHealthchecks: the checks on Lambda (one function per layer, plus diagnose and report), the workflow on
 * Step Functions (the chain of infra/workflow.ts, unchanged), a schedule per target, the metrics' alarms with the
 * notifier that pages with the verdict (and its dead-letter queue, watched), a dashboard, outputs, least-privilege
 * IAM (infra/iam.ts), and optionally a heartbeat and a deploy-time self-test.
 * One set of functions serves every target: the target travels in the execution input, by name.
 *
 * The constructor reads as a list of parts: every prop is resolved once first (infra/props.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Config } from '../functions/config/schema.ts';
import { LAYERS } from '../functions/contract/names.ts';
import type { HandlerName } from '../functions/contract/workflow.ts';
import { HANDLER_NAMES } from '../functions/contract/workflow.ts';
import { packageRoot } from '../functions/package-root.ts';
import { dashboardConsoleUrl } from '../functions/render/page.ts';
import { configLayerDir, configLayerFiles } from './config-layer.ts';
import { DownloadHealthchecksError } from './errors.ts';
import {
  acknowledgeTracing,
  acknowledgeWorkflowRole,
  functionRole,
  grantNotifier,
  grantReport,
  grantSecrets,
  grantSelfTest,
  grantStorage,
  grantVpcAccess,
} from './iam.ts';
import { type DownloadHealthchecksProps, type Resolved, resolveProps } from './props.ts';
import { SelfTest } from './self-test.ts';
import {
  createDashboard,
  createMonitorAlarms,
  createPagingAlarms,
  createTargetAlarms,
  createTopics,
  type MonitorAlarmId,
  type RuleId,
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
  report: 'the report: metrics, the latest report for the notifier, the heartbeat',
  notifier: 'the notifier: pages with the verdict',
  'self-test': 'the deploy-time self-test: every check of every target',
};

/** Every function of the construct: the Task states', the notifier and the self-test. */
type FunctionName = HandlerName | 'notifier' | 'self-test';

/**
 * The prebuilt bundle of a function (`npm run build` writes dist/lambda/NAME/index.mjs; the package ships them):
 * a user's `cdk synth` needs neither esbuild nor Docker, and the code deployed is the code tested.
 */
function prebuiltCode(name: FunctionName): lambda.Code {
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
  /** The config as written and the targets' runbooks (infra/config-layer.ts), read by the functions at cold start. */
  readonly configLayer: lambda.LayerVersion;
  /** One function per Task state, by handler name. */
  readonly functions: Readonly<Record<HandlerName, lambda.Function>>;
  readonly stateMachine: sfn.StateMachine;
  /** One schedule per target, by target name. */
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /** The full-run schedules of the targets with `fullRunEvery`, by target name. */
  readonly fullRunSchedules: Readonly<Record<string, scheduler.Schedule>>;
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
  /** The deploy-time self-test, when `selfTest` is on. */
  readonly selfTest?: SelfTest;
  /** The target alarms, by target name and rule id (`alarms.production.down`). */
  readonly alarms: Readonly<Record<string, Readonly<Record<RuleId, cloudwatch.Alarm>>>>;
  /** The monitor's alarms: runs, function errors (`Errors-FUNCTION`), and the paging path. */
  readonly monitorAlarms: Readonly<Record<MonitorAlarmId, cloudwatch.Alarm>>;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DownloadHealthchecksProps) {
    super(scope, id);
    const r = resolveProps(this, id, props);
    this.instanceName = r.names.instance;
    this.config = r.config;
    // Not the dashboard: CloudFormation's AWS::CloudWatch::Dashboard takes no Tags (cfn-lint E3002).
    for (const [key, value] of Object.entries(r.tags))
      Tags.of(this).add(key, value, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });

    const logGroups: Partial<Record<FunctionName, logs.LogGroup>> = {};
    const fn = (name: FunctionName, options: FunctionOptions) => {
      const f = this.prebuiltFunction(r, name, options);
      logGroups[name] = f.logGroup;
      return f.fn;
    };
    const layerFiles = configLayerFiles(r.configInput, r.config);
    this.configLayer = new lambda.LayerVersion(this, 'Config', {
      description: 'download-doctor: the config of the checks',
      code: lambda.Code.fromAsset(configLayerDir(this, layerFiles)),
    });
    this.reportBucket = this.createReportBucket(r);

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
    grantReport(this.functions.report, this.reportBucket, r.config, r.names.namespace);

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
    acknowledgeWorkflowRole(this.stateMachine.role, Object.values(this.functions));
    if (r.workflowLogs.level !== sfn.LogLevel.ALL)
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason:
          'Errors only by default: level ALL with payloads is the largest per-run cost, and each run keeps its report ' +
          '(S3) and its metrics; workflowLogLevel ALL turns it on.',
      });
    this.logGroups = { ...logGroups, workflow: workflowLogs };
    this.schedules = this.createSchedules(r);
    this.fullRunSchedules = this.createFullRunSchedules(r);

    // The paging path: alarm → alarm topic → notifier → page topic, and what it could not page kept and watched.
    const topics = createTopics(this);
    this.topicKey = topics.key;
    this.pageTopic = topics.page;
    this.alarmTopic = topics.alarm;
    this.monitorTopic = topics.monitor;
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
        STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
        INSTANCE_NAME: r.names.instance,
        DASHBOARD_NAME: r.names.dashboard,
      },
      onFailure: new destinations.SqsDestination(this.notifierDeadLetters),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    grantNotifier(this.notifier, this.reportBucket, r.config, this.pageTopic, this.topicKey, r.names);
    this.alarmTopic.addSubscription(
      new subscriptions.LambdaSubscription(this.notifier, { deadLetterQueue: this.notifierDeadLetters }),
    );

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

    // Alarms, the dashboard, the outputs.
    const watchedFunctions = { ...this.functions, notifier: this.notifier };
    this.alarms = createTargetAlarms(this, r.alarmRules, r.intervals, topics, r.names, r.config);
    this.monitorAlarms = {
      ...createMonitorAlarms(
        this,
        this.stateMachine,
        watchedFunctions,
        this.monitorTopic,
        r.monitorPeriod,
        r.monitorDatapoints,
        r.names,
      ),
      ...createPagingAlarms(
        this,
        { notifier: this.notifier, deadLetters: this.notifierDeadLetters, topics },
        r.names,
      ),
    };
    this.dashboard = createDashboard(
      this,
      r.intervals,
      this.stateMachine,
      watchedFunctions,
      [
        ...Object.values(this.alarms).flatMap((byRule) => Object.values(byRule)),
        ...Object.values(this.monitorAlarms),
      ],
      r.monitorPeriod,
      r.names,
    );
    this.createOutputs(r);
  }

  /** A function of a prebuilt bundle on the resolved runtime (arm64), with its own log group and role. */
  private prebuiltFunction(r: Resolved, name: FunctionName, options: FunctionOptions) {
    const { inVpc, ...rest } = options;
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      retention: r.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = functionRole(this, name, logGroup);
    const vpc = inVpc ? r.vpc : undefined;
    if (vpc) grantVpcAccess(role);
    const f = new lambda.Function(this, `${name}Function`, {
      description: `download-doctor ${r.names.instance}: ${PURPOSES[name]}`,
      code: prebuiltCode(name),
      handler: 'index.handler',
      runtime: r.runtime,
      architecture: lambda.Architecture.ARM_64,
      // The config layer: the checks, diagnose and the self-test read the config at cold start, the notifier its
      // runbooks; the report function reads nothing of it.
      layers: [this.configLayer],
      tracing: r.tracing ? lambda.Tracing.ACTIVE : undefined,
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

  /** One schedule per target, named `INSTANCE-TARGET`, starting the workflow with `{"target": NAME}`. */
  private createSchedules(r: Resolved): Record<string, scheduler.Schedule> {
    const schedules: Record<string, scheduler.Schedule> = {};
    for (const [name, every] of Object.entries(r.intervals)) {
      schedules[name] = new scheduler.Schedule(this, `Schedule-${name}`, {
        scheduleName: r.names.schedule(name),
        description: `download-doctor ${r.names.instance}: run target "${name}" every ${every.toHumanString()}`,
        schedule: scheduler.ScheduleExpression.rate(every),
        target: new targets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject({ target: name }),
          retryAttempts: 0, // the next run comes soon enough; a retry would only double a page
        }),
      });
    }
    return schedules;
  }

  /** A target's full runs (`fullRunEvery` N): a second schedule, every N intervals, that runs all four checks. */
  private createFullRunSchedules(r: Resolved): Record<string, scheduler.Schedule> {
    const schedules: Record<string, scheduler.Schedule> = {};
    for (const t of r.config.targets) {
      const every = r.intervals[t.name];
      if (!t.fullRunEvery || !every) continue;
      schedules[t.name] = new scheduler.Schedule(this, `FullRunSchedule-${t.name}`, {
        // "." cannot be in a target name: no target's own schedule has this name.
        scheduleName: r.names.schedule(`${t.name}.full`),
        description: `download-doctor ${r.names.instance}: a full run of target "${t.name}" (all four checks) every ${t.fullRunEvery} runs`,
        schedule: scheduler.ScheduleExpression.rate(Duration.seconds(every.toSeconds() * t.fullRunEvery)),
        target: new targets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject({ target: t.name, allLayers: true }),
          retryAttempts: 0,
        }),
      });
    }
    return schedules;
  }

  /** What an operator looks up after a deploy: the workflow, the topics, the dashboard. */
  private createOutputs(r: Resolved): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description: `download-doctor ${r.names.instance}: ${description}` });
    out('StateMachineArn', this.stateMachine.stateMachineArn, 'the workflow (start a run by hand)');
    out('PageTopicArn', this.pageTopic.topicArn, 'pages for on-call (subscribe here)');
    out('AlarmTopicArn', this.alarmTopic.topicArn, "the target alarms' raw notifications");
    out('MonitorTopicArn', this.monitorTopic.topicArn, "the monitor's own health (subscribe its owners)");
    out('DashboardUrl', dashboardConsoleUrl(Stack.of(this).region, r.names.dashboard), 'the dashboard');
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
