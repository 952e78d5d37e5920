/**
 * The construct synthesized with N README-style targets (in a VPC: S3 storage, a private app, an HTTPS proxy and
 * end to end, a secret header each), measured against the limits AWS puts on a stack: resources, template bytes,
 * the largest IAM policy as IAM counts it, alarms, dashboard widgets and metrics, and the synth's time. Used by
 * `npm run bench` (bench/scale.ts) and by test/infra/scale.test.ts, which asserts every figure under its limit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { ConfigInput } from '../functions/config/schema.ts';
import { DownloadHealthchecks, type DownloadHealthchecksProps } from '../infra/construct.ts';
import { DownloadProbes } from '../infra/probes.ts';

/** AWS's limits, each with the figure it bounds. */
export const LIMITS = {
  /** CloudFormation: resources in a stack. */
  resources: 500,
  /** CloudFormation: a template uploaded through S3 (cdk deploy does). */
  templateBytes: 1_000_000,
  /** IAM: a managed policy (the strictest); inline policies of a role: 10,240 together. */
  policyChars: 6_144,
  roleInlineChars: 10_240,
  /** CloudWatch: alarms in a Region (the default quota), for every stack of the account. */
  alarms: 5_000,
  /** CloudWatch: widgets on a dashboard; metrics in one graph widget. */
  widgets: 500,
  metricsPerWidget: 500,
} as const;

/** Target i as the README writes one: its own host, its sentinel in one of ten buckets, a token in SSM. */
export function readmeTarget(i: number) {
  const name = `site-${String(i).padStart(4, '0')}`;
  return {
    name,
    sentinel: {
      sha256: 'a'.repeat(64),
      size: 25,
      contentType: 'text/plain',
      fileName: 'healthcheck.txt',
    },
    storage: {
      type: 's3',
      bucket: `example-downloads-${i % 10}`,
      key: `healthcheck/${name}.txt`,
      region: 'eu-west-1',
    },
    app: {
      url: `http://10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:8000/healthcheck-utils/download/`,
      host: `${name}.example.com`,
      offload: { header: 'X-Accel-Redirect', value: `/_storage/healthcheck/${name}.txt` },
      timeoutMs: 5_000,
    },
    proxy: { url: `https://${name}.example.com/healthcheck-utils/storage/`, timeoutMs: 10_000 },
    endToEnd: {
      url: `https://${name}.example.com/healthcheck-utils/download/`,
      headers: { Authorization: { ssm: `/download-doctor/${name}/token` } },
      timeoutMs: 10_000,
      degradedMs: 2_000,
    },
  };
}

export interface ScaleFigures {
  targets: number;
  resources: number;
  templateBytes: number;
  /** The largest single policy document, in characters without whitespace. */
  largestPolicyChars: number;
  /** The largest sum of one role's inline policies. */
  largestRoleChars: number;
  alarms: number;
  widgets: number;
  /** Metrics in the dashboard, all widgets together (a Metrics Insights query counts one). */
  dashboardMetrics: number;
  /** The most metrics in one widget. */
  metricsPerWidget: number;
  synthMs: number;
  /** The synthesized template, for cfn-lint. */
  templateFile: string;
  /** Removes the cloud assembly. */
  cleanup: () => void;
}

type Json = unknown;
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

/**
 * A policy document with its CloudFormation functions resolved into values of a deployed stack's length: pseudo
 * parameters as they are, a resource's name as CloudFormation makes one (its logical id and 13 characters), an ARN
 * as its service writes it. IAM counts the resolved text, without whitespace.
 */
