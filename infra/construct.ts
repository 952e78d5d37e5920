/**
 * DownloadHealthchecks: the checks on Lambda (one function per layer, plus diagnose and report), the workflow on
 * Step Functions (the chain of infra/workflow.ts, unchanged), a schedule per target, the metrics' alarms with the
 * notifier that pages with the verdict, a dashboard, and least-privilege IAM.
 * One set of functions serves every target: the target travels in the execution input, by name.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  type Config,
  type ConfigInput,
  formatProblems,
  type S3StorageConfig,
  type Target,
  validateConfig,
} from '../functions/core/config.ts';
import { DownloadHealthchecksError } from '../functions/core/errors.ts';
import { LAYERS } from '../functions/core/names.ts';
import { NAMESPACE, reportKey, reportPageKey } from '../functions/core/telemetry.ts';
import type { HandlerName } from '../functions/core/workflow.ts';
import { CONFIG_IN_LAYER, TASK_STATES } from '../functions/core/workflow.ts';
import { packageRoot } from '../functions/package-root.ts';
import { secretRefs, synthProblems } from './limits.ts';
import {
  type AlarmDatapoints,
  createDashboard,
  createMonitorAlarms,
  createTargetAlarms,
  createTopics,
  type MonitorAlarmId,
  type RuleId,
  resolveAlarmRules,
} from './telemetry.ts';
import { buildWorkflow } from './workflow.ts';

export interface DownloadHealthchecksProps {
  /** The targets, as in download-doctor.config.ts (validated here; a bad config fails the synth). */
  readonly config: ConfigInput;
  /**
   * How often each target runs.
   * @default Duration.minutes(5)
   */
  readonly defaultSchedule?: Duration;
  /**
   * Per-target schedules, by target name, overriding `defaultSchedule`.
   * @default - every target on `defaultSchedule`
   */
  readonly schedules?: Readonly<Record<string, Duration>>;
  /**
   * Express costs about a twentieth of Standard for this workflow (README, "Cost"); Standard keeps a year of
   * history in the console and allows runs past 5 minutes.
   * @default sfn.StateMachineType.EXPRESS
   */
  readonly workflowType?: sfn.StateMachineType;
  /**
   * The Lambda timeout of each check. Every check's `timeoutMs` must fit in it, with 3 s of headroom.
   * @default Duration.seconds(30)
   */
  readonly checkTimeout?: Duration;
  /**
   * Memory of the check functions. CPU grows with it: hashing a large sentinel is faster with more.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * A VPC for the check functions, when the app port or the proxy has private addresses. The checks then need an
   * S3 gateway endpoint (storage), interface endpoints or NAT for Secrets Manager and SSM (secret headers), and a
   * route to every URL they check. Diagnose stays outside the VPC: it makes no network calls.
   * @default - no VPC
   */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - one security group allowing all egress, created by Lambda */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Retention of the functions' and the workflow's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * M of N per alarm rule, overriding TARGET_ALARMS (functions/core/telemetry.ts), for every target. A period is
   * the target's schedule interval: `{ down: { datapointsToAlarm: 1, evaluationPeriods: 1 } }` pages on the
   * first failed run. M must not exceed N.
   * @default - TARGET_ALARMS: `down` 2 of 3, `degraded` 3 of 3, `no-data` 2 of 3
   */
  readonly alarmDatapoints?: Readonly<Partial<Record<RuleId, AlarmDatapoints>>>;
}

const DEFAULTS = {
  defaultSchedule: Duration.minutes(5),
  workflowType: sfn.StateMachineType.EXPRESS,
  checkTimeout: Duration.seconds(30),
  diagnoseTimeout: Duration.seconds(10),
  memorySize: 256,
  logRetention: logs.RetentionDays.ONE_MONTH,
  /** Two SDK calls of 5 s at most (read the report, publish the page), and a cold start. */
  notifierTimeout: Duration.seconds(30),
  /** The period of the monitor's own alarms and graphs. */
  monitorPeriod: Duration.minutes(5),
} as const;

