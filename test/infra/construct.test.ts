import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../functions/core/config.ts';
import type { HandlerName } from '../../functions/core/workflow.ts';
import { DownloadHealthchecks, type DownloadHealthchecksProps } from '../../infra/construct.ts';
import { ASL_PATH as ASL_URL, placeholderArn } from '../../infra/render-asl.ts';
import { targetInput } from '../fixtures/config.ts';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:download-token-AbCdEf';

/** Two targets: S3 with SSE-KMS and secret headers, and a filesystem one. */
const CONFIG = {
  targets: [
    targetInput({
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
        url: 'http://10.0.1.20:8000/healthcheck-utils/download/',
        headers: { 'X-Api-Key': { ssm: '/download-doctor/api-key' } },
        offload: { header: 'X-Accel-Redirect', value: '/_storage/hc/healthcheck.txt' },
      },
    }),
    targetInput({ name: 'staging', storage: { type: 'filesystem', path: '/srv/media/healthcheck.txt' } }),
  ],
} as unknown as ConfigInput;

function synth(props: Partial<DownloadHealthchecksProps> = {}, nag = false) {
  // No bundling: these assertions read the template only (test/infra/bundles.test.ts runs the bundles).
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'dd-cdk-')),
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new Stack(app, 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
  const hc = new DownloadHealthchecks(stack, 'Healthchecks', { config: CONFIG, ...props });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, hc };
}

let stack: Stack;
let hc: DownloadHealthchecks;
let template: Template;

beforeAll(() => {
  ({ stack, hc } = synth({ schedules: { staging: Duration.minutes(15) } }));
  template = Template.fromStack(stack);
});

/** The policy statements of a function's role. */
function statementsOf(name: HandlerName): Record<string, unknown>[] {
  const roleId = stack.getLogicalId(hc.functions[name].role?.node.defaultChild as never);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}

describe('DownloadHealthchecks: functions and workflow', () => {
  it('deploys one Node.js 22 arm64 function per Task state, and the notifier', () => {
    template.resourceCountIs('AWS::Lambda::Function', 7);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'download-doctor: the storage check',
      Timeout: 30,
      MemorySize: 256,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'download-doctor: the diagnose rules',
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

  it('logs every execution of the Express workflow, with tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('schedules each target once, carrying its name; 5 minutes unless overridden', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({
        Input: '{"target":"production"}',
        Arn: { Ref: Match.stringLikeRegexp('Workflow') },
      }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({ Input: '{"target":"staging"}' }),
    });
  });
});

describe('DownloadHealthchecks: full runs and sentinels on their own schedule', () => {
  const withFullRuns = {
    targets: [targetInput({ name: 'production', fullRunEvery: 12 }), targetInput({ name: 'staging' })],
  } as unknown as ConfigInput;

  it('gives a target with fullRunEvery a second schedule, every N intervals, that starts a full run', () => {
    const { stack, hc } = synth({ config: withFullRuns });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Scheduler::Schedule', 3);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ Input: '{"target":"production","allLayers":true}' }),
    });
    expect(Object.keys(hc.fullRunSchedules)).toEqual(['production']);
  });

  it('refuses a sentinel with ownSchedule that has no schedule, and takes one that has', () => {
    const big = {
      targets: [
        targetInput({
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
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::downloads-prod/hc/healthcheck.txt']],
        },
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
      /workflowType: an Express run can take up to 432 s/,
    ],
    [
      'a schedule for an unknown target',
      { schedules: { qa: Duration.minutes(1) } },
      /schedules\.qa: no target is named "qa"/,
    ],
    [
      'duplicate target names',
      { config: { targets: [targetInput(), targetInput()] } as unknown as ConfigInput },
      /targets\[1\]\.name: duplicates targets\[0\]\.name/,
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
  ])('%s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it('allows a long checkTimeout on a Standard workflow', () => {
    expect(() =>
      synth({ checkTimeout: Duration.seconds(60), workflowType: sfn.StateMachineType.STANDARD }),
    ).not.toThrow();
  });
});

describe('the CDK app', () => {
  it('synthesizes offline with the pinned 2.x CLI (no lookups, no Docker), cdk-nag included', () => {
    const out = mkdtempSync(join(tmpdir(), 'dd-synth-'));
    const r = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(readFileSync(join(out, 'DownloadDoctor.template.json'), 'utf8'));
    expect(
      Object.values(t.Resources).filter((res) => (res as { Type: string }).Type === 'AWS::Lambda::Function'),
    ).toHaveLength(7);
  }, 150_000); // cdk synth, with the integration tests on the other core, can take over 30 s
});
