/**
 * The combinations the construct refuses at synth time, each with a plain message. All problems are collected,
 * so one synth shows them all. Pure: numbers in, messages out.
 */
import { isIP } from 'node:net';
import type { InstanceNames } from '../functions/alerting/names.ts';
import { parseDuration } from '../functions/config/duration.ts';
import type { PlannedRun } from '../functions/config/fleet.ts';
import { LOCATION_SEND_MS } from '../functions/config/locations.ts';
import type { Config, ConfigInput, HeaderValue } from '../functions/config/schema.ts';
import { SAME_PROBLEMS_SHOWN } from '../functions/config/validate.ts';
import { confirmWaitSecondsOf } from '../functions/contract/workflow.ts';
import { worstRunSeconds } from './workflow.ts';

/** Express workflows stop after 5 minutes. */
export const EXPRESS_LIMIT_SECONDS = 300;
/** Room a check needs beyond its own deadline inside its Lambda: reading secrets (3 s deadline) and the rest. */
export const LAMBDA_HEADROOM_MS = 3_000;

/** The longest wait before a confirmation the workflow holds for the config's targets (a Wait state's seconds). */
export const longestConfirmWaitSeconds = (config: Pick<Config, 'targets'>) =>
  Math.max(0, ...config.targets.map((t) => confirmWaitSecondsOf(t.confirmDelayMs)));

export interface Limits {
  checkTimeoutSeconds: number;
  diagnoseTimeoutSeconds: number;
  express: boolean;
  /** Target names that have a schedule of their own. */
  scheduledTargets: readonly string[];
}

const CHECKS = [
  ['endToEnd', 'end-to-end'],
  ['app', 'app'],
  ['proxy', 'proxy'],
  ['storage', 'storage'],
] as const;

export function synthProblems(config: Config, limits: Limits): string[] {
  const problems: string[] = [];
  const names = new Set(config.targets.map((t) => t.name));
  // The targets as written (an extra sentinel's target repeats its stack's settings): paths index the config file.
  config.targets
    .filter((t) => t.stack === undefined)
    .forEach((t, i) => {
      for (const [key, layer] of CHECKS) {
        const deadline = t[key]?.timeoutMs;
        // A stage-1 check's confirmation waits confirmDelayMs in the same function before it checks, when the run
        // was started by hand (a scheduled run's workflow waits its whole seconds instead).
        const wait = key === 'endToEnd' || key === 'app' ? t.confirmDelayMs : 0;
        if (
          deadline !== undefined &&
          deadline + wait + LAMBDA_HEADROOM_MS > limits.checkTimeoutSeconds * 1000
        ) {
          const waits = wait ? ` plus the confirmation's wait (confirmDelayMs, ${wait} ms)` : '';
          problems.push(
            `targets[${i}].${key}.timeoutMs: the ${layer} check's deadline (${deadline} ms)${waits} plus ${LAMBDA_HEADROOM_MS} ms ` +
              `of headroom exceeds its Lambda's timeout (${limits.checkTimeoutSeconds} s): raise checkTimeout or lower timeoutMs`,
          );
        }
      }
      // EventBridge Scheduler's rates are whole minutes; a `schedules` prop for the target takes precedence.
      const every = t.schedule && parseDuration(t.schedule);
      if (every && !limits.scheduledTargets.includes(t.name) && every % 60_000 !== 0) {
        problems.push(
          `targets[${i}].schedule: "${t.schedule}" is not a whole number of minutes, which EventBridge Scheduler needs: ` +
            'use minutes, or give the construct a schedules entry for this target',
        );
      }
      for (const key of ['endToEnd', 'app', 'proxy'] as const) {
        for (const [header, value] of Object.entries(t[key]?.headers ?? {})) {
          if (typeof value !== 'string' && 'env' in value) {
            problems.push(
              `targets[${i}].${key}.headers.${header}: {"env": "${value.env}"} is read from the local environment only; ` +
                'on AWS use {"secretsManager": ARN} or {"ssm": NAME}',
            );
          }
        }
      }
    });
  for (const name of limits.scheduledTargets) {
    if (!names.has(name))
      problems.push(`schedules.${name}: no target is named "${name}" (${[...names].join(', ')})`);
  }
  // A sentinel on a schedule of its own (a big one) would otherwise run as often as every other target.
  for (const t of config.targets) {
    if (t.ownSchedule && !limits.scheduledTargets.includes(t.name))
      problems.push(
        `schedules.${t.name}: target "${t.name}" is a sentinel with ownSchedule: give it its schedule (less often than the others)`,
      );
  }
  const wait = longestConfirmWaitSeconds(config);
  const worst = worstRunSeconds(limits.checkTimeoutSeconds, limits.diagnoseTimeoutSeconds, wait);
  if (limits.express && worst > EXPRESS_LIMIT_SECONDS) {
    problems.push(
      `workflowType: an Express run can take up to ${worst} s with a ${limits.checkTimeoutSeconds} s checkTimeout ` +
        `and a ${wait} s wait before the confirmation (the longest confirmDelayMs) (stage 1, its confirmation and stage 2, ` +
        `retries included), over Express's ${EXPRESS_LIMIT_SECONDS} s limit: lower checkTimeout or confirmDelayMs, or use Standard`,
    );
  }
  return problems;
}

