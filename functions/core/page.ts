/**
 * The text of a page: what is broken, where to look, the evidence, when, and how to rerun by hand.
 * Pure: the notifier Lambda and the local alarm evaluation both send exactly this.
 */
import type { AlarmRule, AlarmState } from './telemetry.ts';
import type { CheckResult, Evidence, Report } from './types.ts';

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

export function rerunLines(target: string, stateMachineArn: string | undefined): string[] {
  return [
    'Rerun by hand:',
    `  aws stepfunctions start-execution --state-machine-arn ${stateMachineArn ?? 'ARN'} --input '{"target":"${target}"}'`,
    `  download-doctor run --target ${target}`,
  ];
}

export function pageText(t: AlarmTransition, report: Report | undefined, stateMachineArn?: string): Page {
  const v = report?.verdict;
  const when = t.at.toISOString();
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
  lines.push('', ...rerunLines(t.target, stateMachineArn));
  return { subject: subject.slice(0, 100), message: lines.join('\n') };
}
