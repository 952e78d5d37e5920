/**
 * The props of DownloadHealthchecks, and their resolution: every prop and default resolved once, into one object,
 * with every problem a synth must refuse listed together (each naming its prop or config field).
 */
import { createHash } from 'node:crypto';
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { Deployment } from '../functions/alerting/deployment.ts';
import type { MetricDetail } from '../functions/alerting/metrics.ts';
import {
  INSTANCE_NAME,
  INSTANCE_NAME_RULE,
  type InstanceNames,
  instanceNames,
} from '../functions/alerting/names.ts';
import type { AlarmRule } from '../functions/alerting/rules.ts';
import { parseDuration } from '../functions/config/duration.ts';
import {
  DEFAULT_WAIT_SHARE,
  hasLocations,
  locationRunMs,
  locationsOf,
  quorumOf,
} from '../functions/config/locations.ts';
import type { Config, ConfigInput } from '../functions/config/schema.ts';
import { formatProblems, validateConfig } from '../functions/config/validate.ts';
import { SELF_TEST_CONCURRENCY } from '../functions/contract/concurrency.ts';
import { LAYERS } from '../functions/contract/names.ts';
import { DownloadHealthchecksError } from './errors.ts';
import { intervalLabel, isClockAligned } from './fleet.ts';
import {
  fleetProblems,
  iamProblems,
  lambdaProblems,
  locationProblems,
  longestConfirmWaitSeconds,
  probeProblems,
  synthProblems,
} from './limits.ts';
import { type AlarmDatapoints, maxEvaluationSeconds, type RuleId, resolveAlarmRules } from './telemetry.ts';
import { worstRunSeconds } from './workflow.ts';