/** Every secret reference of a check's headers (they become read permissions on exactly those secrets). */
export function secretRefs(headers: Record<string, HeaderValue> | undefined): Exclude<HeaderValue, string>[] {
  return Object.values(headers ?? {}).filter((v): v is Exclude<HeaderValue, string> => typeof v !== 'string');
}

/** Why an address cannot be reached from a Lambda outside a VPC, or undefined when it may be public. */
export function unreachableWithoutVpc(host: string): string | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return 'a loopback name';
  const kind = isIP(h);
  if (kind === 4) return ipv4Range(h);
  if (kind === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped?.[1]) return ipv4Range(mapped[1]);
    if (h === '::1') return 'a loopback address (::1)';
    const first = Number.parseInt(h.split(':')[0] || '0', 16);
    if ((first & 0xfe00) === 0xfc00) return 'a private address (fc00::/7, unique local)';
    if ((first & 0xffc0) === 0xfe80) return 'a link-local address (fe80::/10)';
  }
  return undefined;
}

function ipv4Range(ip: string): string | undefined {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  if (a === 127) return 'a loopback address (127.0.0.0/8)';
  if (a === 10) return 'a private address (10.0.0.0/8)';
  if (a === 172 && b >= 16 && b <= 31) return 'a private address (172.16.0.0/12)';
  if (a === 192 && b === 168) return 'a private address (192.168.0.0/16)';
  if (a === 100 && b >= 64 && b <= 127) return 'a shared address (100.64.0.0/10, carrier-grade NAT)';
  if (a === 169 && b === 254) return 'a link-local address (169.254.0.0/16)';
  if (a === 0) return 'an address of "this network" (0.0.0.0/8)';
  return undefined;
}

/** The host of a URL, or of `connectTo` ("host", "host:port", "[v6]:port"). */
function hostOf(value: string, isUrl: boolean): string {
  if (isUrl) return new URL(value).hostname;
  return /^\[([^\]]+)\]/.exec(value)?.[1] ?? value.split(':')[0] ?? value;
}

type WrittenTarget = ConfigInput['targets'][number];
type WrittenCheck = { url: string; connectTo?: string | undefined; tls?: { caFile?: string | undefined } };

/**
 * What cannot work on Lambda, each with its field path in the config as written (extra sentinels not expanded):
 * storage on the local disk and reading it as another user, a CA file on the local disk, and, without a VPC,
 * addresses that only a machine inside a private network reaches (private, loopback, link-local).
 */