function resolved(value: Json, types: Record<string, string>): Json {
  if (Array.isArray(value)) return value.map((v) => resolved(v, types));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, Json>;
  if ('Ref' in o) {
    const id = String(o.Ref);
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[id]) return pseudo[id];
    const type = types[id] ?? '';
    if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:${ACCOUNT}:${id}-ABCDEFGHIJKLM`;
    return `${id}-ABCDEFGHIJKLM`;
  }
  if ('Fn::GetAtt' in o) {
    const [id] = o['Fn::GetAtt'] as [string, string];
    const service = (types[id] ?? 'AWS::X::Y').split('::')[1]?.toLowerCase();
    return `arn:aws:${service}:${REGION}:${ACCOUNT}:resource/${id}-ABCDEFGHIJKLM`;
  }
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, Json[]];
    return parts.map((p) => String(resolved(p, types))).join(sep);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolved(v, types)]));
}

interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}

/** The dashboard's widgets and their metrics, from its body (references blanked out). */
function dashboardOf(resources: Record<string, Resource>): { widgets: number; metrics: number[] } {
  const dashboard = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  const body = dashboard?.Properties?.DashboardBody as { 'Fn::Join': [string, Json[]] } | string | undefined;
  const text =
    typeof body === 'string'
      ? body
      : (body?.['Fn::Join'][1] ?? []).map((p) => (typeof p === 'string' ? p : 'REF')).join('');
  const widgets = (
    JSON.parse(text || '{"widgets":[]}') as { widgets: { properties: { metrics?: Json[] } }[] }
  ).widgets;
  return { widgets: widgets.length, metrics: widgets.map((w) => w.properties.metrics?.length ?? 0) };
}

/** What a synthesized template weighs against AWS's limits (the dashboard's, when it has one). */
export type TemplateFigures = Omit<ScaleFigures, 'targets' | 'synthMs' | 'templateFile' | 'cleanup'>;

/** A template file's figures: resources, bytes as deployed, policies as IAM counts them, alarms, the dashboard. */
export function templateFigures(templateFile: string): TemplateFigures {
  const text = readFileSync(templateFile, 'utf8');
  const resources = (JSON.parse(text) as { Resources: Record<string, Resource> }).Resources;
  const types = Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type]));
  const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
  const byRole = new Map<string, number>();
  let largestPolicyChars = 0;
  for (const p of policies) {
    const chars = JSON.stringify(resolved(p.Properties?.PolicyDocument, types)).length;
    largestPolicyChars = Math.max(largestPolicyChars, chars);
    for (const role of (p.Properties?.Roles as { Ref: string }[] | undefined) ?? [])
      byRole.set(role.Ref, (byRole.get(role.Ref) ?? 0) + chars);
  }
  const dashboard = dashboardOf(resources);
  return {
    resources: Object.keys(resources).length,
    // As cdk deploy uploads it: minified JSON.
    templateBytes: Buffer.byteLength(JSON.stringify(JSON.parse(text))),
    largestPolicyChars,
    largestRoleChars: Math.max(0, ...byRole.values()),
    alarms: Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length,
    widgets: dashboard.widgets,
    dashboardMetrics: dashboard.metrics.reduce((a, b) => a + b, 0),
    metricsPerWidget: Math.max(0, ...dashboard.metrics),
  };
}

const readmeConfig = (n: number) =>
  ({ targets: Array.from({ length: n }, (_, i) => readmeTarget(i)) }) as unknown as ConfigInput;

/** Synthesizes the construct with `n` README-style targets, and measures the template. */
export function measureScale(n: number, props: Partial<DownloadHealthchecksProps> = {}): ScaleFigures {
  const outdir = mkdtempSync(join(tmpdir(), `dd-scale-${n}-`));
  const started = performance.now();
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Scale', { env: { account: ACCOUNT, region: REGION } });
  const vpc = readmeVpc(stack);
  new DownloadHealthchecks(stack, 'Healthchecks', {
    config: readmeConfig(n),
    vpc,
    instanceName: 'Fleet',
    ...props,
  });
  const assembly = app.synth();
  const synthMs = performance.now() - started;
  const templateFile = join(assembly.directory, stack.templateFile);
  return {
    targets: n,
    ...templateFigures(templateFile),
    synthMs,
    templateFile,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

const readmeVpc = (stack: Stack) =>
  ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  });

/** The probe Regions of measureLocations, besides the home (REGION). */
export const PROBE_REGIONS = ['us-east-1', 'ap-south-1'] as const;

export interface LocationsFigures {
  targets: number;
  /** Each stack's figures: the home's first, then each probe Region's. */
  stacks: (TemplateFigures & { stack: string; region: string; templateFile: string })[];
  synthMs: number;
  cleanup: () => void;
}

/**
 * An app with `n` README-style targets checked from 3 locations: the home's stack (REGION) and a probe stack in each
 * of PROBE_REGIONS (DownloadProbes, as a user's app writes it), synthesized, each template measured.
 */
export function measureLocations(n: number): LocationsFigures {
  const outdir = mkdtempSync(join(tmpdir(), `dd-locations-${n}-`));
  const started = performance.now();
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const config = {
    ...readmeConfig(n),
    locations: [
      { name: 'dublin', region: REGION, home: true },
      ...PROBE_REGIONS.map((region) => ({ name: region, region })),
    ],
  } as unknown as ConfigInput;
  const home = new Stack(app, 'Home', { env: { account: ACCOUNT, region: REGION } });
  new DownloadHealthchecks(home, 'Healthchecks', { config, vpc: readmeVpc(home), instanceName: 'Fleet' });
  const probes = PROBE_REGIONS.map((region) => {
    const stack = new Stack(app, `Probes-${region}`, { env: { account: ACCOUNT, region } });
    new DownloadProbes(stack, 'Probes', { config, location: region, instanceName: 'Fleet' });
    return stack;
  });
  const assembly = app.synth();
  const synthMs = performance.now() - started;
  return {
    targets: n,
    stacks: [home, ...probes].map((stack) => {
      const templateFile = join(assembly.directory, stack.templateFile);
      return { stack: stack.stackName, region: stack.region, templateFile, ...templateFigures(templateFile) };
    }),
    synthMs,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The lines `npm run bench` prints for measureLocations: one per stack. */
export const locationsRows = (f: LocationsFigures) =>
  f.stacks.map(
    (s) =>
      `| ${f.targets} | ${s.stack} (${s.region}) | ${s.resources} | ${(s.templateBytes / 1000).toFixed(0)} KB | ${s.largestPolicyChars} | ${s.largestRoleChars} |`,
  );

export const LOCATIONS_HEADER =
  '| targets | stack | resources (500) | template (1 MB) | largest policy (6,144) | largest role, inline (10,240) |\n' +
  '|---|---|---|---|---|---|';

/** One line of the table `npm run bench` prints. */
export const scaleRow = (f: ScaleFigures) =>
  `| ${f.targets} | ${f.resources} | ${(f.templateBytes / 1000).toFixed(0)} KB | ${f.largestPolicyChars} | ` +
  `${f.largestRoleChars} | ${f.alarms} | ${f.widgets} | ${f.dashboardMetrics} | ${(f.synthMs / 1000).toFixed(1)} s |`;

export const SCALE_HEADER =
  '| targets | resources (500) | template (1 MB) | largest policy (6,144) | largest role, inline (10,240) | alarms | widgets (500) | dashboard metrics | synth |\n' +
  '|---|---|---|---|---|---|---|---|---|';
