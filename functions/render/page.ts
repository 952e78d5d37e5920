/**
 * The text of a page: what is broken, where to look, the evidence, when, and how to rerun by hand.
 * Pure: the notifier Lambda and the local alarm evaluation both send exactly this.
 *
 * A page always goes out: SNS refuses a message over 256 KB (the notifier would retry it into its dead-letter
 * queue, serve would log "Message too long" at every run), and a server chooses its headers' length. So each value
 * a server chose is cut in the page with a visible marker (PAGE_VALUE_MAX), each line a config or a verdict fills in
 * too (PAGE_LINE_MAX), and the whole message is bounded (PAGE_MAX_BYTES): when it would be longer, the detail of
 * the evidence (what each check observed and expected) is cut first, and what matters stays whole: the verdict, the
 * layer at fault, the summary, the first failed condition of each check, why and when, and how to rerun.
 */

import { humanDuration } from '../alerting/history.ts';
import { reportPageKey } from '../alerting/names.ts';
import type { AlarmTransition } from '../alerting/rules.ts';
import { safeText } from '../contract/text.ts';
import type { CheckResult, Evidence, Report } from '../contract/types.ts';
import type { ExecutionInput } from '../contract/workflow.ts';
import {
  agreementLines,
  agreementTag,
  locationPathText,
  locationSilentText,
  type NoticeText,
} from './locations.ts';

export interface Page {
  /** Under 100 characters (SNS's limit), on one line. */
  subject: string;
  /** At most PAGE_MAX_BYTES bytes of UTF-8. */
  message: string;
}

/** The most characters of a subject: SNS wants it under 100. */
export const SUBJECT_MAX = 99;
/** The most characters of one value a server chose (a header's, an error's) shown in a page, marker included. */
export const PAGE_VALUE_MAX = 240;
/** The most characters of one line a page fills in (the summary, a check's first failed condition, a link). */
export const PAGE_LINE_MAX = 600;
/**
 * The most bytes (UTF-8) of a page's message: a sixteenth of SNS's 256 KB, and as much as a person reads at night.
 * A webhook's JSON carries it with a few short fields.
 */
export const PAGE_MAX_BYTES = 16 * 1024;

const utf8 = new TextEncoder();
const bytes = (text: string) => utf8.encode(text).length;
/** The UTF-8 length of one character (a code point). */
const charBytes = (c: string) => {
  const cp = c.codePointAt(0) ?? 0;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
};
const line = (text: string) => safeText(text, PAGE_LINE_MAX);
const value = (text: string) => safeText(text, PAGE_VALUE_MAX);

/** The subject on one line, under 100 characters: cut with `…` when longer (never inside a character). */
function subjectOf(text: string): string {
  const chars = [...text.replace(/[\r\n]+/g, ' ')];
  return chars.length <= SUBJECT_MAX ? chars.join('') : `${chars.slice(0, SUBJECT_MAX - 1).join('')}…`;
}

/** `text` cut to at most `max` bytes of UTF-8 (never inside a character), ending with `marker` when cut. */
function cutToBytes(text: string, max: number, marker: string): string {
  if (bytes(text) <= max) return text;
  let out = '';
  let used = bytes(marker);
  for (const c of text) {
    const n = charBytes(c);
    if (used + n > max) break;
    out += c;
    used += n;
  }
  return `${out}${marker}`;
}

function evidenceOf(e: Evidence): string {
  const parts: string[] = [];
  if (e.status !== undefined) parts.push(`status ${e.status}`);
  for (const [k, v] of Object.entries(e.headers ?? {})) parts.push(`${value(k)}: ${value(v)}`);
  if (e.bytes !== undefined) parts.push(`${e.bytes} bytes`);
  if (e.sha256) parts.push(`sha256 ${e.sha256.slice(0, 16)}…`);
  if (e.error) parts.push(value(e.error));
  return parts.join('; ');
}

