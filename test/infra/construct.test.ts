import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../functions/config/schema.ts';
import type { HandlerName } from '../../functions/contract/workflow.ts';
import { DownloadHealthchecks, type DownloadHealthchecksProps } from '../../infra/construct.ts';
import { ASL_PATH as ASL_URL, placeholderArn } from '../../infra/render-asl.ts';
import {
  attributesVpc,
  cfnLintEach,
  type LintFindings,
  publicConfig,
  publicTargetInput,
  synthConstruct,
  synthTemplateFile,
} from '../fixtures/cdk.ts';
import { targetInput } from '../fixtures/config.ts';
import { tempDir } from '../fixtures/temp.ts';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:download-token-AbCdEf';

/** Two targets: S3 with SSE-KMS and secret headers, and a filesystem one. */
const CONFIG = {
  targets: [
    publicTargetInput({
      name: 'production',
      storage: {
        type: 's3',
        bucket: 'downloads-prod',
        key: 'hc/healthcheck.txt',
        region: 'eu-west-1',
        kmsKeyArn: KEY_ARN,
      },
      endToEnd: {
        url: 'https://www.example.com/healthcheck-utils/download/',
        headers: { Authorization: { secretsManager: SECRET_ARN } },
      },
      app: {
        url: 'https://app.example.com/healthcheck-utils/download/',
        headers: { 'X-Api-Key': { ssm: '/download-doctor/api-key' } },
        offload: { header: 'X-Accel-Redirect', value: '/_storage/hc/healthcheck.txt' },
      },
    }),
    publicTargetInput({
      name: 'staging',
      storage: { type: 's3', bucket: 'downloads-staging', key: 'healthcheck.txt', region: 'eu-west-1' },
    }),
  ],
} as unknown as ConfigInput;

/** The same, with the app's own port private, as it is in most real deployments. */
const PRIVATE_APP = {
  targets: CONFIG.targets.map((t, i) =>
    i === 0 ? { ...t, app: { ...t.app, url: 'http://10.0.1.20:8000/healthcheck-utils/download/' } } : t,
  ),
} as unknown as ConfigInput;

function synth(props: Partial<DownloadHealthchecksProps> = {}, nag = false, vpc = false) {
  // No bundling: these assertions read the template only (test/infra/bundles.test.ts runs the bundles).
  return synthConstruct({ config: CONFIG, ...props }, { nag, vpc });
}

let stack: Stack;
let hc: DownloadHealthchecks;
let template: Template;

beforeAll(() => {
  ({ stack, hc } = synth({ schedules: { staging: Duration.minutes(15) } }));
  template = Template.fromStack(stack);
});

/** The policy statements of a function's role. */
function statementsOf(name: HandlerName | 'notifier'): Record<string, unknown>[] {
  const fn = name === 'notifier' ? hc.notifier : hc.functions[name];
  const roleId = stack.getLogicalId(fn.role?.node.defaultChild as never);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}

