/**
 * IAM of DownloadHealthchecks: one role per function, each with what its own work needs and nothing more (no
 * managed policy), and the cdk-nag findings that are right for them, acknowledged where they arise with a reason.
 */
import { ArnFormat, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { type InstanceNames, reportKey, reportPageKey } from '../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../functions/alerting/rules.ts';
import type { Config, S3StorageConfig, Target } from '../functions/config/schema.ts';
import type { HandlerName } from '../functions/contract/workflow.ts';
import { secretRefs } from './limits.ts';

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** `<LogicalId.Arn>`, as cdk-nag names a resource in a finding. */
export function nagArn(c: Construct): string {
  return `<${Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement)}.Arn>`;
}

/** Acknowledges one AwsSolutions-IAM5 finding (a wildcard) on `scope`, with why the wildcard is right. */
export function acknowledgeWildcard(scope: Construct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}

/** A role per function with only what it needs to write its own logs. */
export function functionRole(scope: Construct, name: string, logGroup: logs.ILogGroup): iam.Role {
  const role = new iam.Role(scope, `${name}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `download-doctor ${name} function`,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`],
    }),
  );
  acknowledgeWildcard(
    role,
    `Resource::${nagArn(logGroup)}:log-stream:*`,
    "Lambda names its log streams at run time; the grant stays within the function's own log group.",
  );
  return role;
}

/**
 * The network interfaces Lambda creates in the VPC with the function's own role (what the managed
 * AWSLambdaVPCAccessExecutionRole grants, which CDK adds only to roles it creates itself). Without them
 * CreateFunction fails.
 */
export function grantVpcAccess(role: iam.Role): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
  acknowledgeWildcard(
    role,
    'Resource::*',
    'Lambda manages the VPC network interfaces of the function with its role; the Describe actions have no resource ' +
      'type and AWS documents "*" for these (AWSLambdaVPCAccessExecutionRole grants the same).',
  );
}

/** Active tracing: CDK grants xray:PutTraceSegments and PutTelemetryRecords, which have no resource type. */
export function acknowledgeTracing(role: iam.IRole): void {
  acknowledgeWildcard(
    role,
    'Resource::*',
    'X-Ray trace segments and telemetry records accept no narrower resource (AWS documents "*").',
  );
}

/**
 * s3:GetObject on the sentinel keys only; s3:ListBucket only for those keys as prefixes, so that a missing key
 * reads as NoSuchKey rather than AccessDenied; kms:Decrypt only on the keys the config names, through S3. A
 * target whose storage names a roleArn is read with that role: this function may assume exactly it.
 */
export function grantStorage(
  fn: lambda.Function,
  config: Config,
  only: (s: S3StorageConfig) => boolean = () => true,
): void {
  const s3Targets = config.targets.flatMap((t) =>
    t.storage?.type === 's3' && only(t.storage) ? [t.storage] : [],
  );
  const roles = unique(s3Targets.flatMap((s) => (s.roleArn ? [s.roleArn] : [])));
  if (roles.length)
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: roles }));
  const own = s3Targets.filter((s) => !s.roleArn);
  if (own.length === 0) return;
  const partition = Stack.of(fn).partition;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: unique(own.map((s) => `arn:${partition}:s3:::${s.bucket}/${s.key}`)),
    }),
  );
  for (const bucket of unique(own.map((s) => s.bucket))) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [`arn:${partition}:s3:::${bucket}`],
        conditions: {
          StringEquals: {
            's3:prefix': unique(own.filter((s) => s.bucket === bucket).map((s) => s.key)),
          },
        },
      }),
    );
  }
  for (const s of own) {
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
function reportObjectArns(bucket: s3.IBucket, config: Config, keyOf = reportKey): string[] {
  return config.targets.map((t) => bucket.arnForObjects(keyOf(t.name)));
}

/** s3:PutObject on the latest reports and pages; PutMetricData in the instance's namespace only. */
export function grantReport(
  fn: lambda.Function,
  bucket: s3.IBucket,
  config: Config,
  namespace: string,
): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [...reportObjectArns(bucket, config), ...reportObjectArns(bucket, config, reportPageKey)],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
    }),
  );
  acknowledgeWildcard(
    fn.role as iam.Role,
    'Resource::*',
    'cloudwatch:PutMetricData has no resource type (AWS documents "*"); a cloudwatch:namespace condition limits it ' +
      "to this instance's namespace.",
  );
}

