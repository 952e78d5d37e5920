/**
 * The text of a page: what is broken, where to look, the evidence, when, and how to rerun by hand.
 * Pure: the notifier Lambda and the local alarm evaluation both send exactly this.
 */
import { type AlarmRule, type AlarmState, reportPageKey } from './telemetry.ts';
import type { CheckResult, Evidence, Report } from './types.ts';
import type { ExecutionInput } from './workflow.ts';

export interface AlarmTransition {
  alarmName: string;
  target: string;
  rule: Pick<AlarmRule, 'id' | 'severity' | 'datapointsToAlarm' | 'evaluationPeriods' | 'description'>;
  state: AlarmState;
  at: Date;
}

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

function resultLine(r: CheckResult): string {
  const outcome = r.ok ? (r.slow ? 'SLOW' : 'PASS') : `FAIL [${r.kind}]`;
  return `  ${r.layer.padEnd(10)} ${outcome}: ${r.message}\n${' '.repeat(13)}observed: ${evidenceOf(r.observed) || 'nothing'}; expected: ${evidenceOf(r.expected) || '-'}`;
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

export function pageText(
  t: AlarmTransition,
  report: Report | undefined,
  stateMachineArn?: string,
  reports?: ReportBucket,
): Page {
  const v = report?.verdict;
  const when = t.at.toISOString();
  if (t.rule.id === 'monitor-warning') return monitorWarningText(t, report, stateMachineArn);
  if (t.state === 'OK') {
    const subject = `[download-doctor] RESOLVED ${t.target}: ${t.rule.id === 'degraded' ? 'no longer degraded' : 'downloads work again'}`;
    const lines = [
      `download-doctor: target "${t.target}" recovered (${t.alarmName} is OK since ${when}).`,
      v ? `Latest verdict: ${v.status}: ${v.summary}` : 'No recent verdict was found.',
    ];
    return { subject: subject.slice(0, 100), message: lines.join('\n') };
  }
  const status = v?.status.toUpperCase() ?? 'UNKNOWN';
  const fault = v?.fault ? `fault ${v.faults.join(', ')}` : 'fault unknown';
  const subject = `[download-doctor] ${status} ${t.target}: ${fault}`;
  const lines = [
    `download-doctor: target "${t.target}" is ${status}, ${fault}.`,
    v ? v.summary : "No recent verdict was found: check the workflow's executions.",
    '',
    `Why this page: ${t.alarmName}: ${t.rule.description} (${t.rule.datapointsToAlarm} of the last ${t.rule.evaluationPeriods} runs; severity ${t.rule.severity}).`,
    `When: ${when}${report?.results[0] ? `; latest run started ${report.results[0].startedAt}` : ''}.`,
  ];
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
