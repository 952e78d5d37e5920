/**
 * Several locations synthesized: a home Region and two probe Regions, through infra/app.ts (a config with
 * `locations`: `cdk deploy --all`) and as a user's own app writes it (`new DownloadProbes(stack, ...)`, 1,000
 * targets). Each stack's resources and template under AWS's limits, cfn-lint with no error, no physical name
 * twice across the stacks (IAM and dashboards are global; the rest must not collide either), the probe role's
 * policy as IAM counts it, nothing a probe stack takes from the home's but names (no export, no cross-Region
 * reference: the stacks deploy in any order), and the refusals at synth, each naming its field.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template as Synth } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LIMITS,
  LOCATIONS_HEADER,
  type LocationsFigures,
  locationsRows,
  measureLocations,
  templateFigures,
} from '../../bench/scale-synth.ts';
import { TABLE_KEYS } from '../../functions/alerting/names.ts';
import { locationAttribute } from '../../functions/alerting/slots.ts';
import type { ConfigInput } from '../../functions/config/schema.ts';
import { DownloadHealthchecks } from '../../infra/construct.ts';
import { MAX_LOCATIONS } from '../../infra/limits.ts';
import { DownloadProbes } from '../../infra/probes.ts';
import { cfnLintEach, publicTargetInput } from '../fixtures/cdk.ts';
import { tempDir } from '../fixtures/temp.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const HOME = { name: 'paris', region: 'eu-west-3', home: true };
const VIRGINIA = { name: 'virginia', region: 'us-east-1' };
const MUMBAI = { name: 'mumbai', region: 'ap-south-1' };

const configWith = (locations: object[], targets: object[] = [publicTargetInput()]) =>
  ({ locations, targets }) as unknown as ConfigInput;

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Export?: unknown }>;
}

/** The physical names a template gives its resources, as `Type Name`, its pseudo parameters as deployed. */
function physicalNames(template: Template, region: string): string[] {
  const props: Record<string, string> = {
    'AWS::IAM::Role': 'RoleName',
    'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
    'AWS::CloudWatch::Dashboard': 'DashboardName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::Scheduler::Schedule': 'Name',
    'AWS::Scheduler::ScheduleGroup': 'Name',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::SQS::Queue': 'QueueName',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::Lambda::LayerVersion': 'LayerName',
    'AWS::S3::Bucket': 'BucketName',
  };
  const text = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(text).join('');
    const o = v as Record<string, unknown>;
    if (o.Ref === 'AWS::Region') return region;
    if (o.Ref === 'AWS::AccountId') return '111122223333';
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(text).join(sep);
    }
    return JSON.stringify(o);
  };
  return Object.values(template.Resources).flatMap((r) => {
    const prop = props[r.Type];
    const value = prop && r.Properties?.[prop];
    return value === undefined || value === '' || !prop ? [] : [`${r.Type} ${text(value)}`];
  });
}

/** What a probe template must not hold: anything that ties its deploy to the home's stack but a name. */
function crossStackRefs(template: Template): string[] {
  const text = JSON.stringify(template);
  const found: string[] = [];
  if (text.includes('Fn::ImportValue')) found.push('Fn::ImportValue');
  if (/Custom::CrossRegion|CrossRegionExport/i.test(text)) found.push('a cross-Region reference');
  // Every Ref and GetAtt names a resource or parameter of the template itself (or a pseudo parameter).
  const own = new Set([
    ...Object.keys(template.Resources),
    ...Object.keys((template as { Parameters?: object }).Parameters ?? {}),
  ]);
  for (const m of text.matchAll(/"Ref":"([^"]+)"|"Fn::GetAtt":\["([^"]+)"/g)) {
    const id = m[1] ?? m[2] ?? '';
    if (!id.startsWith('AWS::') && !own.has(id)) found.push(`a reference to ${id}`);
  }
  return found;
}

const readTemplate = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Template;