export interface DownloadHealthchecksProps {
  /** The targets, as in download-doctor.config.ts (validated here; a bad config fails the synth). */
  readonly config: ConfigInput;
  /**
   * The instance's name, in its alarm names (`download-doctor-INSTANCE-TARGET-RULE`), schedule names
   * (`INSTANCE-every-5m`), dashboard name, workflow log group and metric namespace (`DownloadDoctor/INSTANCE`), so
   * that any number of instances coexist in one account, region and stack (staging and production, say). Letters
   * and digits, 30 at most.
   * @default - the stack's name and the construct's path, letters and digits only (`DownloadDoctorHealthchecks`):
   * unique in an account and region, as stack names are; cut to 30 characters with a hash when longer
   */
  readonly instanceName?: string;
  /**
   * How often each target runs when neither `schedules` nor its config's `schedule` says.
   * @default Duration.minutes(5)
   */
  readonly defaultSchedule?: Duration;
  /**
   * Per-target schedules, by target name, overriding the config's `schedule` and `defaultSchedule`.
   * @default - each target's `schedule` in the config (whole minutes), else `defaultSchedule`
   */
  readonly schedules?: Readonly<Record<string, Duration>>;
  /**
   * The starts of an interval's targets spread over this much of each period, each target at a stable offset of its
   * own (no stampede on a shared origin or on Lambda's concurrency). The fleet workflow waits for the last start,
   * and Express bills that wait: every second of spread costs about $0.009 a month per 5-minute interval, $0.045 per
   * 1-minute one (docs/cost.md). At most 240 s (the fleet's Express run ends within 5 minutes); never more than
   * half the period.
   * @default - a quarter of a second per target of the interval (4 starts a second), at most half its period and
   * 240 s: 25 s for 100 targets, 150 s for 1,000 every 5 minutes
   */
  readonly startSpread?: Duration;
  /**
   * How many of a tick's targets the fleet workflow's Map handles at once (each waits for its start, then starts its
   * run and is done): starts are sorted, so a bound delays none of them by more than a start's call.
   * @default 40
   */
  readonly maxConcurrency?: number;
  /**
   * Publish the full per-layer metric set (CheckSuccess, CheckDuration, CheckFirstByte and TlsDaysLeft by target
   * and layer, and Degraded, Flapped, MonitorWarning, TlsDaysLeft per target: 21 series a target, $6.30 a month),
   * and the instance's aggregates. Off, each target has 2 series (Healthy and Duration, $0.60 a month); the
   * per-layer detail stays in the stored reports and in the report function's structured log lines.
   * @default false
   */
  readonly detailedMetrics?: boolean;
  /**
   * Express costs about a sixth of Standard per run for this workflow (docs/cost.md); Standard keeps 90 days of
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
   * A VPC for the check functions, when the app port or the proxy has private addresses (without one, synth
   * refuses them). The checks then need an S3 gateway endpoint (storage), interface endpoints or NAT for Secrets
   * Manager and SSM (secret headers), and a route to every URL they check. Their roles get the network-interface
   * permissions Lambda needs. Diagnose, report, the notifier and the self-test stay outside.
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
   * M of N per alarm rule, overriding TARGET_ALARMS (functions/alerting/rules.ts), for every target, and
   * optionally `recoverAfter` (healthy runs in a row before a recovery). A period is one run, the target's schedule
   * interval. A confirmed hard failure raises `down` at once whatever its M. M must not exceed N.
   * @default - TARGET_ALARMS: `down` 2 of 3 (a confirmed failure at once), `degraded` 3 of 3, both recovering after
   * 2 healthy runs; `no-data` 2 of 3, `tls-expiry` 1 of 1
   */
  readonly alarmDatapoints?: Readonly<Partial<Record<RuleId, AlarmDatapoints>>>;
  /**
   * The `tls-expiry` warning fires when a target's certificate has fewer days left than this (TlsDaysLeft).
   * @default 14
   */
  readonly tlsDaysLeftThreshold?: number;
  /**
   * M of N for the monitor's alarms on failed, timed-out or throttled runs and on function errors (a period is
   * the longest schedule, 5 minutes at least). The paging path's alarms (dead letters, dropped events, failed
   * notifications) stay 1 of 1: each is a page lost.
   * @default { datapointsToAlarm: 2, evaluationPeriods: 3 }
   */
  readonly monitorAlarmDatapoints?: AlarmDatapoints;
  /**
   * A URL pinged (GET, 5 s deadline) after every completed run: a dead-man's switch outside AWS (healthchecks.io,
   * Cronitor, ...) that pages when the pings stop. It is visible in the report function's configuration.
   * @default - no heartbeat
   */
  readonly heartbeatUrl?: string;
  /**
   * Run every check of every target (all four layers) once after each deployment that changes the checks, and
   * fail the deployment when the monitor itself is broken (IAM, VPC, DNS, a storage setting that does not match
   * what the proxy serves), not when a target is unhealthy.
   * @default false
   */
  readonly selfTest?: boolean;
  /**
   * What the workflow logs. Payloads (`workflowLogExecutionData`) are the largest per-run cost at level ALL.
   * @default sfn.LogLevel.ERROR
   */
  readonly workflowLogLevel?: sfn.LogLevel;
  /** @default false */
  readonly workflowLogExecutionData?: boolean;
  /**
   * X-Ray tracing of the functions (active) and of the workflows. A trace a run ($5 a million) is the largest
   * per-run charge after the workflow itself: $0.04 a target-month at 5 minutes, $0.22 at 1 minute
   * (docs/cost.md). Turn it on to follow a slow run through its functions.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * What happens to the report bucket when the construct is removed. DESTROY empties it first (CDK's auto-delete
   * objects function).
   * @default RemovalPolicy.RETAIN
   */
  readonly reportBucketRemovalPolicy?: RemovalPolicy;
  /**
   * The runtime of every function: Node.js 22 or newer (the bundles are built for Node.js 22).
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
  /**
   * Tags for every resource of the construct.
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Fixed choices, in one place. */
export const FIXED = {
  defaultSchedule: Duration.minutes(5),
  checkTimeout: Duration.seconds(30),
  /** Diagnose and report. */
  diagnoseTimeout: Duration.seconds(10),
  /** Two SDK calls of 5 s at most (read the report, publish the page), and a cold start. */
  notifierTimeout: Duration.seconds(30),
  memorySize: 256,
  smallMemorySize: 128,
  /** The shortest period of the monitor's own alarms and graphs. */
  monitorPeriod: Duration.minutes(5),
  monitorDatapoints: { datapointsToAlarm: 2, evaluationPeriods: 3 },
  tlsDaysLeftThreshold: 14,
  /** Starts a second, by default: the spread of an interval grows with its targets. */
  startsPerSecond: 4,
  /** The fleet's Express run: the plan, then the last start; 60 s are left for the plan and the starts' calls. */
  maxSpreadSeconds: 240,
  maxConcurrency: 40,
  /** The plan function: a batch read of the interval's states, and the silent ones' steps. */
  planTimeout: Duration.seconds(60),
} as const;

/** Each target's interval in milliseconds. */
const intervalsMs = (intervals: Readonly<Record<string, Duration>>) =>
  Object.fromEntries(Object.entries(intervals).map(([n, d]) => [n, d.toMilliseconds()]));

/** Every prop and default, resolved once. */
export interface Resolved {
  readonly config: Config;
  readonly configInput: ConfigInput;
  readonly names: InstanceNames;
  /** Each target's schedule, by name. */
  readonly intervals: Readonly<Record<string, Duration>>;
  /** The distinct intervals, in milliseconds, shortest first: one schedule each. */
  readonly fleetIntervals: readonly number[];
  /** What the report and plan functions read (the config layer's deployment file). */
  readonly deployment: Deployment;
  readonly maxConcurrency: number;
  readonly metrics: MetricDetail;
  readonly alarmRules: readonly AlarmRule[];
  readonly workflowType: sfn.StateMachineType;
  readonly checkTimeout: Duration;
  readonly diagnoseTimeout: Duration;
  readonly notifierTimeout: Duration;
  /** The self-test's timeout: every check in parallel, each up to its Lambda timeout, and the reply. */
  readonly selfTestTimeout: Duration;
  readonly memorySize: number;
  readonly vpc: Pick<DownloadHealthchecksProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> | undefined;
  readonly logRetention: logs.RetentionDays;
  readonly monitorPeriod: Duration;
  readonly monitorDatapoints: AlarmDatapoints;
  readonly heartbeatUrl: string | undefined;
  readonly selfTest: boolean;
  readonly workflowLogs: { level: sfn.LogLevel; includeExecutionData: boolean };
  readonly tracing: boolean;
  readonly reportBucketRemovalPolicy: RemovalPolicy;
  readonly runtime: lambda.Runtime;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * `DownloadDoctorHealthchecks` from stack `DownloadDoctor` and construct path `Healthchecks`: letters and digits,
 * starting with a letter, cut to 30 characters with a hash of the whole when longer.
 */
export function defaultInstanceName(stackName: string, pathBelowStack: string): string {
  const whole = `${stackName}${pathBelowStack}`.replace(/[^A-Za-z0-9]/g, '');
  const name = /^[A-Za-z]/.test(whole) ? whole : `D${whole}`;
  if (name.length <= 30) return name;
  return `${name.slice(0, 22)}${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

function instanceNameOf(scope: Construct, id: string, given: string | undefined): string {
  if (given !== undefined) return given;
  const stack = Stack.of(scope);
  const below = scope.node.path.slice(stack.node.path.length);
  return defaultInstanceName(
    Token.isUnresolved(stack.stackName) ? stack.node.id : stack.stackName,
    below || id,
  );
}

/**
 * With several locations, every interval must tick at the same instants in each Region (infra/fleet.ts
 * isClockAligned): one problem per field that sets an interval which does not, naming its targets.
 */
function alignmentProblems(
  config: Config,
  props: DownloadHealthchecksProps,
  intervals: Readonly<Record<string, Duration>>,
): string[] {
  const byField = new Map<string, { label: string; targets: string[] }>();
  config.targets.forEach((t, i) => {
    const d = intervals[t.name];
    // An interval of no whole minutes is refused already, as such.
    if (!d || !Number.isInteger(d.toMinutes({ integral: false })) || isClockAligned(d.toMilliseconds()))
      return;
    const field = props.schedules?.[t.name]
      ? `schedules.${t.name}`
      : t.schedule
        ? `config.targets[${i}].schedule`
        : 'defaultSchedule';
    const entry = byField.get(field) ?? { label: intervalLabel(d.toMilliseconds()), targets: [] };
    entry.targets.push(t.name);
    byField.set(field, entry);
  });
  return [...byField].map(
    ([field, { label, targets }]) =>
      `${field}: every ${label} does not divide an hour or a day, so each Region's schedule would tick at its own ` +
      `time and the locations' runs of a slot could not be matched (${targets.length} target(s): ` +
      `${targets.slice(0, 3).join(', ')}${targets.length > 3 ? ', …' : ''}): with several locations, use 1, 2, 3, 4, 5, 6, 10, ` +
      '12, 15, 20 or 30 minutes, or 1, 2, 3, 4, 6, 8, 12 or 24 hours',
  );
}

const isWhole = (n: number, min: number) => Number.isInteger(n) && n >= min;

/**
 * The props resolved, or a DownloadHealthchecksError listing every problem. `location`: for a probe Region's stack
 * (infra/probes.ts), the location it is: its checks are the end-to-end ones only.
 */
export function resolveProps(
  scope: Construct,
  id: string,
  props: DownloadHealthchecksProps,
  options: { location?: string } = {},
): Resolved {
  // A refusal names the construct the user wrote: DownloadProbes resolves its props here too.
  const construct = `${options.location === undefined ? 'DownloadHealthchecks' : 'DownloadProbes'} "${id}"`;
  const v = validateConfig(props.config);
  if (!v.ok)
    throw new DownloadHealthchecksError(`${construct}: invalid config:\n${formatProblems(v.problems)}`);
  const config = v.config;
  const problems: string[] = [];

  const instance = instanceNameOf(scope, id, props.instanceName);
  if (!INSTANCE_NAME.test(instance))
    problems.push(`instanceName: "${instance}" must be ${INSTANCE_NAME_RULE}`);
  const checkTimeout = props.checkTimeout ?? FIXED.checkTimeout;
  const workflowType = props.workflowType ?? sfn.StateMachineType.EXPRESS;
  const intervals = Object.fromEntries(
    config.targets.map((t) => [
      t.name,
      props.schedules?.[t.name] ??
        (t.schedule ? Duration.millis(parseDuration(t.schedule) ?? 0) : undefined) ??
        props.defaultSchedule ??
        FIXED.defaultSchedule,
    ]),
  );
  // EventBridge Scheduler's rates, and the fleet's ticks, are whole minutes.
  const scheduleFields: [string, Duration][] = [
    ...(props.defaultSchedule ? [['defaultSchedule', props.defaultSchedule] as [string, Duration]] : []),
    ...Object.entries(props.schedules ?? {}).map(([n, d]): [string, Duration] => [`schedules.${n}`, d]),
  ];
  for (const [field, d] of scheduleFields) {
    const ms = d.toMilliseconds();
    if (ms < 60_000 || ms % 60_000 !== 0)
      problems.push(
        `${field}: ${d.toHumanString()} is not a whole number of minutes (1 at least), which EventBridge Scheduler needs: use Duration.minutes`,
      );
  }
  const spread = props.startSpread;
  if (spread && (spread.toMilliseconds() < 0 || spread.toSeconds() > FIXED.maxSpreadSeconds))
    problems.push(
      `startSpread: ${spread.toHumanString()}: the fleet's Express run waits for the last start, so at most ${FIXED.maxSpreadSeconds} s`,
    );
  const maxConcurrency = props.maxConcurrency ?? FIXED.maxConcurrency;
  if (!isWhole(maxConcurrency, 1) || maxConcurrency > 1000)
    problems.push(`maxConcurrency: must be a whole number from 1 to 1000 (got ${maxConcurrency})`);
  const threshold = props.tlsDaysLeftThreshold ?? FIXED.tlsDaysLeftThreshold;
  if (!isWhole(threshold, 1))
    problems.push(`tlsDaysLeftThreshold: must be a whole number of days, 1 or more (got ${threshold})`);
  const names = instanceNames(instance);
  const several = hasLocations(config);
  const alarms = resolveAlarmRules(props.alarmDatapoints, { 'tls-expiry': threshold }, several);
  const where = locationsOf(config);
  if (options.location !== undefined) {
    if (!several) problems.push('config.locations: a probe stack needs two locations or more in the config');
    else if (!where.others.some((l) => l.name === options.location))
      problems.push(
        `location: "${options.location}" is not a location of the config other than the home (${where.others.map((l) => l.name).join(', ')})`,
      );
  }
  const monitorPeriod = Duration.seconds(
    Math.max(FIXED.monitorPeriod.toSeconds(), ...Object.values(intervals).map((d) => d.toSeconds())),
  );
  const monitorDatapoints = props.monitorAlarmDatapoints ?? FIXED.monitorDatapoints;
  const { datapointsToAlarm: m, evaluationPeriods: n } = monitorDatapoints;
  if (!isWhole(m, 1) || !isWhole(n, 1) || m > n)
    problems.push(
      `monitorAlarmDatapoints: datapointsToAlarm (${m}) and evaluationPeriods (${n}) must be whole numbers, ` +
        '1 or more, with datapointsToAlarm not above evaluationPeriods',
    );
  else if (n * monitorPeriod.toSeconds() > maxEvaluationSeconds(monitorPeriod.toSeconds()))
    problems.push(
      `monitorAlarmDatapoints.evaluationPeriods: ${n} periods of ${monitorPeriod.toSeconds()} s (the longest schedule) ` +
        `span more than CloudWatch's ${maxEvaluationSeconds(monitorPeriod.toSeconds())} s`,
    );
  const runtime = props.runtime ?? lambda.Runtime.NODEJS_22_X;
  const major = Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? 0);
  if (runtime.family !== lambda.RuntimeFamily.NODEJS || major < 22)
    problems.push(
      `runtime: ${runtime.name}: the bundles need Node.js 22 or newer (nodejs22.x, nodejs24.x, ...)`,
    );
  if (props.heartbeatUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(props.heartbeatUrl))
    problems.push(`heartbeatUrl: must be an http(s) URL (got ${JSON.stringify(props.heartbeatUrl)})`);
  for (const [key, value] of Object.entries(props.tags ?? {}))
    if (!key || key.length > 128 || value.length > 256 || key.startsWith('aws:'))
      problems.push(
        `tags.${key}: a tag key is 1-128 characters, not starting with "aws:"; a value 256 at most`,
      );

