/**
 * IAM of DownloadHealthchecks: one role per function, each with what its own work needs and nothing more (no
 * managed policy), and the cdk-nag findings that are right for them, acknowledged where they arise with a reason.
 */
import { ArnFormat, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLE_KEYS } from '../functions/alerting/names.ts';
import type { Config, S3StorageConfig, Target } from '../functions/config/schema.ts';
import type { HandlerName } from '../functions/contract/workflow.ts';
import { arnPatterns, commonPrefix, NAMES_PER_GRANT, secretRefs } from './limits.ts';

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

/** More keys than this in one bucket are granted by their common prefix (`prefix*`), not one ARN each. */
export const KEYS_PER_BUCKET = NAMES_PER_GRANT;

/**
 * The keys of one bucket as few patterns as reach them: each key, or beyond KEYS_PER_BUCKET their common prefix and
 * `*` (a fleet's sentinels share a folder: `healthcheck/` and `*` grants that folder, as narrow in effect).
 */
export function keyPatterns(keys: readonly string[]): { patterns: string[]; exact: boolean } {
  const unique = [...new Set(keys)];
  if (unique.length <= KEYS_PER_BUCKET) return { patterns: unique, exact: true };
  return { patterns: [`${commonPrefix(unique)}*`], exact: false };
}

/**
 * s3:GetObject on the sentinel keys only; s3:ListBucket only for those keys as prefixes, so that a missing key
 * reads as NoSuchKey rather than AccessDenied; kms:Decrypt only on the keys the config names, through S3. A
 * target whose storage names a roleArn is read with that role: this function may assume exactly it. Deduplicated,
 * a bucket's many keys collapsed to their common prefix (keyPatterns), the KMS keys in one statement per region:
 * the policy grows with the distinct buckets, keys and roles, not with the targets.
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
  const buckets = unique(own.map((s) => s.bucket));
  const patterns = new Map(
    buckets.map((b) => [b, keyPatterns(own.filter((s) => s.bucket === b).map((s) => s.key))]),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: buckets.flatMap((b) =>
        (patterns.get(b)?.patterns ?? []).map((k) => `arn:${partition}:s3:::${b}/${k}`),
      ),
    }),
  );
  for (const bucket of buckets) {
    const p = patterns.get(bucket) ?? { patterns: [], exact: true };
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [`arn:${partition}:s3:::${bucket}`],
        conditions: { [p.exact ? 'StringEquals' : 'StringLike']: { 's3:prefix': p.patterns } },
      }),
    );
  }
  for (const region of unique(own.filter((s) => s.kmsKeyArn).map((s) => s.region))) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: unique(own.flatMap((s) => (s.region === region && s.kmsKeyArn ? [s.kmsKeyArn] : []))),
        conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      }),
    );
  }
}

/** Where the reports are: `latest/` (the JSON and its HTML page, per target), for one grant by prefix. */
const REPORTS = 'latest/*';

/**
 * The report function: s3:PutObject under the reports' prefix; read and write its targets' items in the
 * instance's table; publish the transitions to the alarm topic, with the topics' key. No PutMetricData: its
 * metrics are EMF lines in its own log.
 */
export function grantReport(
  fn: lambda.Function,
  bucket: s3.IBucket,
  table: dynamodb.ITable,
  alarmTopic: sns.ITopic,
  key: kms.IKey,
): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(REPORTS)] }),
  );
  grantTable(fn, table, ['dynamodb:GetItem', 'dynamodb:PutItem']);
  grantPublish(fn, [alarmTopic], key);
  acknowledgeWildcard(
    fn.role as iam.Role,
    `Resource::<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/${REPORTS}`,
    'The reports of every target, under one prefix of the bucket this construct creates for them: one grant whatever the number of targets.',
  );
}

/**
 * Several locations, at the home: the report function writes its run into a slot and reads the slot back to decide
 * it, and queues the slot's deadline (the decide queue's own event source gets its rights from CDK).
 */
export function grantSlots(fn: lambda.Function, table: dynamodb.ITable, queue: sqs.IQueue): void {
  grantTable(fn, table, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
}

/**
 * A probe Region's function: it may set its result in a slot of the home's slots table and tell the home's decide
 * queue about a slot it completed (or came late to), nothing else of the home's: of the slot's item, only its own
 * attribute and the TTL (the `dynamodb:Attributes` condition). Both ARNs are built from the names the home gives
 * them (functions/alerting/names.ts), in the home's Region: no cross-stack reference, nothing exported.
 */
export function grantProbe(
  fn: lambda.Function,
  home: { region: string; account: string; slotsTable: string; decideQueue: string },
  /** The attributes it may write: its own result's (`loc:NAME`) and the TTL; the keys are added. */
  attributes: readonly string[],
): void {
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:UpdateItem'],
      // Its own attribute only: never the home's run or another location's result. ALL_NEW: the write answers the
      // whole item, for the probe to see whether it completed the slot (reading the others is not writing them).
      conditions: {
        'ForAllValues:StringEquals': {
          'dynamodb:Attributes': unique([TABLE_KEYS.partition, TABLE_KEYS.sort, ...attributes]),
        },
        StringEquals: { 'dynamodb:ReturnValues': 'ALL_NEW' },
      },
      resources: [
        stack.formatArn({
          service: 'dynamodb',
          region: home.region,
          account: home.account,
          resource: 'table',
          resourceName: home.slotsTable,
        }),
      ],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['sqs:SendMessage'],
      resources: [
        stack.formatArn({
          service: 'sqs',
          region: home.region,
          account: home.account,
          resource: home.decideQueue,
          arnFormat: ArnFormat.NO_RESOURCE_NAME,
        }),
      ],
    }),
  );
}