/** The check functions, one per layer. The others (diagnose, report, notifier) are small, and out of any VPC. */
const CHECKS: ReadonlySet<string> = new Set(LAYERS);
const PURPOSES: Record<FunctionName, string> = {
  'end-to-end': 'the end-to-end check',
  app: 'the app check',
  storage: 'the storage check',
  proxy: 'the proxy check',
  diagnose: 'the diagnose rules',
  report: 'the report: metrics, and the latest report for the notifier',
  notifier: 'the notifier: pages with the verdict',
};

/** Every function of the construct: the Task states' and the notifier. */
type FunctionName = HandlerName | 'notifier';

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

/**
 * The config as written, in a directory of its own that becomes the config layer (CONFIG_IN_LAYER under /opt). It
 * goes into the cloud assembly's directory, named by its hash, so that a synth writes nothing elsewhere.
 */
function configLayerDir(scope: Construct, config: ConfigInput): string {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(Stage.of(scope)?.outdir ?? tmpdir(), `download-doctor-config.${hash}`);
  const file = join(dir, CONFIG_IN_LAYER);
  if (!existsSync(file)) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}

export class DownloadHealthchecks extends Construct {
  /** The validated config (extra sentinels expanded into targets); the functions carry it as written. */
  readonly config: Config;
  /** The config as written, read by every Task state's function at cold start. */
  readonly configLayer: lambda.LayerVersion;
  /** One function per Task state, by handler name. */
  readonly functions: Readonly<Record<HandlerName, lambda.Function>>;
  readonly stateMachine: sfn.StateMachine;
  /** One schedule per target, by target name. */
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /** The full-run schedules of the targets with `fullRunEvery`, by target name. */
  readonly fullRunSchedules: Readonly<Record<string, scheduler.Schedule>>;
  /** The functions' log groups by function name (the notifier's included), and the workflow's under `workflow`. */
  readonly logGroups: Readonly<Record<FunctionName | 'workflow', logs.LogGroup>>;
  /** Each target's latest report (`latest/TARGET.json`): written by the report function, read by the notifier. */
  readonly reportBucket: s3.Bucket;
  /** The key of the three topics; CloudWatch alarms may use it to publish. */
  readonly topicKey: kms.Key;
  /** Pages for on-call (subscribe here), from the notifier: the target, the verdict, the evidence, how to rerun. */
  readonly pageTopic: sns.Topic;
  /** The `page` alarms' raw ALARM and OK notifications; the notifier turns them into pages. */
  readonly alarmTopic: sns.Topic;
  /** The monitor's own health: the `no-data` alarms, failed or throttled runs, function errors. */
  readonly monitorTopic: sns.Topic;
  /** Subscribed to `alarmTopic`: reads the target's latest report and publishes the page to `pageTopic`. */
  readonly notifier: lambda.Function;
  /** The target alarms, by target name and rule id (`alarms.production.down`). */
  readonly alarms: Readonly<Record<string, Readonly<Record<RuleId, cloudwatch.Alarm>>>>;
  /** The monitor's alarms: `ExecutionsFailed`, `ExecutionsTimedOut`, `ExecutionThrottled`, `Errors-FUNCTION`. */
  readonly monitorAlarms: Readonly<Record<MonitorAlarmId, cloudwatch.Alarm>>;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DownloadHealthchecksProps) {
    super(scope, id);
    const v = validateConfig(props.config);
    if (!v.ok) throw new DownloadHealthchecksError(`invalid config:\n${formatProblems(v.problems)}`);
    this.config = v.config;
    const checkTimeout = props.checkTimeout ?? DEFAULTS.checkTimeout;
    const workflowType = props.workflowType ?? DEFAULTS.workflowType;
    const intervals = Object.fromEntries(
      this.config.targets.map((t) => [
        t.name,
        props.schedules?.[t.name] ?? props.defaultSchedule ?? DEFAULTS.defaultSchedule,
      ]),
    );
    const alarmRules = resolveAlarmRules(
      props.alarmDatapoints,
      Object.fromEntries(Object.entries(intervals).map(([name, every]) => [name, every.toSeconds()])),
    );
    const problems = [
      ...synthProblems(this.config, {
        checkTimeoutSeconds: checkTimeout.toSeconds(),
        // The report function has the diagnose function's timeout: worstRunSeconds counts both with it.
        diagnoseTimeoutSeconds: DEFAULTS.diagnoseTimeout.toSeconds(),
        express: workflowType === sfn.StateMachineType.EXPRESS,
        scheduledTargets: Object.keys(props.schedules ?? {}),
      }),
      ...alarmRules.problems,
    ];
    if (problems.length)
      throw new DownloadHealthchecksError(`DownloadHealthchecks "${id}":\n${problems.join('\n')}`);

    const retention = props.logRetention ?? DEFAULTS.logRetention;
    const logGroups: Partial<Record<FunctionName | 'workflow', logs.LogGroup>> = {};
    const logGroup = (name: FunctionName | 'workflow') => {
      logGroups[name] = new logs.LogGroup(this, `${name}Logs`, {
        retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      return logGroups[name];
    };
    // Node.js 22 on arm64, each function's prebuilt bundle (ESM).
    const prebuiltFunction = (
      name: FunctionName,
      options: Omit<
        lambda.FunctionProps,
        'code' | 'handler' | 'runtime' | 'architecture' | 'logGroup' | 'role'
      >,
    ) => {
      const group = logGroup(name);
      return new lambda.Function(this, `${name}Function`, {
        description: `download-doctor: ${PURPOSES[name]}`,
        code: prebuiltCode(name),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        ...options,
        logGroup: group,
        role: this.functionRole(name, group),
      });
    };
    // The config as written (validated above), read and validated again at cold start (functions/handlers/
    // lambda.ts): the validated form has extra sentinels expanded into targets.
    this.configLayer = new lambda.LayerVersion(this, 'Config', {
      description: 'download-doctor: the config of the checks',
      code: lambda.Code.fromAsset(configLayerDir(this, props.config)),
    });

    // Private, encrypted, TLS only; no lifecycle: one object per target, overwritten by every run.
    this.reportBucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });

    const functions: Partial<Record<HandlerName, lambda.Function>> = {};
    for (const name of Object.values(TASK_STATES)) {
      const isCheck = CHECKS.has(name);
      functions[name] = prebuiltFunction(name, {
        memorySize: isCheck ? (props.memorySize ?? DEFAULTS.memorySize) : 128,
        timeout: isCheck ? checkTimeout : DEFAULTS.diagnoseTimeout,
        layers: [this.configLayer],
        ...(name === 'report' ? { environment: { REPORT_BUCKET: this.reportBucket.bucketName } } : {}),
        ...(isCheck && props.vpc
          ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }
          : {}),
      });
    }
    this.functions = functions as Record<HandlerName, lambda.Function>;
    this.grantStorage(this.functions.storage);
    // The proxy check of a private bucket signs its request: S3 then checks the proxy function's own rights.
    this.grantStorage(this.functions.proxy, (s) => s.proxyAuth === 'presigned');
    this.grantSecrets();
    this.grantReport(this.functions.report);
    // No TimeoutSeconds: the definition stays exactly the chain the CLI runs. Runs are bounded all the same, by
    // the Lambda timeouts and the bounded retries (worstRunSeconds, checked against Express's limit above).
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      stateMachineType: workflowType,
      definitionBody: sfn.DefinitionBody.fromChainable(buildWorkflow(this, this.functions)),
      tracingEnabled: true,
      logs: { destination: logGroup('workflow'), level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    const schedules: Record<string, scheduler.Schedule> = {};
    for (const [name, every] of Object.entries(intervals)) {
      schedules[name] = new scheduler.Schedule(this, `Schedule-${name}`, {
        description: `download-doctor: run target "${name}" every ${every.toHumanString()}`,
        schedule: scheduler.ScheduleExpression.rate(every),
        target: new targets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject({ target: name }),
          retryAttempts: 0, // the next run comes soon enough; a retry would only double a page
        }),
      });
    }
    this.schedules = schedules;
    // A target's full runs (`fullRunEvery` N): a second schedule, every N intervals, that runs all four checks.
    const fullRunSchedules: Record<string, scheduler.Schedule> = {};
    for (const t of this.config.targets) {
      const every = intervals[t.name];
      if (!t.fullRunEvery || !every) continue;
      fullRunSchedules[t.name] = new scheduler.Schedule(this, `FullRunSchedule-${t.name}`, {
        description: `download-doctor: a full run of target "${t.name}" (all four checks) every ${t.fullRunEvery} runs`,
        schedule: scheduler.ScheduleExpression.rate(Duration.seconds(every.toSeconds() * t.fullRunEvery)),
        target: new targets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject({ target: t.name, allLayers: true }),
          retryAttempts: 0,
        }),
      });
    }
    this.fullRunSchedules = fullRunSchedules;

    const topics = createTopics(this);
    this.topicKey = topics.key;
    this.pageTopic = topics.page;
    this.alarmTopic = topics.alarm;
    this.monitorTopic = topics.monitor;

    // An alarm's own notification cannot carry the verdict: the notifier adds it (functions/handlers/lambda/).
    this.notifier = prebuiltFunction('notifier', {
      memorySize: 128,
      timeout: DEFAULTS.notifierTimeout,
      environment: {
        REPORT_BUCKET: this.reportBucket.bucketName,
        PAGE_TOPIC_ARN: this.pageTopic.topicArn,
        STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
      },
    });
    this.grantNotifier(this.notifier);
    this.alarmTopic.addSubscription(new subscriptions.LambdaSubscription(this.notifier));
    this.logGroups = logGroups as Record<FunctionName | 'workflow', logs.LogGroup>;

    const allFunctions = { ...this.functions, notifier: this.notifier };
    this.alarms = createTargetAlarms(this, alarmRules.rules, intervals, topics);
    this.monitorAlarms = createMonitorAlarms(
      this,
      this.stateMachine,
      allFunctions,
      this.monitorTopic,
      DEFAULTS.monitorPeriod,
    );
    this.dashboard = createDashboard(
      this,
      intervals,
      this.stateMachine,
      allFunctions,
      [
        ...Object.values(this.alarms).flatMap((byRule) => Object.values(byRule)),
        ...Object.values(this.monitorAlarms),
      ],
      DEFAULTS.monitorPeriod,
    );
    this.acknowledge();
  }

  /** A role per function with only what it needs to write its own logs (no managed policy). */
  private functionRole(name: FunctionName, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, `${name}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `download-doctor ${name} function`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`],
      }),
    );
    return role;
  }

  /**
   * s3:GetObject on the sentinel keys only; s3:ListBucket only for those keys as prefixes, so that a missing key
   * reads as NoSuchKey rather than AccessDenied; kms:Decrypt only on the keys the config names, through S3.
   */
  private grantStorage(fn: lambda.Function, only: (s: S3StorageConfig) => boolean = () => true): void {
    const s3Targets = this.config.targets.flatMap((t) =>
      t.storage?.type === 's3' && only(t.storage) ? [t.storage] : [],
    );
    if (s3Targets.length === 0) return;
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: unique(s3Targets.map((s) => `arn:${stack.partition}:s3:::${s.bucket}/${s.key}`)),
      }),
    );
    for (const bucket of unique(s3Targets.map((s) => s.bucket))) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [`arn:${stack.partition}:s3:::${bucket}`],
          conditions: {
            StringEquals: {
              's3:prefix': unique(s3Targets.filter((s) => s.bucket === bucket).map((s) => s.key)),
            },
          },
        }),
      );
    }
    for (const s of s3Targets) {
      if (!s.kmsKeyArn) continue;
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [s.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${s.region}.amazonaws.com` } },
        }),
      );
    }
  }

  /**
   * Each target's latest report, nothing else: the JSON (written by the report function, read by the notifier),
   * and with `keyOf = reportPageKey` its HTML page (written by the report function).
   */
  private reportObjectArns(keyOf: (target: string) => string = reportKey): string[] {
    return this.config.targets.map((t) => this.reportBucket.arnForObjects(keyOf(t.name)));
  }

  /** s3:PutObject on the latest reports and pages; PutMetricData in our namespace only (no resource type). */
  private grantReport(fn: lambda.Function): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [...this.reportObjectArns(), ...this.reportObjectArns(reportPageKey)],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': NAMESPACE } },
      }),
    );
  }

  /** s3:GetObject on the latest reports; publish to the page topic, with its key (SNS encrypts with it). */
  private grantNotifier(fn: lambda.Function): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: this.reportObjectArns() }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.pageTopic.topicArn] }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.topicKey.keyArn],
      }),
    );
  }

  /** Each check function may read exactly the secrets its own headers reference. */
  private grantSecrets(): void {
    const stack = Stack.of(this);
    const checks: [HandlerName, (t: Target) => Target['app']['headers']][] = [
      ['end-to-end', (t) => t.endToEnd.headers],
      ['app', (t) => t.app.headers],
      ['proxy', (t) => t.proxy?.headers],
    ];
    for (const [name, headers] of checks) {
      const refs = this.config.targets.flatMap((t) => secretRefs(headers(t)));
      const secretArns = unique(
        refs.flatMap((r) =>
          'secretsManager' in r
            ? [
                r.secretsManager.startsWith('arn:')
                  ? r.secretsManager
                  : // A secret's ARN ends in a random suffix of six characters after its name.
                    stack.formatArn({
                      service: 'secretsmanager',
                      resource: 'secret',
                      resourceName: `${r.secretsManager}-??????`,
                      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                    }),
              ]
            : [],
        ),
      );
      const parameterArns = unique(
        refs.flatMap((r) =>
          'ssm' in r
            ? [
                r.ssm.startsWith('arn:')
                  ? r.ssm
                  : stack.formatArn({
                      service: 'ssm',
                      resource: 'parameter',
                      resourceName: r.ssm.replace(/^\//, ''),
                    }),
              ]
            : [],
        ),
      );
      const fn = this.functions[name];
      if (secretArns.length) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }),
        );
      }
      if (parameterArns.length) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: parameterArns }),
        );
      }
    }
  }

  /** cdk-nag (AwsSolutions) findings that are right for this construct, each acknowledged with its reason. */
  private acknowledge(): void {
    const stack = Stack.of(this);
    const arnOf = (c: Construct) => `<${stack.getLogicalId(c.node.defaultChild as CfnElement)}.Arn>`;
    const ack = (scope: Construct, finding: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    const all = { ...this.functions, notifier: this.notifier };
    for (const [name, fn] of Object.entries(all) as [FunctionName, lambda.Function][]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime the checks are built and tested on (the local CLI runs the same code on it).',
      });
      ack(
        fn.role as iam.Role,
        `Resource::${arnOf(this.logGroups[name])}:log-stream:*`,
        "Lambda names its log streams at run time; the grant stays within the function's own log group.",
      );
      if (name === 'notifier') continue; // not a Task state: the workflow does not invoke it
      ack(
        this.stateMachine.role,
        `Resource::${arnOf(fn)}:*`,
        'The workflow invokes this one function; CDK also grants its versions and aliases (ARN:*), nothing else.',
      );
    }
    ack(
      this.functions.report.role as iam.Role,
      'Resource::*',
      'cloudwatch:PutMetricData has no resource type (AWS documents "*"); a cloudwatch:namespace condition limits it to our namespace.',
    );
    Validations.of(this.reportBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds one small report per target, overwritten by each run and touched only by two roles of this construct; access logs would need a second bucket and outgrow the data (CloudTrail data events remain available).',
    });
    ack(
      this.stateMachine.role,
      'Resource::*',
      'X-Ray trace segments and CloudWatch Logs log delivery accept no narrower resource (AWS documents "*" for both).',
    );
  }
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
