/**
 * DownloadHealthchecks: the checks on Lambda (one function per layer, plus diagnose), the workflow on Step
 * Functions (the chain of infra/workflow.ts, unchanged), a schedule per target, and least-privilege IAM.
 * One set of functions serves every target: the target travels in the execution input, by name.
 */
import { fileURLToPath } from 'node:url';
import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  type Config,
  type ConfigInput,
  formatProblems,
  type Target,
  validateConfig,
} from '../functions/core/config.ts';
import type { HandlerName } from '../functions/core/workflow.ts';
import { TASK_STATES } from '../functions/core/workflow.ts';
import { secretRefs, synthProblems } from './limits.ts';
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
}

const DEFAULTS = {
  defaultSchedule: Duration.minutes(5),
  workflowType: sfn.StateMachineType.EXPRESS,
  checkTimeout: Duration.seconds(30),
  diagnoseTimeout: Duration.seconds(10),
  memorySize: 256,
  logRetention: logs.RetentionDays.ONE_MONTH,
} as const;

const ENTRY_DIR = fileURLToPath(new URL('../functions/handlers/lambda/', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Raised at synth time for a combination that cannot work; lists every problem. */
export class DownloadHealthchecksError extends Error {
  override name = 'DownloadHealthchecksError';
}

export class DownloadHealthchecks extends Construct {
  /** The validated config the functions carry. */
  readonly config: Config;
  /** One function per Task state, by handler name. */
  readonly functions: Readonly<Record<HandlerName, nodejs.NodejsFunction>>;
  readonly stateMachine: sfn.StateMachine;
  /** One schedule per target, by target name. */
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /** The functions' log groups by handler name, and the workflow's under `workflow`. */
  readonly logGroups: Readonly<Record<HandlerName | 'workflow', logs.LogGroup>>;

  constructor(scope: Construct, id: string, props: DownloadHealthchecksProps) {
    super(scope, id);
    const v = validateConfig(props.config);
    if (!v.ok) throw new DownloadHealthchecksError(`invalid config:\n${formatProblems(v.problems)}`);
    this.config = v.config;
    const checkTimeout = props.checkTimeout ?? DEFAULTS.checkTimeout;
    const workflowType = props.workflowType ?? DEFAULTS.workflowType;
    const problems = synthProblems(this.config, {
      checkTimeoutSeconds: checkTimeout.toSeconds(),
      diagnoseTimeoutSeconds: DEFAULTS.diagnoseTimeout.toSeconds(),
      express: workflowType === sfn.StateMachineType.EXPRESS,
      scheduledTargets: Object.keys(props.schedules ?? {}),
    });
    if (problems.length)
      throw new DownloadHealthchecksError(`DownloadHealthchecks "${id}":\n${problems.join('\n')}`);

    const retention = props.logRetention ?? DEFAULTS.logRetention;
    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, { retention, removalPolicy: RemovalPolicy.DESTROY });

    const logGroups: Partial<Record<HandlerName | 'workflow', logs.LogGroup>> = {};
    const functions: Partial<Record<HandlerName, nodejs.NodejsFunction>> = {};
    for (const name of Object.values(TASK_STATES)) {
      const isCheck = name !== 'diagnose';
      logGroups[name] = logGroup(name);
      functions[name] = new nodejs.NodejsFunction(this, `${name}Function`, {
        description: `download-doctor: the ${name} ${isCheck ? 'check' : 'rules'}`,
        entry: `${ENTRY_DIR}${name}.ts`,
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: isCheck ? (props.memorySize ?? DEFAULTS.memorySize) : 128,
        timeout: isCheck ? checkTimeout : DEFAULTS.diagnoseTimeout,
        logGroup: logGroups[name],
        role: this.functionRole(name, logGroups[name]),
        ...(isCheck && props.vpc
          ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }
          : {}),
        bundling: {
          format: nodejs.OutputFormat.ESM,
          target: 'node22',
          mainFields: ['module', 'main'],
          minify: true,
          // No source maps: loading them slows every cold start, and a failed check is a result, not a stack.
          sourceMap: false,
          // Bundle the AWS SDK too: the version we test is the version that runs.
          externalModules: [],
          bundleAwsSDK: true,
          // Some dependencies still call require(); ESM needs it defined.
          banner:
            "import { createRequire as __dd_cr } from 'node:module'; const require = __dd_cr(import.meta.url);",
          // The validated config, baked in: read once at cold start (functions/handlers/lambda.ts).
          define: { 'process.env.DOWNLOAD_DOCTOR_CONFIG': JSON.stringify(JSON.stringify(this.config)) },
        },
      });
    }
    this.functions = functions as Record<HandlerName, nodejs.NodejsFunction>;
    this.grantStorage(this.functions.storage);
    this.grantSecrets();

    logGroups.workflow = logGroup('workflow');
    this.logGroups = logGroups as Record<HandlerName | 'workflow', logs.LogGroup>;
    // No TimeoutSeconds: the definition stays exactly the chain the CLI runs. Runs are bounded all the same, by
    // the Lambda timeouts and the bounded retries (worstRunSeconds, checked against Express's limit above).
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      stateMachineType: workflowType,
      definitionBody: sfn.DefinitionBody.fromChainable(buildWorkflow(this, this.functions)),
      tracingEnabled: true,
      logs: { destination: logGroups.workflow, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    const schedules: Record<string, scheduler.Schedule> = {};
    for (const t of this.config.targets) {
      const every = props.schedules?.[t.name] ?? props.defaultSchedule ?? DEFAULTS.defaultSchedule;
      schedules[t.name] = new scheduler.Schedule(this, `Schedule-${t.name}`, {
        description: `download-doctor: run target "${t.name}" every ${every.toHumanString()}`,
        schedule: scheduler.ScheduleExpression.rate(every),
        target: new targets.StepFunctionsStartExecution(this.stateMachine, {
          input: scheduler.ScheduleTargetInput.fromObject({ target: t.name }),
          retryAttempts: 0, // the next run comes soon enough; a retry would only double a page
        }),
      });
    }
    this.schedules = schedules;
    this.acknowledge();
  }

  /** A role per function with only what it needs to write its own logs (no managed policy). */
  private functionRole(name: HandlerName, logGroup: logs.LogGroup): iam.Role {
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
  private grantStorage(fn: nodejs.NodejsFunction): void {
    const s3Targets = this.config.targets.flatMap((t) => (t.storage.type === 's3' ? [t.storage] : []));
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

  /** Each check function may read exactly the secrets its own headers reference. */
  private grantSecrets(): void {
    const stack = Stack.of(this);
    const checks: [HandlerName, (t: Target) => Target['app']['headers']][] = [
      ['end-to-end', (t) => t.endToEnd.headers],
      ['app', (t) => t.app.headers],
      ['proxy', (t) => t.proxy.headers],
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
    for (const [name, fn] of Object.entries(this.functions) as [HandlerName, nodejs.NodejsFunction][]) {
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
      ack(
        this.stateMachine.role,
        `Resource::${arnOf(fn)}:*`,
        'The workflow invokes this one function; CDK also grants its versions and aliases (ARN:*), nothing else.',
      );
    }
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