  problems.push(
    ...synthProblems(config, {
      checkTimeoutSeconds: checkTimeout.toSeconds(),
      // The report function has the diagnose function's timeout: worstRunSeconds counts both with it.
      diagnoseTimeoutSeconds: FIXED.diagnoseTimeout.toSeconds(),
      express: workflowType === sfn.StateMachineType.EXPRESS,
      scheduledTargets: Object.keys(props.schedules ?? {}),
    }),
    ...lambdaProblems(props.config, props.vpc !== undefined, options.location !== undefined),
    ...(options.location !== undefined ? probeProblems(config, checkTimeout.toSeconds()) : []),
    ...(several ? alignmentProblems(config, props, intervals) : []),
    ...locationProblems(
      props.config,
      names,
      [...new Set(Object.values(intervals).map((d) => d.toMilliseconds()))].map(intervalLabel),
    ),
    ...fleetProblems(config, intervalsMs(intervals)),
    ...iamProblems(config),
    ...alarms.problems,
  );
  if (problems.length) throw new DownloadHealthchecksError(`${construct}:\n${problems.join('\n')}`);

  const metrics: MetricDetail = props.detailedMetrics ? 'full' : 'summary';
  const periodMsOf = (name: string) =>
    intervals[name]?.toMilliseconds() ?? FIXED.defaultSchedule.toMilliseconds();
  const spreadMs: Record<string, number> = {};
  for (const d of Object.values(intervals)) {
    const ms = d.toMilliseconds();
    const targets = Object.values(intervals).filter((x) => x.toMilliseconds() === ms).length;
    const wanted = spread?.toMilliseconds() ?? Math.ceil((1000 * targets) / FIXED.startsPerSecond);
    spreadMs[String(ms)] = Math.min(wanted, Math.floor(ms / 2), FIXED.maxSpreadSeconds * 1000);
  }
  const longestSpread = Math.max(0, ...Object.values(spreadMs));
  const deployment: Deployment = {
    targets: config.targets.map((t) => ({
      name: t.name,
      periodMs: periodMsOf(t.name),
      ...(t.fullRunEvery ? { fullRunEvery: t.fullRunEvery } : {}),
      ...(t.confirmDelayMs ? { confirmDelayMs: t.confirmDelayMs } : {}),
      ...(several ? { quorum: quorumOf(config, t).k, locationRunMs: locationRunMs(t) } : {}),
    })),
    rules: alarms.rules,
    metrics,
    spreadMs,
    // A run may end as late as its start (within the spread) plus the longest run there is.
    graceMs:
      longestSpread +
      1000 *
        worstRunSeconds(
          checkTimeout.toSeconds(),
          FIXED.diagnoseTimeout.toSeconds(),
          longestConfirmWaitSeconds(config),
        ),
    ...(several
      ? {
          locations: {
            home: where.home.name,
            others: where.others.map((l) => l.name),
            waitShare: config.consensus?.waitShare ?? DEFAULT_WAIT_SHARE,
          },
        }
      : {}),
  };
  return {
    config,
    configInput: props.config,
    names,
    intervals,
    fleetIntervals: [...new Set(Object.values(intervals).map((d) => d.toMilliseconds()))].sort(
      (a, b) => a - b,
    ),
    deployment,
    maxConcurrency,
    metrics,
    alarmRules: alarms.rules,
    workflowType,
    checkTimeout,
    diagnoseTimeout: FIXED.diagnoseTimeout,
    notifierTimeout: FIXED.notifierTimeout,
    // Every check of every target, SELF_TEST_CONCURRENCY at once, each up to its Lambda timeout, and the reply;
    // Lambda's 15 minutes at most (the function answers before it, all the same).
    selfTestTimeout: Duration.seconds(
      Math.min(
        900,
        Math.ceil((LAYERS.length * config.targets.length) / SELF_TEST_CONCURRENCY) *
          checkTimeout.toSeconds() +
          30,
      ),
    ),
    memorySize: props.memorySize ?? FIXED.memorySize,
    vpc: props.vpc
      ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }
      : undefined,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    monitorPeriod,
    monitorDatapoints,
    heartbeatUrl: props.heartbeatUrl,
    selfTest: props.selfTest ?? false,
    workflowLogs: {
      level: props.workflowLogLevel ?? sfn.LogLevel.ERROR,
      includeExecutionData: props.workflowLogExecutionData ?? false,
    },
    tracing: props.tracing ?? false,
    reportBucketRemovalPolicy: props.reportBucketRemovalPolicy ?? RemovalPolicy.RETAIN,
    runtime,
    tags: props.tags ?? {},
  };
}