export function lambdaProblems(written: ConfigInput, hasVpc: boolean, endToEndOnly = false): string[] {
  const problems: string[] = [];
  const unreachable: { path: string; host: string; why: string }[] = [];
  written.targets.forEach((t: WrittenTarget, i) => {
    const at = `targets[${i}]`;
    if (t.storage?.type === 'filesystem' && !endToEndOnly) {
      problems.push(
        `${at}.storage.type: "filesystem" reads the sentinel from the local disk, which a Lambda does not have: ` +
          'store it in S3 (the proxy serves it from there), or leave storage out and rely on the proxy check',
      );
      if (t.storage.readAs)
        problems.push(
          `${at}.storage.readAs: reading as "${t.storage.readAs}" needs root on the machine that holds the file; ` +
            'Lambda runs neither as root nor on that machine: run this check with the CLI there',
        );
    }
    // A probe Region runs the end-to-end check only: only its URLs must be reachable from there.
    const checks: [string, WrittenCheck | undefined][] = endToEndOnly
      ? [['endToEnd', t.endToEnd]]
      : [
          ['app', t.app],
          ['proxy', t.proxy],
          ['endToEnd', t.endToEnd],
        ];
    const addresses: [string, string, boolean][] = [];
    for (const [key, check] of checks) {
      if (!check) continue;
      if (check.tls?.caFile)
        problems.push(
          `${at}.${key}.tls.caFile: ${check.tls.caFile} is a path on this machine, absent from the Lambda: ` +
            'serve a certificate a public CA signed, or run this check with the CLI',
        );
      addresses.push([`${at}.${key}.url`, check.url, true]);
      if (check.connectTo) addresses.push([`${at}.${key}.connectTo`, check.connectTo, false]);
    }
    if (t.endToEnd.internalUrl) addresses.push([`${at}.endToEnd.internalUrl`, t.endToEnd.internalUrl, true]);
    if (t.storage?.type === 's3' && t.storage.endpoint && !endToEndOnly)
      addresses.push([`${at}.storage.endpoint`, t.storage.endpoint, true]);
    t.sentinels?.forEach((s, j) => {
      for (const [key, url] of Object.entries(s.urls ?? {}))
        if (url && (!endToEndOnly || key === 'endToEnd'))
          addresses.push([`${at}.sentinels[${j}].urls.${key}`, url, true]);
    });
    if (hasVpc) return;
    for (const [path, value, isUrl] of addresses) {
      const host = hostOf(value, isUrl);
      const why = unreachableWithoutVpc(host);
      if (why) unreachable.push({ path, host, why });
    }
  });
  // A fleet on private addresses without a vpc would get one line per URL: the first few of each kind, then a count.
  const byKind = new Map<string, typeof unreachable>();
  for (const u of unreachable) {
    const kind = `${u.path.replace(/\[\d+\]/g, '[]')} ${u.why}`;
    byKind.set(kind, [...(byKind.get(kind) ?? []), u]);
  }
  for (const same of byKind.values()) {
    // One more than shown is listed in full: a count of one says less than its line.
    const shown = same.length > SAME_PROBLEMS_SHOWN + 1 ? SAME_PROBLEMS_SHOWN : same.length;
    for (const { path, host, why } of same.slice(0, shown))
      problems.push(
        `${path}: ${host} is ${why}, which a Lambda outside a VPC cannot reach: give the construct a vpc ` +
          'with a route to it (docs/aws.md, "VPC and private subnets"), or check it with the CLI from inside that network',
      );
    const rest = same.slice(shown);
    if (rest.length)
      problems.push(
        `${rest[0]?.path} and ${rest.length - 1} more like it: ${rest.length} more addresses that are ${rest[0]?.why}, the same`,
      );
  }
  return problems;
}

/** What a run in the plan's answer weighs, beside its target's name (and a comma between runs). */
export const PLANNED_RUN_BYTES =
  JSON.stringify({
    target: '',
    startAt: new Date(0).toISOString(),
    allLayers: false,
    confirmWaitSeconds: 60,
  } satisfies PlannedRun).length + 1;
/** The plan's answer, and the Map's input, must stay under Step Functions' 256 KB payload: with room to spare. */
export const MAX_PLAN_BYTES = 200_000;

/**
 * What the fleet cannot carry: an interval whose plan (every target of the interval, with its start) would pass
 * MAX_PLAN_BYTES. Each problem names the interval and what to do.
 */
export function fleetProblems(config: Config, intervalsMs: Readonly<Record<string, number>>): string[] {
  const byInterval = new Map<number, string[]>();
  for (const t of config.targets) {
    const ms = intervalsMs[t.name];
    if (ms !== undefined) byInterval.set(ms, [...(byInterval.get(ms) ?? []), t.name]);
  }
  const problems: string[] = [];
  for (const [ms, names] of byInterval) {
    const bytes = names.reduce((n, name) => n + name.length + PLANNED_RUN_BYTES, 0);
    if (bytes > MAX_PLAN_BYTES)
      problems.push(
        `schedules: ${names.length} targets run every ${ms / 60_000} min; the plan of one tick (${bytes} bytes) would pass ` +
          `Step Functions' payload (${MAX_PLAN_BYTES} bytes kept): give some of them another interval (schedules), or deploy a second instance`,
      );
  }
  return problems;
}

/** More names than this under one account, region and resource type are granted by their common prefix. */
export const NAMES_PER_GRANT = 5;