describe('the app of infra/app.ts with a home Region and two probe Regions (cdk deploy --all)', () => {
  const outdir = tempDir('dd-app-locations-');
  /** infra/app.ts as `cdk synth` runs it (cdk.json's app): the context and the output directory in the environment. */
  const synthApp = (config: object, out = join(outdir, 'cdk.out')) => {
    const file = join(outdir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config));
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['infra/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        CDK_OUTDIR: out,
        CDK_CONTEXT_JSON: JSON.stringify({ 'download-doctor:config': file }),
      },
    });
    return { code: r.status, err: r.stderr, out };
  };

  it('makes the home stack in its Region and a probe stack per other location, each lint-clean, no name twice, nothing shared but names', () => {
    const r = synthApp(configWith([HOME, VIRGINIA, MUMBAI]));
    expect(r.code, r.err).toBe(0);
    const manifest = JSON.parse(readFileSync(join(r.out, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string; dependencies?: string[] }>;
    };
    const stacks = Object.entries(manifest.artifacts).filter(
      ([, a]) => a.type === 'aws:cloudformation:stack',
    );
    expect(Object.fromEntries(stacks.map(([id, a]) => [id, a.environment]))).toEqual({
      DownloadDoctor: 'aws://unknown-account/eu-west-3',
      'DownloadDoctor-virginia': 'aws://unknown-account/us-east-1',
      'DownloadDoctor-mumbai': 'aws://unknown-account/ap-south-1',
    });
    // No stack waits for another: `cdk deploy --all` deploys them in any order (each needs its Region bootstrapped).
    for (const [id, a] of stacks)
      expect(
        (a.dependencies ?? []).filter((d) => !d.endsWith('.assets')),
        id,
      ).toEqual([]);
    const files = stacks.map(([id]) => join(r.out, `${id}.template.json`));
    const lint = cfnLintEach(files);
    for (const f of files) expect(lint.get(f)?.errors, f).toEqual([]);
    const templates = files.map(readTemplate);
    const regions = ['eu-west-3', 'us-east-1', 'ap-south-1'];
    const names = templates.flatMap((t, i) => physicalNames(t, regions[i] ?? ''));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    // The dashboard, the table of slots and the decide queue are the home's alone.
    const probeNames = templates.slice(1).flatMap((t, i) => physicalNames(t, regions[i + 1] ?? ''));
    expect(probeNames.filter((n) => /Dashboard|DynamoDB|SQS|SNS/.test(n))).toEqual([]);
    for (const t of templates.slice(1)) expect(crossStackRefs(t)).toEqual([]);
    expect(Object.values(templates[0]?.Outputs ?? {}).filter((o) => o.Export)).toEqual([]);
    // The probe's rights on the home's slots and queue name them in the home's Region.
    const probePolicies = JSON.stringify(
      Object.values(templates[1]?.Resources ?? {}).filter((x) => x.Type === 'AWS::IAM::Policy'),
    );
    expect(probePolicies).toContain('dynamodb:UpdateItem');
    expect(probePolicies).toContain(':dynamodb:eu-west-3:');
    expect(probePolicies).toContain('table/download-doctor-DownloadDoctorHealthchecks-slots');
    expect(probePolicies).toContain(':sqs:eu-west-3:');
  }, 240_000);

  it('refuses a location without its region, naming the field, and exits 2', () => {
    const r = synthApp(configWith([HOME, VIRGINIA, { name: 'mumbai' }]), join(outdir, 'refused.out'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('locations[2].region: required on AWS');
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 120_000);
});

describe("a user's app: the home's construct and DownloadProbes in two other Regions, 1,000 targets", () => {
  let figures: LocationsFigures | undefined;
  afterAll(() => figures?.cleanup());

  it('stays under every AWS limit per stack, lints clean, and the probe role is small whatever the targets', () => {
    figures = measureLocations(1000);
    console.log(`${LOCATIONS_HEADER}\n${locationsRows(figures).join('\n')}`);
    const [home, ...probes] = figures.stacks;
    if (!home) throw new Error('no home stack');
    expect(probes.map((p) => p.region)).toEqual(['us-east-1', 'ap-south-1']);
    for (const s of figures.stacks) {
      expect(s.resources, s.stack).toBeLessThan(LIMITS.resources / 4);
      expect(s.templateBytes, s.stack).toBeLessThan(LIMITS.templateBytes / 8);
      expect(s.largestPolicyChars, s.stack).toBeLessThan(LIMITS.policyChars / 2);
      expect(s.largestRoleChars, s.stack).toBeLessThan(LIMITS.roleInlineChars / 3);
    }
    for (const p of probes) {
      // No alarm, no dashboard, a dozen resources: the home keeps the paging.
      expect(p.alarms).toBe(0);
      expect(p.widgets).toBe(0);
      expect(p.resources).toBeLessThan(20);
      // The secrets' grant (1,000 SSM parameters) collapsed to their prefix, in the home's Region.
      const t = readFileSync(p.templateFile, 'utf8');
      expect(t).toContain(':ssm:eu-west-1:');
      expect(t).toContain('parameter/download-doctor/site-');
      expect(crossStackRefs(readTemplate(p.templateFile))).toEqual([]);
    }
    const lint = cfnLintEach(figures.stacks.map((s) => s.templateFile));
    for (const s of figures.stacks) expect(lint.get(s.templateFile)?.errors, s.stack).toEqual([]);
    const names = figures.stacks.flatMap((s) => physicalNames(readTemplate(s.templateFile), s.region));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    // One probe stack's figures do not depend on the other's.
    expect(templateFigures(probes[0]?.templateFile ?? '').resources).toBe(probes[1]?.resources);
  }, 240_000);
});

describe('refusals at synth, each naming its field', () => {
  /** The message a synth throws (it must throw). */
  const refusal = (build: (app: App) => void): string => {
    const app = new App({ outdir: tempDir('dd-refused-'), context: { 'aws:cdk:bundling-stacks': [] } });
    try {
      build(app);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('synth did not refuse');
  };
  const probesIn = (app: App, region: string, config: ConfigInput, location: string) =>
    new DownloadProbes(new Stack(app, `Probes-${region}`, { env: { region } }), 'Probes', {
      config,
      location,
      instanceName: 'Shop',
    });
  const three = configWith([HOME, VIRGINIA, MUMBAI]);

  const homeIn = (app: App, config: ConfigInput, props: object = {}) =>
    new DownloadHealthchecks(new Stack(app, 'Home', { env: { region: 'eu-west-3' } }), 'Hc', {
      config,
      instanceName: 'Shop',
      ...props,
    });

  it('a probe stack whose instanceName is not its home’s in the same app (it would write to no table), at synth', () => {
    // Either made first: the whole app is looked at when it synthesizes.
    for (const probesFirst of [false, true])
      expect(
        refusal((app) => {
          if (probesFirst) probesIn(app, 'us-east-1', three, 'virginia');
          homeIn(app, three, { instanceName: 'Production' });
          if (!probesFirst) probesIn(app, 'us-east-1', three, 'virginia');
          app.synth();
        }),
      ).toContain(
        'instanceName: "Shop" names no DownloadHealthchecks in this app; the home of virginia here is "Production"',
      );
  });

  it('a home and its probes on different schedules or spreads (their slots would never match), either made first', () => {
    // The probes first, at the default 5 minutes; the home at 10: the home says which probe and which target.
    const target = (three.targets[0] as { name: string }).name;
    expect(
      refusal((app) => {
        probesIn(app, 'us-east-1', three, 'virginia');
        homeIn(app, three, { defaultSchedule: Duration.minutes(10) });
      }),
    ).toContain(
      `DownloadProbes at virginia: schedules.${target}: every 5 min here, every 10 min at the home: give both the same config, defaultSchedule and schedules`,
    );
    expect(
      refusal((app) => {
        homeIn(app, three);
        new DownloadProbes(new Stack(app, 'Probes-us-east-1', { env: { region: 'us-east-1' } }), 'Probes', {
          config: three,
          location: 'virginia',
          instanceName: 'Shop',
          startSpread: Duration.seconds(90),
        });
      }),
    ).toMatch(
      /startSpread: 90 s here for the 5 min interval, \d+(\.\d+)? s at the home: give both the same startSpread/,
    );
  });

  it('not the probes of one home beside a second home of the same locations (two instances in one app)', () => {
    // A production and a staging instance, each with its probes: the second home is no reason to refuse the first's.
    const app = new App({ outdir: tempDir('dd-two-homes-'), context: { 'aws:cdk:bundling-stacks': [] } });
    homeIn(app, three);
    probesIn(app, 'us-east-1', three, 'virginia');
    // The staging probes made before their home: not refused for the production home already there.
    const stagingProbes = new DownloadProbes(
      new Stack(app, 'Staging-ap-south-1', { env: { region: 'ap-south-1' } }),
      'Probes',
      { config: three, location: 'mumbai', instanceName: 'Staging' },
    );
    const staging = new Stack(app, 'Staging', { env: { region: 'eu-west-3' } });
    expect(
      () => new DownloadHealthchecks(staging, 'Hc', { config: three, instanceName: 'Staging' }),
    ).not.toThrow();
    expect(stagingProbes.node.validate()).toEqual([]);
  });

  it('a probe stack for a location the config does not name', () => {
    expect(refusal((app) => probesIn(app, 'ap-northeast-1', three, 'tokyo'))).toContain(
      'location: "tokyo" is not a location of the config other than the home (virginia, mumbai)',
    );
  });

  it('names the construct the user wrote: DownloadProbes, not DownloadHealthchecks', () => {
    // From a new user's trial: a probe stack's refusal read `DownloadHealthchecks "Probes":`.
    expect(refusal((app) => probesIn(app, 'ap-northeast-1', three, 'tokyo'))).toMatch(
      /^DownloadProbes "Probes":\n/,
    );
    const bad = { ...three, consensus: { quorum: 4 } } as ConfigInput;
    expect(refusal((app) => probesIn(app, 'us-east-1', bad, 'virginia'))).toMatch(
      /^DownloadProbes "Probes": invalid config:\nconsensus\.quorum: /,
    );
  });

  it("a probe stack for the home, or in the home's Region", () => {
    expect(refusal((app) => probesIn(app, 'us-west-2', three, 'paris'))).toContain(
      'location: "paris" is not a location of the config other than the home',
    );
    expect(refusal((app) => probesIn(app, 'eu-west-3', three, 'virginia'))).toContain(
      "env.region: this stack deploys to eu-west-3, the home's Region",
    );
  });

  it("a probe stack in another Region than its location's", () => {
    expect(refusal((app) => probesIn(app, 'us-west-2', three, 'virginia'))).toContain(
      'location: "virginia" is in us-east-1 (the config\'s locations), but this stack deploys to us-west-2',
    );
  });

  it('a location without its region, or in the home’s Region, or two in one', () => {
    const message = refusal((app) =>
      probesIn(
        app,
        'us-east-1',
        configWith([
          HOME,
          VIRGINIA,
          { name: 'nowhere' },
          { name: 'paris-2', region: 'eu-west-3' },
          { name: 'virginia-2', region: 'us-east-1' },
        ]),
        'virginia',
      ),
    );
    expect(message).toContain('locations[2].region: required on AWS');
    expect(message).toContain("locations[3].region: eu-west-3 is the home's Region (locations[0])");
    expect(message).toContain("locations[4].region: us-east-1 is locations[1]'s too");
  });

  it(`more than ${MAX_LOCATIONS} locations, at the home's stack too`, () => {
    const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2'];
    regions.push('eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'sa-east-1');
    const many = configWith([
      HOME,
      ...regions.slice(0, MAX_LOCATIONS).map((region, i) => ({ name: `loc-${i}`, region })),
    ]);
    expect(
      refusal((app) => {
        new DownloadHealthchecks(new Stack(app, 'Home', { env: { region: 'eu-west-3' } }), 'Hc', {
          config: many,
        });
      }),
    ).toContain(`locations: ${MAX_LOCATIONS + 1} locations, over the ${MAX_LOCATIONS}`);
  });

  it('an interval that does not divide an hour or a day (each Region would tick at its own time)', () => {
    const seven = configWith(
      [HOME, VIRGINIA],
      [
        publicTargetInput({ name: 'shop-a', schedule: '7m' }),
        publicTargetInput({ name: 'shop-b', schedule: '10m' }),
      ],
    );
    const message = refusal((app) => probesIn(app, 'us-east-1', seven, 'virginia'));
    expect(message).toContain('config.targets[0].schedule: every 7m does not divide an hour or a day');
    expect(message).not.toContain('targets[1]');
    // The home refuses it too, and names a prop when the prop sets it.
    expect(
      refusal((app) => {
        new DownloadHealthchecks(new Stack(app, 'Home', { env: { region: 'eu-west-3' } }), 'Hc', {
          config: configWith([HOME, VIRGINIA]),
          defaultSchedule: Duration.minutes(45),
        });
      }),
    ).toContain('defaultSchedule: every 45m does not divide an hour or a day');
    // An interval of no whole minutes is refused once, as such, not again as unaligned; and without a stack trace.
    const halfMinute = configWith([HOME, VIRGINIA], [publicTargetInput({ name: 'shop-c', schedule: '30s' })]);
    let thrown: Error | undefined;
    try {
      const app = new App({ outdir: tempDir('dd-30s-'), context: { 'aws:cdk:bundling-stacks': [] } });
      probesIn(app, 'us-east-1', halfMinute, 'virginia');
    } catch (err) {
      thrown = err as Error;
    }
    expect(thrown?.message).toContain('targets[0].schedule');
    expect(thrown?.message).not.toContain('does not divide');
    expect(thrown?.stack).toBe(`DownloadHealthchecksError: ${thrown?.message}`);
    // One location alone keeps its rate schedule.
    expect(() => {
      const app = new App({ outdir: tempDir('dd-one-'), context: { 'aws:cdk:bundling-stacks': [] } });
      new DownloadHealthchecks(new Stack(app, 'One', { env: { region: 'eu-west-3' } }), 'Hc', {
        config: { targets: [publicTargetInput()] } as unknown as ConfigInput,
        defaultSchedule: Duration.minutes(45),
      });
    }).not.toThrow();
  });

  it('a probe function whose timeout cannot hold the check, its confirmation and the send home', () => {
    const slow = configWith(
      [HOME, VIRGINIA],
      [publicTargetInput({ endToEnd: { url: 'https://www.example.com/d/', timeoutMs: 12_000 } })],
    );
    expect(refusal((app) => probesIn(app, 'us-east-1', slow, 'virginia'))).toContain(
      'targets[0].endToEnd.timeoutMs: a probe Region runs the end-to-end check and its confirmation in one function',
    );
    // The same target at the home: one check an invocation, within the same 30 s.
    expect(() => {
      const app = new App({ outdir: tempDir('dd-home-'), context: { 'aws:cdk:bundling-stacks': [] } });
      new DownloadHealthchecks(new Stack(app, 'Home', { env: { region: 'eu-west-3' } }), 'Hc', {
        config: slow,
      });
    }).not.toThrow();
  });

  it('a target that names a probe Region as reaching its private network', () => {
    expect(
      refusal((app) =>
        probesIn(
          app,
          'us-east-1',
          configWith([HOME, VIRGINIA], [publicTargetInput({ privateLocations: ['virginia'] })]),
          'virginia',
        ),
      ),
    ).toContain('targets[0].privateLocations[0]: "virginia" is a probe Region on AWS');
  });
});

describe("the home's decide queue", () => {
  it('has a dead-letter queue of its own (not the notifier’s), watched by its own alarm to the monitor topic, and answers per message', () => {
    const app = new App({ outdir: tempDir('dd-decide-'), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Home', { env: { region: 'eu-west-3' } });
    const hc = new DownloadHealthchecks(stack, 'Hc', { config: configWith([HOME, VIRGINIA, MUMBAI]) });
    const t = Synth.fromStack(stack);
    const id = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    if (!hc.decideQueue || !hc.decideDeadLetters) throw new Error('no decide queue');
    const queue = t.toJSON().Resources[id(hc.decideQueue)] as {
      Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': string[] } } };
    };
    const dlq = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(dlq).toBe(id(hc.decideDeadLetters));
    expect(dlq).not.toBe(id(hc.notifierDeadLetters));
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(hc.decideQueue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const alarm = hc.monitorAlarms.DecideDeadLetters;
    if (!alarm) throw new Error('no alarm on the decide queue’s dead letters');
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'download-doctor-HomeHc-monitor-DecideDeadLetters',
      AlarmDescription: Match.stringLikeRegexp('the decisions of several locations are failing'),
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      AlarmActions: [{ Ref: id(hc.monitorTopic) }],
    });
    // The notifier's dead letters' alarm still speaks of pages, about its own queue only.
    const notifierAlarm = t.toJSON().Resources[id(hc.monitorAlarms.NotifierDeadLetters)] as {
      Properties: { Dimensions: unknown[] };
    };
    expect(JSON.stringify(notifierAlarm.Properties.Dimensions)).toContain(id(hc.notifierDeadLetters));
  });

  it('a home without locations has none of it', () => {
    const app = new App({ outdir: tempDir('dd-decide-'), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Home', { env: { region: 'eu-west-3' } });
    const hc = new DownloadHealthchecks(stack, 'Hc', { config: configWith([HOME]) });
    expect(hc.decideDeadLetters).toBeUndefined();
    expect(hc.monitorAlarms.DecideDeadLetters).toBeUndefined();
  });
});

describe("a probe stack's account", () => {
  const probes = (env: { region: string; account?: string }, homeAccount?: string) => {
    const app = new App({ outdir: tempDir('dd-account-'), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Probes', { env });
    const p = new DownloadProbes(stack, 'Probes', {
      config: configWith([HOME, VIRGINIA]),
      location: 'virginia',
      instanceName: 'Shop',
      ...(homeAccount ? { homeAccount } : {}),
    });
    return { stack, p };
  };

  it('is refused at synth when it is not the home’s, naming the field (cross-account is not supported yet)', () => {
    expect(() => probes({ region: 'us-east-1', account: '111111111111' }, '222222222222')).toThrow(
      /homeAccount: the home is in account 222222222222, but this stack deploys to 111111111111: probes in another account than the home's are not supported yet/,
    );
    expect(() => probes({ region: 'us-east-1' }, 'prod')).toThrow(
      'homeAccount: "prod" is not an AWS account ID (12 digits)',
    );
  });

  it('names the home’s table and queue in the home’s account when given, else in its own', () => {
    const given = probes({ region: 'us-east-1' }, '222222222222');
    const text = JSON.stringify(Synth.fromStack(given.stack).toJSON());
    expect(text).toContain(':dynamodb:eu-west-3:222222222222:table/download-doctor-Shop-slots');
    expect(text).toContain(':sqs:eu-west-3:222222222222:download-doctor-Shop-decide');
    expect(text).toContain('"/222222222222/download-doctor-Shop-decide"');
    const same = probes({ region: 'us-east-1', account: '222222222222' }, '222222222222');
    expect(JSON.stringify(Synth.fromStack(same.stack).toJSON())).toContain(
      ':222222222222:table/download-doctor-Shop-slots',
    );
    // Without it: the stack's own account (AWS::AccountId), the same account as the home's.
    const own = JSON.stringify(Synth.fromStack(probes({ region: 'us-east-1' }).stack).toJSON());
    expect(own).not.toContain('222222222222');
    expect(own).toContain('{"Ref":"AWS::AccountId"},":table/download-doctor-Shop-slots"');
  });
});

describe("the probe's rights on the home's slots table", () => {
  it('writes its own attribute and the TTL only, never the home’s run or another location’s result', () => {
    const app = new App({ outdir: tempDir('dd-attrs-'), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Probes', { env: { region: 'us-east-1' } });
    new DownloadProbes(stack, 'Probes', {
      config: configWith([HOME, VIRGINIA, MUMBAI]),
      location: 'virginia',
      instanceName: 'Shop',
    });
    const policies = Object.values(Synth.fromStack(stack).findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: unknown; Condition?: unknown }[] } };
    }[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const update = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(update.map((s) => [s.Action, s.Condition])).toEqual([
      [
        'dynamodb:UpdateItem',
        {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'loc:virginia', 'expiresAt'] },
          StringEquals: { 'dynamodb:ReturnValues': 'ALL_NEW' },
        },
      ],
    ]);
    // The slot's item as functions/probes/slot-store.ts writes it: the keys, `loc:NAME` and the TTL.
    expect(locationAttribute('virginia')).toBe('loc:virginia');
    expect(TABLE_KEYS).toMatchObject({ partition: 'pk', sort: 'sk', ttl: 'expiresAt' });
  });
});