/** `TLS certificate expires in 9 days (2026-12-04)`: the CLI's table, the page and the HTML report say it so. */
export function certificateText(tls: NonNullable<CheckResult['tls']>): string {
  const days =
    tls.daysLeft < 0 ? 'expired' : `expires in ${tls.daysLeft} day${tls.daysLeft === 1 ? '' : 's'}`;
  return `TLS certificate ${days} (${tls.notAfter.slice(0, 10)})`;
}

/** A check in a page: its outcome and first failed condition (kept whole), then its detail (cut first). */
interface CheckLines {
  head: string;
  detail: string[];
}

function checkLines(r: CheckResult): CheckLines {
  const outcome = r.ok ? (r.slow ? 'SLOW' : 'PASS') : `FAIL [${r.kind}]`;
  const indent = ' '.repeat(13);
  return {
    head: `  ${r.layer.padEnd(10)} ${outcome}: ${line(r.message)}`,
    detail: [
      `${indent}observed: ${evidenceOf(r.observed) || 'nothing'}; expected: ${evidenceOf(r.expected) || '-'}`,
      ...(r.tls ? [`${indent}${certificateText(r.tls)}`] : []),
    ],
  };
}

const EVIDENCE_CUT = ` … [cut: the page's text is kept under ${PAGE_MAX_BYTES / 1024} KiB; the full report has it]`;

/**
 * The evidence of each check, in at most `budget` bytes (the lines joined by line breaks): whole when it fits;
 * else every check's first line whole and each check's detail cut to an even share of what is left.
 */
function evidenceLines(results: readonly CheckResult[], budget: number): string[] {
  const checks = results.map(checkLines);
  const whole = checks.flatMap((c) => [c.head, ...c.detail]);
  if (bytes(whole.join('\n')) <= budget) return whole;
  const heads = bytes(checks.map((c) => c.head).join('\n')) + checks.length; // and a line break before each detail
  const share = Math.floor((budget - heads) / Math.max(1, checks.length));
  return checks.flatMap((c) => {
    const detail = c.detail.join('\n');
    return share > bytes(EVIDENCE_CUT) ? [c.head, cutToBytes(detail, share, EVIDENCE_CUT)] : [c.head];
  });
}

/**
 * The message of `before`, the evidence of `results` (titled), and `after`, within PAGE_MAX_BYTES: the evidence's
 * detail gives way first; and should `before` and `after` alone be too long, the end is cut.
 */
function bounded(
  before: readonly string[],
  results: readonly CheckResult[],
  after: readonly string[],
): string {
  const title = ['', 'Evidence (each check of the latest run):'];
  const fixed = bytes([...before, ...title, ...after].join('\n')) + 2; // the line breaks around the evidence
  const evidence = results.length ? [...title, ...evidenceLines(results, PAGE_MAX_BYTES - fixed)] : [];
  const message = [...before, ...evidence, ...after].join('\n');
  return cutToBytes(message, PAGE_MAX_BYTES, `\n…${EVIDENCE_CUT}`);
}

/** A word as a POSIX shell reads it back: as it is when it is plain, else in single quotes. */
export const shellWord = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;

/**
 * How to run a target again by hand: the workflow's execution input, the AWS CLI command, and the local CLI as a
 * project runs it (`npx`), with the config file the run read when the caller knows it; `allLayers`, as a full run
 * (all four checks).
 */
export function rerunCommands(
  target: string,
  stateMachineArn: string | undefined,
  allLayers = false,
  configFile?: string,
) {
  const input = JSON.stringify({ target, ...(allLayers ? { allLayers } : {}) } satisfies ExecutionInput);
  const config = configFile ? ` --config ${shellWord(configFile)}` : '';
  return {
    input,
    startExecution: `aws stepfunctions start-execution --state-machine-arn ${stateMachineArn ?? 'ARN'} --input '${input}'`,
    cli: `npx download-doctor run${config} --target ${shellWord(target)}${allLayers ? ' --all-layers' : ''}`,
  };
}

export function rerunLines(
  target: string,
  stateMachineArn: string | undefined,
  allLayers = false,
  configFile?: string,
): string[] {
  const c = rerunCommands(target, stateMachineArn, allLayers, configFile);
  // Without a workflow (a page of `serve`), the AWS command would name one that does not exist.
  return ['Rerun by hand:', ...(stateMachineArn ? [`  ${c.startExecution}`] : []), `  ${c.cli}`];
}

