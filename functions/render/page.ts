/**
 * The text of a page: what is broken, where to look, the evidence, when, and how to rerun by hand.
 * Pure: the notifier Lambda and the local alarm evaluation both send exactly this.
 */

import { humanDuration } from '../alerting/history.ts';
import { reportPageKey } from '../alerting/names.ts';
import type { AlarmTransition } from '../alerting/rules.ts';
import type { CheckResult, Evidence, Report } from '../contract/types.ts';
import type { ExecutionInput } from '../contract/workflow.ts';

export interface Page {
  /** At most 100 characters (SNS's limit). */
  subject: string;
  message: string;
}

function evidenceOf(e: Evidence): string {
  const parts: string[] = [];
  if (e.status !== undefined) parts.push(`status ${e.status}`);
  for (const [k, v] of Object.entries(e.headers ?? {})) parts.push(`${k}: ${v}`);
  if (e.bytes !== undefined) parts.push(`${e.bytes} bytes`);
  if (e.sha256) parts.push(`sha256 ${e.sha256.slice(0, 16)}…`);
  if (e.error) parts.push(e.error);
  return parts.join('; ');
}

/** `TLS certificate expires in 9 days (2026-12-04)`: the CLI's table, the page and the HTML report say it so. */
export function certificateText(tls: NonNullable<CheckResult['tls']>): string {
  const days =
    tls.daysLeft < 0 ? 'expired' : `expires in ${tls.daysLeft} day${tls.daysLeft === 1 ? '' : 's'}`;
  return `TLS certificate ${days} (${tls.notAfter.slice(0, 10)})`;
}

function resultLine(r: CheckResult): string {
  const outcome = r.ok ? (r.slow ? 'SLOW' : 'PASS') : `FAIL [${r.kind}]`;
  const tls = r.tls ? `\n${' '.repeat(13)}${certificateText(r.tls)}` : '';
  return `  ${r.layer.padEnd(10)} ${outcome}: ${r.message}\n${' '.repeat(13)}observed: ${evidenceOf(r.observed) || 'nothing'}; expected: ${evidenceOf(r.expected) || '-'}${tls}`;
}

/**
 * How to run a target again by hand: the workflow's execution input, the AWS CLI command, and the local CLI;
 * `allLayers`, as a full run (all four checks).
 */
export function rerunCommands(target: string, stateMachineArn: string | undefined, allLayers = false) {
  const input = JSON.stringify({ target, ...(allLayers ? { allLayers } : {}) } satisfies ExecutionInput);
  return {
    input,
    startExecution: `aws stepfunctions start-execution --state-machine-arn ${stateMachineArn ?? 'ARN'} --input '${input}'`,
    cli: `download-doctor run --target ${target}${allLayers ? ' --all-layers' : ''}`,
  };
}

export function rerunLines(target: string, stateMachineArn: string | undefined, allLayers = false): string[] {
  const c = rerunCommands(target, stateMachineArn, allLayers);
  return ['Rerun by hand:', `  ${c.startExecution}`, `  ${c.cli}`];
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
  if (extras.runbookUrl) lines.push(`Runbook: ${extras.runbookUrl}`);
  if (extras.console?.workflow) lines.push(`The workflow and its runs: ${extras.console.workflow}`);
  if (extras.console?.dashboard) lines.push(`Dashboard: ${extras.console.dashboard}`);
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
      v ? `Latest verdict: ${v.status}: ${v.summary}` : 'No recent verdict was found.',
    ];
    return { subject: subject.slice(0, 100), message: lines.join('\n') };
  }
  const status = v?.status.toUpperCase() ?? 'UNKNOWN';
  const fault = v?.fault ? `fault ${v.faults.join(', ')}` : 'fault unknown';
  // A certificate about to expire is a warning about the target, whatever the verdict of its latest run.
  const certificate = soonestCertificate(report);
  const subject = tlsRule
    ? `[download-doctor] WARNING ${t.target}: ${certificate ?? 'a TLS certificate expires soon'}`
    : `[download-doctor] ${status} ${t.target}: ${fault}`;
  const lines = tlsRule
    ? [
        `download-doctor: target "${t.target}": ${certificate ?? 'a TLS certificate expires soon (no recent report says which)'}.`,
        v
          ? `Latest verdict: ${v.status}: ${v.summary}`
          : "No recent verdict was found: check the workflow's executions.",
      ]
    : [
        `download-doctor: target "${t.target}" is ${status}, ${fault}.`,
        v ? v.summary : "No recent verdict was found: check the workflow's executions.",
      ];
  lines.push(
    '',
    `Why this page: ${t.alarmName}: ${t.rule.description} (${t.rule.datapointsToAlarm} of the last ${t.rule.evaluationPeriods} runs; severity ${t.rule.severity}).`,
    `When: ${when}${report?.results[0] ? `; latest run started ${report.results[0].startedAt}` : ''}.`,
  );
  lines.push(...extraLines(extras));
  if (report) lines.push('', 'Evidence (each check of the latest run):', ...report.results.map(resultLine));
  if (report && reports) lines.push('', ...reportPageLines(t.target, reports));
  lines.push('', ...rerunLines(t.target, stateMachineArn));
  return { subject: subject.slice(0, 100), message: lines.join('\n') };
}

/** The monitor's owners' notice: downloads are fine, the monitor's own settings are not (or are again). */
function monitorWarningText(t: AlarmTransition, report: Report | undefined, stateMachineArn?: string): Page {
  const v = report?.verdict;
  if (t.state === 'OK') {
    return {
      subject: `[download-doctor] RESOLVED monitor warning ${t.target}`.slice(0, 100),
      message: `download-doctor: the checks of target "${t.target}" are proven again (${t.alarmName} is OK since ${t.at.toISOString()}).`,
    };
  }
  const lines = [
    `download-doctor: a full run of target "${t.target}" proved the monitor's own settings wrong. This is not a page:`,
    `downloads are ${v?.status ?? 'unknown'} (${v?.summary ?? 'no recent verdict'}).`,
    '',
    `What to fix: ${v?.monitorWarning ?? 'see the latest report'}`,
    '',
    `Why this notice: ${t.alarmName}: ${t.rule.description}.`,
  ];
  if (report) lines.push('', 'Evidence (each check of the latest run):', ...report.results.map(resultLine));
  lines.push('', ...rerunLines(t.target, stateMachineArn, true));
  return {
    subject: `[download-doctor] MONITOR WARNING ${t.target}: its own settings`.slice(0, 100),
    message: lines.join('\n'),
  };
}