describe('DownloadHealthchecks: functions and workflow', () => {
  it('deploys one Node.js 22 arm64 function per Task state, the plan and the notifier', () => {
    template.resourceCountIs('AWS::Lambda::Function', 8);
    // Every function reads the config layer at cold start (functions/handlers/lambda.ts).
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Layers: [{ Ref: stack.getLogicalId(hc.configLayer.node.defaultChild as never) }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^download-doctor \\w+: the storage check$'),
      Timeout: 30,
      MemorySize: 256,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^download-doctor \\w+: the diagnose rules$'),
      Timeout: 10,
    });
  });

  it('deploys the ASL the CLI runs, byte for byte once the function ARNs are resolved', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const [machine] = Object.values(machines) as {
      Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] }; StateMachineType: string };
    }[];
    const byLogicalId = new Map(
      (Object.entries(hc.functions) as [HandlerName, { node: { defaultChild: unknown } }][]).map(
        ([name, fn]) => [stack.getLogicalId(fn.node.defaultChild as never), name],
      ),
    );
    const parts = machine?.Properties.DefinitionString['Fn::Join'][1] ?? [];
    const resolved = parts
      .map((p) => {
        if (typeof p === 'string') return p;
        const [id] = (p as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
        const name = byLogicalId.get(id);
        if (!name) throw new Error(`unexpected reference ${JSON.stringify(p)}`);
        return placeholderArn(name);
      })
      .join('');
    expect(resolved).toBe(JSON.stringify(JSON.parse(readFileSync(ASL_URL, 'utf8'))));
    expect(machine?.Properties.StateMachineType).toBe('EXPRESS');
  });

  it('logs the workflow’s errors without payloads, under /aws/vendedlogs/states/, untraced, and the functions in JSON', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: false },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/vendedlogs/states/download-doctor-${hc.instanceName}`,
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.allResourcesProperties('AWS::Lambda::Function', {
      TracingConfig: Match.absent(),
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
  });

  it('takes the log level, payloads and tracing from its props', () => {
    const { template: t } = synth({
      workflowLogLevel: sfn.LogLevel.ALL,
      workflowLogExecutionData: true,
      tracing: true,
    });
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    t.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  it('schedules each distinct interval once, aligned to the clock, starting the fleet with the interval and the tick', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `${hc.instanceName}-every-5m`,
      ScheduleExpression: 'cron(0/5 * * * ? *)',
      Target: Match.objectLike({
        Input: '{"periodMs":300000,"tick":"<aws.scheduler.scheduled-time>"}',
        Arn: { Ref: stack.getLogicalId(hc.fleet.node.defaultChild as never) },
        RetryPolicy: { MaximumRetryAttempts: 0 },
      }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `${hc.instanceName}-every-15m`,
      ScheduleExpression: 'cron(0/15 * * * ? *)',
    });
    expect(Object.keys(hc.schedules).sort()).toEqual(['15m', '5m']);
  });

  it("takes a target's schedule from the config, unless the schedules prop names the target; a rate where no clock fits", () => {
    const config = {
      targets: [
        publicTargetInput({ name: 'production', schedule: '10m' }),
        publicTargetInput({ name: 'staging', schedule: '2m' }),
        publicTargetInput({ name: 'eu', schedule: '7m' }),
        publicTargetInput({ name: 'us', schedule: '10m' }),
      ],
    } as unknown as ConfigInput;
    const t = Template.fromStack(
      synth({ config, schedules: { staging: Duration.minutes(15), eu: Duration.hours(2) } }).stack,
    );
    const expressions = Object.values(t.findResources('AWS::Scheduler::Schedule')).map(
      (r) => (r as { Properties: { ScheduleExpression: string } }).Properties.ScheduleExpression,
    );
    expect(expressions.sort()).toEqual([
      'cron(0 0/2 * * ? *)',
      'cron(0/10 * * * ? *)',
      'cron(0/15 * * * ? *)',
    ]);
    const odd = Template.fromStack(synth({ config, schedules: { staging: Duration.minutes(7) } }).stack);
    odd.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(7 minutes)' });
  });

  it('refuses a schedule that is not whole minutes as a listed problem, naming the prop', () => {
    expect(() =>
      synth({ schedules: { staging: Duration.seconds(90) }, defaultSchedule: Duration.seconds(30) }),
    ).toThrow(
      /defaultSchedule: 30 seconds is not a whole number of minutes[\s\S]*schedules\.staging: 1 minute 30 seconds is not a whole number of minutes/,
    );
  });
});

describe('DownloadHealthchecks: the fleet workflow', () => {
  it('is Express: the plan, then each target waits for its start and starts its run, fire and forget', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as {
      Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] }; StateMachineType: string };
    }[];
    const fleet = machines.find((m) => JSON.stringify(m).includes('Each target'));
    expect(fleet?.Properties.StateMachineType).toBe('EXPRESS');
    const asl = JSON.parse(
      (fleet?.Properties.DefinitionString['Fn::Join'][1] ?? [])
        .map((p) => (typeof p === 'string' ? p : 'REF'))
        .join(''),
    );
    expect(asl.StartAt).toBe('Plan');
    expect(asl.States['Each target']).toMatchObject({ Type: 'Map', MaxConcurrency: 40, ItemsPath: '$.runs' });
    const items = asl.States['Each target'].ItemProcessor;
    expect(items.States['Wait for its start']).toEqual({
      Type: 'Wait',
      TimestampPath: '$.startAt',
      Next: 'Start its run',
    });
    expect(items.States['Start its run']).toMatchObject({
      Resource: 'arn:REF:states:::states:startExecution',
      Parameters: { Input: { 'target.$': '$.target', 'allLayers.$': '$.allLayers' } },
    });
  });

  it('takes maxConcurrency and startSpread from its props, and refuses a spread Express cannot wait', () => {
    const { template: t, hc: h } = synth({ maxConcurrency: 8, startSpread: Duration.minutes(2) });
    expect(JSON.stringify(t.findResources('AWS::StepFunctions::StateMachine'))).toContain(
      '\\"MaxConcurrency\\":8',
    );
    expect(h.fleet).toBeDefined();
    expect(() => synth({ startSpread: Duration.minutes(5) })).toThrow(
      /startSpread: 5 minutes: .* at most 240 s/,
    );
    expect(() => synth({ maxConcurrency: 0 })).toThrow(
      /maxConcurrency: must be a whole number from 1 to 1000/,
    );
  });
});

describe('DownloadHealthchecks: sentinels on their own schedule', () => {
  it('refuses a sentinel with ownSchedule that has no schedule, and takes one that has', () => {
    const big = {
      targets: [
        publicTargetInput({
          sentinels: [
            {
              name: 'big',
              sentinel: { sha256: 'b'.repeat(64), size: 1_100_000_000 },
              file: 'hc/big.bin',
              offload: '/_storage/hc/big.bin',
              timeoutMs: 20_000,
              ownSchedule: true,
            },
          ],
        }),
      ],
    } as unknown as ConfigInput;
    expect(() => synth({ config: big })).toThrow(
      /schedules\.prod-big: target "prod-big" is a sentinel with ownSchedule: give it its schedule/,
    );
    expect(() => synth({ config: big, schedules: { 'prod-big': Duration.hours(6) } })).not.toThrow();
  });
});

describe('DownloadHealthchecks: least privilege', () => {
  it('lets the storage function read the sentinel keys only, list them only as prefixes, and decrypt with the named key via S3', () => {
    const statements = statementsOf('storage');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 's3:GetObject',
        Resource: [
          {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::downloads-prod/hc/healthcheck.txt']],
          },
          {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::downloads-staging/healthcheck.txt']],
          },
        ],
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 's3:ListBucket',
        Condition: { StringEquals: { 's3:prefix': ['hc/healthcheck.txt'] } },
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::downloads-prod']] },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      }),
    );
    expect(JSON.stringify(statements)).not.toMatch(/secretsmanager|ssm:/);
  });

  it("gives each HTTP check read access to exactly its own headers' secrets", () => {
    expect(statementsOf('end-to-end')).toContainEqual(
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }),
    );
    expect(statementsOf('app')).toContainEqual(
      expect.objectContaining({
        Action: 'ssm:GetParameter',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ssm:eu-west-1:111122223333:parameter/download-doctor/api-key',
            ],
          ],
        },
      }),
    );
    for (const name of ['app', 'diagnose'] as const) {
      expect(JSON.stringify(statementsOf(name))).not.toMatch(/secretsmanager|s3:|kms:/);
    }
    expect(JSON.stringify(statementsOf('proxy'))).not.toMatch(/secretsmanager/);
    expect(JSON.stringify(statementsOf('end-to-end'))).not.toMatch(/ssm:|s3:/);
  });

  it('lets the proxy function read the sentinels of private buckets only: S3 checks the request it signs', () => {
    const reads = (name: HandlerName) =>
      statementsOf(name)
        .filter((st) => st.Action === 's3:GetObject')
        .flatMap((st) => [st.Resource].flat());
    expect(reads('proxy').length).toBeGreaterThan(0);
    expect(reads('proxy')).toEqual(reads('storage'));
    const pub = {
      targets: CONFIG.targets.map((t) =>
        t.storage?.type === 's3' ? { ...t, storage: { ...t.storage, proxyAuth: 'public' as const } } : t,
      ),
    };
    const { stack: s, hc: h } = synth({ config: pub });
    const t = Template.fromStack(s);
    const roleId = s.getLogicalId(h.functions.proxy.role?.node.defaultChild as never);
    const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    expect(JSON.stringify(policies)).not.toMatch(/s3:|kms:/);
  });

  it('uses no managed policy: each role may write its own log group only', () => {
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    expect(statementsOf('diagnose')).toEqual([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
    ]);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    const { app } = synth({}, true);
    expect(() => app.synth()).not.toThrow();
  });

  it('would fail the synth on an unacknowledged finding (the check above can fail)', () => {
    const { app, stack } = synth({}, true);
    new sns.Topic(stack, 'UnencryptedTopic'); // AwsSolutions-SNS2 and SNS3
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS/);
  });
});

describe('DownloadHealthchecks: refused at synth time', () => {
  it.each<[string, Partial<DownloadHealthchecksProps>, RegExp]>([
    [
      'a check deadline longer than its Lambda timeout',
      { checkTimeout: Duration.seconds(10) },
      /targets\[0\]\.endToEnd\.timeoutMs: the end-to-end check's deadline \(10000 ms\).*exceeds its Lambda's timeout \(10 s\)/,
    ],
    [
      'a run that could exceed Express’s 5 minutes',
      { checkTimeout: Duration.seconds(60) },
      /workflowType: an Express run can take up to 494 s with a 60 s checkTimeout and a 2 s wait before the confirmation/,
    ],
    [
      "a stage-1 check whose confirmation's wait does not fit in its Lambda",
      {
        checkTimeout: Duration.seconds(15),
        config: { targets: [targetInput({ confirmDelayMs: 5_000 })] } as unknown as ConfigInput,
      },
      /targets\[0\]\.endToEnd\.timeoutMs: the end-to-end check's deadline \(10000 ms\) plus the confirmation's wait \(confirmDelayMs, 5000 ms\) plus 3000 ms of headroom exceeds its Lambda's timeout \(15 s\)/,
    ],
    [
      'a schedule in the config that is not whole minutes',
      { config: { targets: [targetInput({ schedule: '90s' })] } as unknown as ConfigInput },
      /targets\[0\]\.schedule: "90s" is not a whole number of minutes/,
    ],
    [
      'a schedule for an unknown target',
      { schedules: { qa: Duration.minutes(1) } },
      /schedules\.qa: no target is named "qa"/,
    ],
    [
      'duplicate target names',
      { config: { targets: [targetInput(), targetInput()] } as unknown as ConfigInput },
      /^DownloadHealthchecks "Healthchecks": invalid config:\ntargets\[1\]\.name: duplicates targets\[0\]\.name/,
    ],
    [
      'an env secret on AWS',
      {
        config: {
          targets: [targetInput({ proxy: { url: 'http://a/', headers: { 'X-Key': { env: 'KEY' } } } })],
        } as unknown as ConfigInput,
      },
      /targets\[0\]\.proxy\.headers\.X-Key: \{"env": "KEY"\} is read from the local environment only/,
    ],
    [
      'filesystem storage',
      { config: publicConfig(publicTargetInput({ storage: { type: 'filesystem', path: '/srv/h.txt' } })) },
      /targets\[0\]\.storage\.type: "filesystem" reads the sentinel from the local disk/,
    ],
    [
      'reading storage as another user',
      {
        config: publicConfig(
          publicTargetInput({ storage: { type: 'filesystem', path: '/srv/h.txt', readAs: 'www-data' } }),
        ),
      },
      /targets\[0\]\.storage\.readAs: reading as "www-data" needs root/,
    ],
    [
      'a CA file on the local disk',
      {
        config: publicConfig(
          publicTargetInput({
            proxy: { url: 'https://www.example.com/s/', tls: { caFile: '/etc/ssl/private-ca.pem' } },
          }),
        ),
      },
      /targets\[0\]\.proxy\.tls\.caFile: \/etc\/ssl\/private-ca\.pem is a path on this machine/,
    ],
    [
      'a private address without a VPC',
      { config: PRIVATE_APP },
      /targets\[0\]\.app\.url: 10\.0\.1\.20 is a private address \(10\.0\.0\.0\/8\), which a Lambda outside a VPC cannot reach/,
    ],
    [
      'a loopback address without a VPC',
      { config: publicConfig(publicTargetInput({ endToEnd: { url: 'http://127.0.0.1:8080/d/' } })) },
      /targets\[0\]\.endToEnd\.url: 127\.0\.0\.1 is a loopback address/,
    ],
    [
      'a link-local address without a VPC',
      {
        config: publicConfig(
          publicTargetInput({ proxy: { url: 'https://www.example.com/s/', connectTo: '169.254.10.1:443' } }),
        ),
      },
      /targets\[0\]\.proxy\.connectTo: 169\.254\.10\.1 is a link-local address/,
    ],
    [
      'an instance name with a dash',
      { instanceName: 'prod-eu' },
      /instanceName: "prod-eu" must be letters and digits/,
    ],
    [
      'a runtime older than Node.js 22',
      { runtime: lambda.Runtime.NODEJS_20_X },
      /runtime: nodejs20\.x: the bundles need Node\.js 22/,
    ],
  ])('%s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it('lists every problem at once, each by its field path', () => {
    const config = publicConfig(
      publicTargetInput({
        storage: { type: 'filesystem', path: '/srv/h.txt' },
        app: { url: 'http://10.0.0.8/d/', offload: { header: 'X-Accel-Redirect', value: '/x' } },
      }),
    );
    expect(() => synth({ config, instanceName: 'a-b' })).toThrow(
      /instanceName[\s\S]*targets\[0\]\.storage\.type[\s\S]*targets\[0\]\.app\.url/,
    );
  });

  it('allows a long checkTimeout on a Standard workflow', () => {
    expect(() =>
      synth({ checkTimeout: Duration.seconds(60), workflowType: sfn.StateMachineType.STANDARD }),
    ).not.toThrow();
  });
});

describe('VPC mode', () => {
  it('gives each check role the network-interface rights Lambda needs, before the function is created', () => {
    const { stack: st, hc: h, template: t } = synthConstruct({ config: PRIVATE_APP }, { vpc: true });
    const eni = expect.objectContaining({
      Action: expect.arrayContaining([
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
      ]),
      Resource: '*',
    });
    const policies = (name: HandlerName | 'notifier') => {
      const fn = name === 'notifier' ? h.notifier : h.functions[name];
      const roleId = st.getLogicalId(fn.role?.node.defaultChild as never);
      return Object.entries(
        t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
      );
    };
    for (const layer of ['end-to-end', 'app', 'storage', 'proxy'] as const) {
      const [[policyId, policy] = []] = policies(layer);
      expect(
        (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
          .Statement,
      ).toContainEqual(eni);
      // CreateFunction checks the role's rights: the policy must exist first.
      const fnId = st.getLogicalId(h.functions[layer].node.defaultChild as never);
      expect(t.toJSON().Resources[fnId].DependsOn).toContain(policyId);
      t.hasResource('AWS::Lambda::Function', {
        Properties: Match.objectLike({
          Description: Match.stringLikeRegexp(`: the ${layer} check$`),
          VpcConfig: Match.objectLike({
            SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
          }),
        }),
      });
    }
    for (const name of ['diagnose', 'report', 'notifier'] as const)
      expect(JSON.stringify(policies(name))).not.toContain('ec2:');
  });
});

describe('two instances in one stack (staging and production in one account)', () => {
  it('name their alarms, schedules, dashboards, log groups and namespaces apart', () => {
    const app = new App({ outdir: tempDir('dd-cdk-'), context: { 'aws:cdk:bundling-stacks': [] } });
    const st = new Stack(app, 'Both', { env: { account: '111122223333', region: 'eu-west-1' } });
    const a = new DownloadHealthchecks(st, 'Staging', { config: CONFIG, instanceName: 'staging' });
    const b = new DownloadHealthchecks(st, 'Production', { config: CONFIG, instanceName: 'production' });
    const t = Template.fromStack(st).toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const named = (type: string, key: string) =>
      Object.values(t.Resources)
        .filter((r) => r.Type === type)
        .map((r) => JSON.stringify(r.Properties[key]));
    for (const [type, key] of [
      ['AWS::CloudWatch::Alarm', 'AlarmName'],
      ['AWS::Scheduler::Schedule', 'Name'],
      ['AWS::CloudWatch::Dashboard', 'DashboardName'],
      ['AWS::Logs::LogGroup', 'LogGroupName'],
    ] as const) {
      const names = named(type, key).filter((n) => n !== undefined);
      expect(new Set(names).size, `${type} ${key}`).toBe(names.length);
    }
    expect(named('AWS::CloudWatch::Alarm', 'AlarmName')).toContain(
      '"download-doctor-staging-monitor-NoRuns"',
    );
    expect(named('AWS::Scheduler::Schedule', 'Name').sort()).toEqual([
      '"production-every-5m"',
      '"staging-every-5m"',
    ]);
    expect(a.instanceName).toBe('staging');
    expect(b.instanceName).toBe('production');
    // Each instance's functions read their own names (alarms, namespace) from the deployment and INSTANCE_NAME.
    const instances = Object.values(t.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map(
        (r) =>
          (r.Properties.Environment as { Variables?: { INSTANCE_NAME?: string } })?.Variables?.INSTANCE_NAME,
      )
      .filter(Boolean);
    expect(new Set(instances)).toEqual(new Set(['staging', 'production']));
  });

  it('derive a default instance name from the stack and the construct, unique in an account', () => {
    expect(hc.instanceName).toBe('TestHealthchecks');
  });
});

describe('the optional parts', () => {
  it('self-test: a custom resource that waits for the four check functions and may invoke only them', () => {
    const { stack: st, hc: h, template: t } = synth({ selfTest: true });
    const [resource] = Object.values(t.findResources('Custom::DownloadDoctorSelfTest')) as {
      Properties: { Fingerprint: string; ServiceToken: unknown };
      DependsOn: string[];
    }[];
    expect(resource?.Properties.Fingerprint).toMatch(/^[0-9a-f]{16}$/);
    for (const layer of ['end-to-end', 'app', 'storage', 'proxy'] as const)
      expect(resource?.DependsOn).toContain(st.getLogicalId(h.functions[layer].node.defaultChild as never));
    const roleId = st.getLogicalId(h.node.findChild('self-testRole').node.defaultChild as never);
    const policy = JSON.stringify(
      t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    );
    expect(policy).toContain('lambda:InvokeFunction');
    expect(policy).not.toMatch(/Arn"\]\},":\*"/);
    // The fingerprint follows what is tested: another config, another fingerprint.
    const other = synth({
      selfTest: true,
      config: { targets: [CONFIG.targets[1]] } as unknown as ConfigInput,
    });
    const [otherResource] = Object.values(other.template.findResources('Custom::DownloadDoctorSelfTest')) as {
      Properties: { Fingerprint: string };
    }[];
    expect(otherResource?.Properties.Fingerprint).not.toBe(resource?.Properties.Fingerprint);
  });

  it('heartbeat, tags, runtime and the report bucket’s removal policy', () => {
    const { template: t } = synth({
      heartbeatUrl: 'https://hc-ping.example.com/0f8e',
      tags: { team: 'downloads' },
      runtime: lambda.Runtime.NODEJS_24_X,
      reportBucketRemovalPolicy: RemovalPolicy.DESTROY,
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ HEARTBEAT_URL: 'https://hc-ping.example.com/0f8e' }) },
    });
    t.allResourcesProperties('AWS::Lambda::Function', { Runtime: Match.stringLikeRegexp('nodejs') });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Tags: Match.arrayWith([{ Key: 'team', Value: 'downloads' }]),
    });
    t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });

  it('outputs the workflow, the topics and the dashboard', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const ids = Object.keys(outputs).map((k) => k.replace(/[A-F0-9]{8}$/, ''));
    expect(ids.sort()).toEqual(
      [
        'HealthchecksAlarmTopicArn',
        'HealthchecksDashboardUrl',
        'HealthchecksFleetStateMachineArn',
        'HealthchecksMonitorTopicArn',
        'HealthchecksPageTopicArn',
        'HealthchecksStateMachineArn',
        'HealthchecksTableName',
      ].sort(),
    );
    const dashboard = Object.entries(outputs).find(([k]) => k.includes('DashboardUrl'))?.[1];
    expect(JSON.stringify(dashboard?.Value)).toContain(
      '#dashboards/dashboard/download-doctor-TestHealthchecks',
    );
  });
});

/** The rule ids cfn-lint reported over every template below (the report lists them). */
const linted = new Map<string, Set<string>>();

describe('every template passes cfn-lint with no errors and cdk-nag with no unacknowledged finding', () => {
  const templates: [string, () => ReturnType<typeof synthConstruct>][] = [
    ['the default stack', () => synthConstruct({ config: CONFIG }, { nag: true })],
    ['vpc set', () => synthConstruct({ config: PRIVATE_APP }, { nag: true, vpc: true })],
    [
      'a Standard workflow',
      () => synthConstruct({ config: CONFIG, workflowType: sfn.StateMachineType.STANDARD }, { nag: true }),
    ],
    [
      'the optional parts on',
      () =>
        synthConstruct(
          {
            config: PRIVATE_APP,
            selfTest: true,
            heartbeatUrl: 'https://hc-ping.example.com/0f8e',
            tags: { team: 'downloads' },
            reportBucketRemovalPolicy: RemovalPolicy.DESTROY,
            workflowLogLevel: sfn.LogLevel.ALL,
            workflowLogExecutionData: true,
            tlsDaysLeftThreshold: 21,
            instanceName: 'production',
          },
          { nag: true, vpc: true },
        ),
    ],
    [
      'two instances in one stack',
      () => {
        const s = synthConstruct({ config: CONFIG, instanceName: 'staging' }, { nag: true });
        new DownloadHealthchecks(s.stack, 'Production', {
          config: CONFIG,
          instanceName: 'production',
          vpc: attributesVpc(s.stack, 'Vpc2'),
        });
        return s;
      },
    ],
  ];
  /** Each template's file (cdk-nag throws at synth on an unacknowledged finding), and a broken one's. */
  const files = new Map<string, string>();
  let findings: Map<string, LintFindings>;
  beforeAll(() => {
    for (const [name, make] of templates) files.set(name, synthTemplateFile(make()));
    const broken = synthConstruct({ config: CONFIG });
    new lambda.CfnFunction(broken.stack, 'Broken', { code: {}, role: 'not-an-arn', runtime: 'nodejs0.x' });
    files.set('broken', synthTemplateFile(broken));
    // One cfn-lint process for them all: it takes seconds to start.
    findings = cfnLintEach([...files.values()]);
  }, 300_000);

  it.each(templates.map(([name]) => name))(
    '%s',
    (name) => {
      const { errors, warnings } = findings.get(files.get(name) ?? '') ?? {
        errors: ['no template'],
        warnings: [],
      };
      expect(errors).toEqual([]);
      for (const w of warnings) {
        const rule = /:(W\d{4}):/.exec(w)?.[1] ?? w;
        linted.set(rule, (linted.get(rule) ?? new Set()).add(name));
      }
      console.log(
        `cfn-lint on ${name}: ${errors.length} errors; warnings: ${[...new Set(warnings.map((w) => /:(W\d{4}):/.exec(w)?.[1]))].join(', ') || 'none'}`,
      );
    },
    120_000,
  );

  it('would fail on a cfn-lint error (the check above can fail)', () => {
    expect(findings.get(files.get('broken') ?? '')?.errors.length).toBeGreaterThan(0);
  });
});

describe('the CDK app', () => {
  it('synthesizes offline with the pinned 2.x CLI (no lookups, no Docker), cdk-nag included', () => {
    const out = tempDir('dd-synth-');
    // The example's app port is private: without a VPC the app refuses it, naming the field.
    const refused = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/targets\[0\]\.app\.url: 10\.0\.1\.20 is a private address/);
    const vpc = {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
      privateSubnetIds: ['subnet-0123456789abcdef0'],
    };
    const r = spawnSync(
      'npx',
      ['cdk', 'synth', '--quiet', '--output', out, '-c', `download-doctor:vpc=${JSON.stringify(vpc)}`],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(readFileSync(join(out, 'DownloadDoctor.template.json'), 'utf8'));
    expect(
      Object.values(t.Resources).filter((res) => (res as { Type: string }).Type === 'AWS::Lambda::Function'),
    ).toHaveLength(8);
  }, 150_000); // cdk synth, with the integration tests on the other core, can take over 30 s
});