/** Where the report function keeps the latest reports (on AWS): the page points to the HTML one. */
export interface ReportBucket {
  bucket: string;
  region: string;
}

/**
 * The latest HTML report of a target, as a console path and an S3 URI. Not a presigned link: one made with the
 * notifier's role expires with its session (hours), and would let anyone holding the page read the report.
 */
export function reportPageLines(target: string, where: ReportBucket): string[] {
  const key = reportPageKey(target);
  const consoleUrl = `https://s3.console.aws.amazon.com/s3/object/${where.bucket}?region=${where.region}&prefix=${encodeURIComponent(key)}`;
  return [
    'The full report (the layers, every condition, the timings), as of the latest run:',
    `  console (then Open): ${consoleUrl}`,
    `  or: aws s3 cp s3://${where.bucket}/${key} report.html`,
  ];
}

/** What a page may add, where the sender knows it: the target's runbook, and console links (on AWS). */
export interface PageExtras {
  /** The target's `runbookUrl`. */
  runbookUrl?: string | undefined;
  /** The workflow's executions and the instance's dashboard, in the AWS console (consoleLinks). */
  console?: { workflow?: string | undefined; dashboard?: string | undefined };
  /** On a recovery notice: when the incident began (its first page), so that the notice says how long it lasted. */
  incidentSince?: Date | undefined;
}

const consoleHome = (region: string, service: string) =>
  `https://${region}.console.aws.amazon.com/${service}/home?region=${region}`;
/** A dashboard in the CloudWatch console (the construct's DashboardUrl output, the page). */
export const dashboardConsoleUrl = (region: string, dashboardName: string) =>
  `${consoleHome(region, 'cloudwatch')}#dashboards/dashboard/${dashboardName}`;

/** The console pages of a deployed instance: the workflow (its executions) and the dashboard. */
export function consoleLinks(region: string, stateMachineArn: string, dashboardName: string) {
  return {
    workflow: `${consoleHome(region, 'states')}#/statemachines/view/${encodeURIComponent(stateMachineArn)}`,
    dashboard: dashboardConsoleUrl(region, dashboardName),
  };
}

function extraLines(extras: PageExtras): string[] {
  const lines: string[] = [];
  if (extras.runbookUrl) lines.push(line(`Runbook: ${extras.runbookUrl}`));
  if (extras.console?.workflow) lines.push(line(`The workflow and its runs: ${extras.console.workflow}`));
  if (extras.console?.dashboard) lines.push(line(`Dashboard: ${extras.console.dashboard}`));
  return lines.length ? ['', ...lines] : [];
}

/** The fewest days any certificate of the run has left, with the checks that saw it. */
function soonestCertificate(report: Report | undefined): string | undefined {
  const seen = (report?.results ?? []).filter((r) => r.tls);
  if (seen.length === 0) return undefined;
  const days = Math.min(...seen.map((r) => r.tls?.daysLeft ?? Infinity));
  const soonest = seen.filter((r) => r.tls?.daysLeft === days);
  const first = soonest[0]?.tls;
  return first ? `${certificateText(first)}: ${soonest.map((r) => r.layer).join(', ')}` : undefined;
}