/** The plan function: read the interval's items (batch), write a silent target's, publish its no-data. */
export function grantPlan(
  fn: lambda.Function,
  table: dynamodb.ITable,
  alarmTopic: sns.ITopic,
  key: kms.IKey,
): void {
  grantTable(fn, table, ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
  grantPublish(fn, [alarmTopic], key);
}

function grantTable(fn: lambda.Function, table: dynamodb.ITable, actions: string[]): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [table.tableArn] }));
}

function grantPublish(fn: lambda.Function, topics: readonly sns.ITopic[], key: kms.IKey): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['sns:Publish'], resources: topics.map((t) => t.topicArn) }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
  );
}

/** The notifier: read the reports; publish to the page and monitor topics, with their key (SNS encrypts with it). */
export function grantNotifier(
  fn: lambda.Function,
  bucket: s3.IBucket,
  topics: { page: sns.ITopic; monitor: sns.ITopic },
  key: kms.IKey,
): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(REPORTS)] }),
  );
  grantPublish(fn, [topics.page, topics.monitor], key);
  acknowledgeWildcard(
    fn.role as iam.Role,
    `Resource::<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/${REPORTS}`,
    'The reports of every target, under one prefix of the bucket this construct creates for them: one grant whatever the number of targets.',
  );
}

/**
 * Each check function may read the secrets its own headers reference: exactly those, or beyond NAMES_PER_GRANT of
 * one kind their common prefix (arnPatterns).
 */
export function grantSecrets(
  functions: Readonly<Partial<Record<HandlerName, lambda.Function>>>,
  config: Config,
  /** Where secrets named without an ARN live: the function's own Region, or the home's (a probe Region's function). */
  region?: string,
): void {
  const checks: [HandlerName, (t: Target) => Target['app']['headers']][] = [
    ['end-to-end', (t) => t.endToEnd.headers],
    ['app', (t) => t.app.headers],
    ['proxy', (t) => t.proxy?.headers],
  ];
  for (const [name, headers] of checks) {
    const fn = functions[name];
    if (!fn) continue;
    const stack = Stack.of(fn);
    const arns = config.targets.flatMap((t) =>
      secretRefs(headers(t)).flatMap((r) => refArn(stack, r, region) ?? []),
    );
    for (const [kind, action] of [
      ['secret', 'secretsmanager:GetSecretValue'],
      ['parameter', 'ssm:GetParameter'],
    ] as const) {
      const resources = arnPatterns(arns.filter((a) => a.kind === kind).map((a) => a.arn));
      if (resources.length) fn.addToRolePolicy(new iam.PolicyStatement({ actions: [action], resources }));
    }
  }
}

/** The ARN a secret reference names: as written when it is one, else made from its name. */
function refArn(
  stack: Stack,
  r: ReturnType<typeof secretRefs>[number],
  region?: string,
): { kind: 'secret' | 'parameter'; arn: string } | undefined {
  if ('secretsManager' in r)
    return {
      kind: 'secret',
      arn: r.secretsManager.startsWith('arn:')
        ? r.secretsManager
        : // A secret's ARN ends in a random suffix of six characters after its name.
          stack.formatArn({
            service: 'secretsmanager',
            ...(region ? { region } : {}),
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
        : stack.formatArn({
            service: 'ssm',
            ...(region ? { region } : {}),
            resource: 'parameter',
            resourceName: r.ssm.replace(/^\//, ''),
          }),
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

/** A workflow's role: CDK grants each Task's function and its versions (ARN:*), and X-Ray and log delivery. */
export function acknowledgeWorkflowRole(
  role: iam.IRole,
  invoked: readonly lambda.IFunction[],
  tracing = true,
): void {
  for (const fn of invoked)
    acknowledgeWildcard(
      role,
      `Resource::${nagArn(fn)}:*`,
      'The workflow invokes this one function; CDK also grants its versions and aliases (ARN:*), nothing else.',
    );
  acknowledgeWildcard(
    role,
    'Resource::*',
    tracing
      ? 'X-Ray trace segments and CloudWatch Logs log delivery accept no narrower resource (AWS documents "*" for both).'
      : 'CloudWatch Logs log delivery accepts no narrower resource (AWS documents "*").',
  );
}