/** The longest common prefix of some names. */
export function commonPrefix(names: readonly string[]): string {
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/**
 * Many ARNs as few as reach them: deduplicated, and more than NAMES_PER_GRANT of one account, region and resource
 * type collapsed to their common prefix and `*` when that prefix still names something past the resource type
 * (`…:parameter/download-doctor/*` for a fleet's tokens). Otherwise they stay one by one, and the policy's size
 * says whether they fit (iamProblems).
 */
export function arnPatterns(arns: readonly string[]): string[] {
  const unique = [...new Set(arns)];
  if (unique.length <= NAMES_PER_GRANT) return unique;
  const groups = new Map<string, string[]>();
  for (const arn of unique) {
    const base = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:[^/:]*[/:]/.exec(arn)?.[0] ?? arn;
    groups.set(base, [...(groups.get(base) ?? []), arn]);
  }
  return [...groups].flatMap(([base, list]) => {
    if (list.length <= NAMES_PER_GRANT) return list;
    const prefix = commonPrefix(list);
    return prefix.length > base.length ? [`${prefix}*`] : list;
  });
}

/** IAM's limit on a managed policy, the strictest that applies to a role's statements (inline: 10,240 a role). */
export const IAM_POLICY_CHARS = 6_144;
/** What every check role's policy holds besides its storage and secret grants: logs, X-Ray, VPC, the statements' frame. */
const BASE_POLICY_CHARS = 1_500;

/** The grants a role gets, as IAM counts them (JSON without whitespace), roughly: resources plus each statement's frame. */
const statementChars = (resources: readonly string[], frame = 80) =>
  frame + resources.reduce((n, r) => n + r.length + 3, 0);

/**
 * What IAM would refuse, each by its config field and with what to do: a check function's policy (its storage
 * grants, its secrets) past IAM_POLICY_CHARS once collapsed as the construct collapses them.
 */
export function iamProblems(config: Config): string[] {
  const problems: string[] = [];
  const s3 = config.targets.flatMap((t) => (t.storage?.type === 's3' ? [t.storage] : []));
  const own = s3.filter((s) => !s.roleArn);
  const buckets = [...new Set(own.map((s) => s.bucket))];
  const storageChars =
    BASE_POLICY_CHARS +
    statementChars([...new Set(s3.flatMap((s) => (s.roleArn ? [s.roleArn] : [])))]) +
    statementChars(arnPatterns(own.map((s) => `arn:aws:s3:::${s.bucket}/${s.key}`))) +
    buckets.reduce((n, b) => n + statementChars([`arn:aws:s3:::${b}`], 160), 0) +
    statementChars([...new Set(own.flatMap((s) => (s.kmsKeyArn ? [s.kmsKeyArn] : [])))], 160);
  if (storageChars > IAM_POLICY_CHARS)
    problems.push(
      `targets[].storage: the storage check's policy would take about ${storageChars} characters (${buckets.length} buckets), ` +
        `over IAM's ${IAM_POLICY_CHARS}: keep the sentinels in fewer buckets (many keys in one bucket collapse to their ` +
        'common prefix), or read them through a storage.roleArn per account',
    );
  for (const [key, headers] of [
    ['endToEnd', (t: Config['targets'][number]) => t.endToEnd.headers],
    ['app', (t: Config['targets'][number]) => t.app.headers],
    ['proxy', (t: Config['targets'][number]) => t.proxy?.headers],
  ] as const) {
    const names = config.targets.flatMap((t) =>
      secretRefs(headers(t)).flatMap((r) =>
        'ssm' in r
          ? [`arn:aws:ssm:region:account:parameter/${r.ssm.replace(/^\//, '')}`]
          : 'secretsManager' in r
            ? [
                r.secretsManager.startsWith('arn:')
                  ? r.secretsManager
                  : `arn:aws:secretsmanager:region:account:secret:${r.secretsManager}-??????`,
              ]
            : [],
      ),
    );
    const chars = BASE_POLICY_CHARS + statementChars(arnPatterns(names));
    if (chars > IAM_POLICY_CHARS)
      problems.push(
        `targets[].${key}.headers: the ${key} check may read ${new Set(names).size} secrets, about ${chars} characters of policy, ` +
          `over IAM's ${IAM_POLICY_CHARS}: name them under a common prefix (/download-doctor/TARGET/...), which one grant covers, or share them`,
      );
  }
  return problems;
}

/** A probe Region's write of its result into the home's slots table and its message to the decide queue. */
export const PROBE_SEND_MS = LOCATION_SEND_MS;

/**
 * What a probe Region's function cannot finish in its timeout: it runs the end-to-end check and, when it fails, its
 * confirmation in one invocation (functions/handlers/location-run.ts), then sends the result to the home. A
 * function cut off sends nothing, and its location counts as unknown exactly when the site fails from there.
 */
export function probeProblems(config: Config, checkTimeoutSeconds: number): string[] {
  return config.targets
    .filter((t) => t.stack === undefined)
    .flatMap((t, i) => {
      const deadline = t.endToEnd.timeoutMs;
      const worst = 2 * deadline + t.confirmDelayMs + LAMBDA_HEADROOM_MS + PROBE_SEND_MS;
      return worst > checkTimeoutSeconds * 1000
        ? [
            `targets[${i}].endToEnd.timeoutMs: a probe Region runs the end-to-end check and its confirmation in one function: ` +
              `twice its deadline (${deadline} ms), confirmDelayMs (${t.confirmDelayMs} ms), ${LAMBDA_HEADROOM_MS} ms of headroom ` +
              `and ${PROBE_SEND_MS} ms to send the result home exceed its timeout (${checkTimeoutSeconds} s): raise checkTimeout or lower timeoutMs`,
          ]
        : [];
    });
}

/** EventBridge Scheduler's longest schedule name. */
export const SCHEDULE_NAME_MAX = 64;

/**
 * The most locations an instance on AWS may have, the home included. Each probe Region is one more stack to deploy
 * and pay for (`npm run cost`), one more result in each slot's item (DynamoDB's 400 KB) and one more line of each
 * page; past this, consensus gains nothing (Route 53 checks from 8 Regions by default).
 */
export const MAX_LOCATIONS = 10;

/**
 * What several locations need on AWS: a Region for each location but the home (its probe stack deploys there), each
 * other than the home's and than each other's, schedule names that fit, no more than MAX_LOCATIONS, and no
 * `privateLocations` (a probe Region runs the end-to-end check only: the app, storage and proxy checks run from the
 * home, inside its VPC).
 */
export function locationProblems(
  written: ConfigInput,
  names: InstanceNames,
  intervalLabels: readonly string[],
): string[] {
  const problems: string[] = [];
  const locations = written.locations ?? [];
  if (locations.length < 2) return problems;
  const homeIndex = Math.max(
    0,
    locations.findIndex((l) => l.home),
  );
  if (locations.length > MAX_LOCATIONS)
    problems.push(
      `locations: ${locations.length} locations, over the ${MAX_LOCATIONS} an instance on AWS may have (a probe stack each): ` +
        'keep the Regions that see the site by distinct network paths',
    );
  const regions = new Map<string, number>();
  const home = locations[homeIndex];
  if (home?.region) regions.set(home.region, homeIndex);
  locations.forEach((l, i) => {
    if (i === homeIndex) return;
    if (!l.region) {
      problems.push(
        `locations[${i}].region: required on AWS: the Region the probe stack of "${l.name}" deploys to`,
      );
      return;
    }
    const first = regions.get(l.region);
    if (first === homeIndex)
      problems.push(
        `locations[${i}].region: ${l.region} is the home's Region (locations[${first}]): a probe Region sees the site by ` +
          "another network path than the home's; give it another Region, or leave it out",
      );
    else if (first !== undefined)
      problems.push(
        `locations[${i}].region: ${l.region} is locations[${first}]'s too: one probe stack per Region (their names would collide)`,
      );
    else regions.set(l.region, i);
    for (const label of intervalLabels) {
      const name = names.locationSchedule(l.name, `every-${label}`);
      if (name.length > SCHEDULE_NAME_MAX)
        problems.push(
          `locations[${i}].name: the schedule name ${name} is ${name.length} characters, over EventBridge Scheduler's ${SCHEDULE_NAME_MAX}: use a shorter location or instance name`,
        );
    }
  });
  written.targets.forEach((t, i) => {
    t.privateLocations?.forEach((p, j) => {
      if (p !== locations[homeIndex]?.name)
        problems.push(
          `targets[${i}].privateLocations[${j}]: "${p}" is a probe Region on AWS, which runs the end-to-end check only ` +
            '(the app, storage and proxy checks run from the home, in its VPC): leave it out, or run that location with serve --location',
        );
    });
  });
  return problems;
}