export function pageText(
  t: AlarmTransition,
  report: Report | undefined,
  stateMachineArn?: string,
  reports?: ReportBucket,
  extras: PageExtras = {},
): Page {
  const v = report?.verdict;
  const when = t.at.toISOString();
  if (t.rule.id === 'monitor-warning') return monitorWarningText(t, report, stateMachineArn);
  if (t.rule.id === 'location-silent') return notice(locationSilentText(t), []);
  if (t.rule.id === 'location-path')
    // Each location's evidence is in the notice; the home's own checks passed, and would only distract.
    return notice(locationPathText(t, report), []);
  const tlsRule = t.rule.id === 'tls-expiry';
  if (t.state === 'OK') {
    const what =
      t.rule.id === 'degraded'
        ? 'no longer degraded'
        : tlsRule
          ? 'TLS certificates renewed'
          : 'downloads work again';
    const subject = `[download-doctor] RESOLVED ${t.target}: ${what}`;
    const since = extras.incidentSince;
    const lines = [
      `download-doctor: target "${t.target}" recovered (${t.alarmName} is OK since ${when}).`,
      ...(since
        ? [
            `The incident lasted ${humanDuration(t.at.getTime() - since.getTime())} (paged at ${since.toISOString()}).`,
          ]
        : []),
      v ? line(`Latest verdict: ${v.status}: ${v.summary}`) : 'No recent verdict was found.',
    ];
    return { subject: subjectOf(subject), message: bounded(lines, [], []) };
  }
  const status = v?.status.toUpperCase() ?? 'UNKNOWN';
  const fault = v?.fault ? `fault ${v.faults.join(', ')}` : 'fault unknown';
  // A certificate about to expire is a warning about the target, whatever the verdict of its latest run.
  const certificate = soonestCertificate(report);
  const subject = tlsRule
    ? `[download-doctor] WARNING ${t.target}: ${certificate ?? 'a TLS certificate expires soon'}`
    : `[download-doctor] ${status} ${t.target}: ${fault}${agreementTag(report?.agreement)}`;
  const lines = tlsRule
    ? [
        `download-doctor: target "${t.target}": ${certificate ?? 'a TLS certificate expires soon (no recent report says which)'}.`,
        v
          ? line(`Latest verdict: ${v.status}: ${v.summary}`)
          : "No recent verdict was found: check the workflow's executions.",
      ]
    : [
        `download-doctor: target "${t.target}" is ${status}, ${fault}.`,
        v ? line(v.summary) : "No recent verdict was found: check the workflow's executions.",
      ];
  if (report?.agreement && !tlsRule) lines.push('', ...agreementLines(report.agreement));
  lines.push(
    '',
    `Why this page: ${t.alarmName}: ${t.rule.description} (${t.rule.datapointsToAlarm} of the last ${t.rule.evaluationPeriods} runs; severity ${t.rule.severity}).`,
    `When: ${when}${report?.results[0] ? `; latest run started ${report.results[0].startedAt}` : ''}.`,
  );
  lines.push(...extraLines(extras));
  const after = [
    ...(report && reports ? ['', ...reportPageLines(t.target, reports)] : []),
    '',
    ...rerunLines(t.target, stateMachineArn),
  ];
  return { subject: subjectOf(subject), message: bounded(lines, report?.results ?? [], after) };
}

/** A notice of the locations' rules, bounded as a page is (the home's evidence after it, when given). */
function notice(n: NoticeText, results: readonly CheckResult[]): Page {
  return { subject: subjectOf(n.subject), message: bounded(n.lines.map(line), results, []) };
}

/** The monitor's owners' notice: downloads are fine, the monitor's own settings are not (or are again). */
function monitorWarningText(t: AlarmTransition, report: Report | undefined, stateMachineArn?: string): Page {
  const v = report?.verdict;
  if (t.state === 'OK') {
    return {
      subject: subjectOf(`[download-doctor] RESOLVED monitor warning ${t.target}`),
      message: `download-doctor: the checks of target "${t.target}" are proven again (${t.alarmName} is OK since ${t.at.toISOString()}).`,
    };
  }
  const lines = [
    `download-doctor: a full run of target "${t.target}" proved the monitor's own settings wrong. This is not a page:`,
    line(`downloads are ${v?.status ?? 'unknown'} (${v?.summary ?? 'no recent verdict'}).`),
    '',
    line(`What to fix: ${v?.monitorWarning ?? 'see the latest report'}`),
    '',
    `Why this notice: ${t.alarmName}: ${t.rule.description}.`,
  ];
  return {
    subject: subjectOf(`[download-doctor] MONITOR WARNING ${t.target}: its own settings`),
    message: bounded(lines, report?.results ?? [], ['', ...rerunLines(t.target, stateMachineArn, true)]),
  };
}