/** s3:GetObject on the latest reports; publish to the page topic, with its key (SNS encrypts with it). */
export function grantNotifier(
  fn: lambda.Function,
  bucket: s3.IBucket,
  config: Config,
  pageTopic: sns.ITopic,
  key: kms.IKey,
  names: InstanceNames,
): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: reportObjectArns(bucket, config) }),
  );
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [pageTopic.topicArn] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
  );
  // A page held back by a maintenance window re-arms its alarm (functions/alerting/alarms.ts): the target's paging
  // alarms only.
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['cloudwatch:SetAlarmState'],
      resources: config.targets.flatMap((t) =>
        TARGET_ALARMS.filter((r) => r.topic === 'page').map((r) =>
          stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: names.alarm(t.name, r),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      ),
    }),
  );
}

/** Each check function may read exactly the secrets its own headers reference. */
export function grantSecrets(
  functions: Readonly<Record<HandlerName, lambda.Function>>,
  config: Config,
): void {
  const stack = Stack.of(functions.app);
  const checks: [HandlerName, (t: Target) => Target['app']['headers']][] = [
    ['end-to-end', (t) => t.endToEnd.headers],
    ['app', (t) => t.app.headers],
    ['proxy', (t) => t.proxy?.headers],
  ];
  for (const [name, headers] of checks) {
    const arns = config.targets.flatMap((t) => secretRefs(headers(t)).flatMap((r) => refArn(stack, r) ?? []));
    const fn = functions[name];
    for (const [kind, action] of [
      ['secret', 'secretsmanager:GetSecretValue'],
      ['parameter', 'ssm:GetParameter'],
    ] as const) {
      const resources = unique(arns.filter((a) => a.kind === kind).map((a) => a.arn));
      if (resources.length) fn.addToRolePolicy(new iam.PolicyStatement({ actions: [action], resources }));
    }
  }
}

/** The ARN a secret reference names: as written when it is one, else made from its name. */
function refArn(
  stack: Stack,
  r: ReturnType<typeof secretRefs>[number],
): { kind: 'secret' | 'parameter'; arn: string } | undefined {
  if ('secretsManager' in r)
    return {
      kind: 'secret',
      arn: r.secretsManager.startsWith('arn:')
        ? r.secretsManager
        : // A secret's ARN ends in a random suffix of six characters after its name.
          stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${r.secretsManager}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
    };
  if ('ssm' in r)
    return {
      kind: 'parameter',
      arn: r.ssm.startsWith('arn:')
        ? r.ssm
        : stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: r.ssm.replace(/^\//, '') }),
    };
  return undefined; // {"env": ...}: local only (synth refuses it)
}

/** The self-test may invoke the four check functions, and nothing else (not their versions or aliases). */
export function grantSelfTest(fn: lambda.Function, checks: readonly lambda.IFunction[]): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: checks.map((c) => c.functionArn),
    }),
  );
}

/** The workflow's role: CDK grants each Task's function and its versions (ARN:*), and X-Ray and log delivery. */
export function acknowledgeWorkflowRole(role: iam.IRole, invoked: readonly lambda.IFunction[]): void {
  for (const fn of invoked)
    acknowledgeWildcard(
      role,
      `Resource::${nagArn(fn)}:*`,
      'The workflow invokes this one function; CDK also grants its versions and aliases (ARN:*), nothing else.',
    );
  acknowledgeWildcard(
    role,
    'Resource::*',
    'X-Ray trace segments and CloudWatch Logs log delivery accept no narrower resource (AWS documents "*" for both).',
  );
}
