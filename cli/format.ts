/**
 * Output formats of `run` and `check`: a table for people, JSON (documented in the README) and JUnit for CI, and
 * a self-contained HTML page (functions/render/report-html.ts). Results arrive redacted (functions/checks/run.ts): no format
 * has secrets to hide.
 */
import { describeCondition } from '../functions/checks/conditions.ts';
import { SCHEMA_VERSION, STATUSES, type Status, worstOf } from '../functions/contract/names.ts';
import type { CheckResult, Maintenance, Report, Verdict } from '../functions/contract/types.ts';
import { escapeMarkup } from '../functions/render/layout.ts';
import { certificateText } from '../functions/render/page.ts';
import { type HtmlOptions, reportHtml } from '../functions/render/report-html.ts';
import { EXIT } from './exit-codes.ts';

export const FORMATS = ['table', 'json', 'junit', 'html'] as const;
export type Format = (typeof FORMATS)[number];

const ms = (n: number | undefined) => (n === undefined ? '' : `${Math.round(n)} ms`);

/** The failed conditions after the first (which the message already names). */
const laterFailures = (r: CheckResult) => r.conditions.filter((c) => !c.pass).slice(1);

/**
 * One line per check: outcome, layer, timing, message; then, indented under it, each further failed condition,
 * and each note (header hygiene, how the request was made).
 */
export function checkLine(r: CheckResult): string {
  // A diagnostic the target does not configure is not a failure of anything: it is shown apart.
  const mark = r.ok ? (r.slow ? 'SLOW' : 'PASS') : r.kind === 'not-configured' ? 'N/A ' : 'FAIL';
  const t = r.timings;
  const firstByte = t.firstByteMs === undefined ? '' : ` (first byte ${ms(t.firstByteMs)})`;
  const kind = r.kind ? ` [${r.kind}]` : '';
  const line = `  ${mark}  ${r.layer.padEnd(10)} ${ms(t.totalMs).padStart(8)}${firstByte}  ${r.message}${kind}`;
  const more = laterFailures(r).map((c) => `${' '.repeat(19)}also: ${describeCondition(c)} [${c.kind}]`);
  const tls = r.tls ? [`${' '.repeat(19)}${certificateText(r.tls)}`] : [];
  const notes = (r.notes ?? []).map((n) => `${' '.repeat(19)}note: ${n}`);
  return [line, ...more, ...tls, ...notes].join('\n');
}

export function verdictLines(target: string, v: Verdict): string[] {
  const head = v.fault ? `${v.status.toUpperCase()} (fault: ${v.faults.join(', ')})` : v.status.toUpperCase();
  return [
    `  => ${target}: ${head}: ${v.summary}`,
    ...(v.monitorWarning
      ? [`  => ${target}: MONITOR WARNING (for the monitor's owners): ${v.monitorWarning}`]
      : []),
  ];
}

/**
 * The exit code of a run: 1 when a target is degraded or failed; else 2 when a run proved the monitor's own
 * settings wrong (a monitor warning: the config needs fixing); else 0.
 */
export function exitCode(reports: readonly Report[]): number {
  if (worstStatus(reports) !== 'healthy') return EXIT.unhealthy;
  return reports.some((r) => r.verdict.monitorWarning) ? EXIT.usage : EXIT.healthy;
}

/** A run in a maintenance window says so, and that it pages no one. */
export const maintenanceLine = (m: Maintenance) =>
  `     in maintenance (${m.window}) until ${m.until}: pages and recovery notices are not sent`;

export const worstStatus = (reports: readonly Report[]): Status =>
  worstOf(
    STATUSES,
    reports.map((r) => r.verdict.status),
  );

export function toJson(reports: readonly Report[]): string {
  return JSON.stringify({ schemaVersion: SCHEMA_VERSION, status: worstStatus(reports), reports }, null, 2);
}

/**
 * What XML 1.0 forbids in a document, as UTF-16 code units: the C0 controls but tab, newline and carriage return
 * (ESC, NUL, BEL: a server's error text may carry them), a surrogate without its pair, U+FFFE and U+FFFF.
 */
const XML_FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to find.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Each forbidden character shown as its escape, in text (`\x1b`, `\ud800`): the report stays readable and valid. */
const shownEscape = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
};

/** Text as XML 1.0 content or attribute value: forbidden characters shown escaped, markup escaped (layout.ts). */
const xml = (s: string) => escapeMarkup(s.replace(XML_FORBIDDEN, shownEscape));
/** An attribute's value keeps its tabs and line breaks as references: a parser turns them into spaces otherwise. */
const xmlAttr = (s: string) => xml(s).replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
const sec = (n: number) => (n / 1000).toFixed(3);

/**
 * JUnit XML: a suite per target, a test case per check (its notes in its system-out), plus one for the verdict
 * (a monitor warning in its system-err: the run stays as healthy as it is).
 */
export function toJunit(reports: readonly Report[]): string {
  const suites = reports.map((rep) => {
    const cases = rep.results.map((r) => {
      const failed = r.conditions.filter((c) => !c.pass).map((c) => `${describeCondition(c)} [${c.kind}]`);
      const failure = r.ok
        ? ''
        : `<failure type="${xmlAttr(r.kind ?? 'failed')}" message="${xmlAttr(r.message)}">${xml(failed.join('\n'))}</failure>`;
      const notes = r.notes?.length ? `<system-out>${xml(r.notes.join('\n'))}</system-out>` : '';
      return `    <testcase classname="download-doctor.${xmlAttr(rep.target)}" name="${r.layer}" time="${sec(r.timings.totalMs)}">${failure}${notes}</testcase>`;
    });
    const v = rep.verdict;
    const verdictFailure =
      v.status === 'healthy'
        ? ''
        : `<failure type="${v.status}" message="${xmlAttr(v.summary)}">${xml(v.evidence.join('\n'))}</failure>`;
    const warning = v.monitorWarning
      ? `<system-err>${xml(`MONITOR WARNING: ${v.monitorWarning}`)}</system-err>`
      : '';
    cases.push(
      `    <testcase classname="download-doctor.${xmlAttr(rep.target)}" name="verdict">${verdictFailure}${warning}</testcase>`,
    );
    const failures = rep.results.filter((r) => !r.ok).length + (v.status === 'healthy' ? 0 : 1);
    const time = rep.results.reduce((s, r) => s + r.timings.totalMs, 0);
    return `  <testsuite name="${xmlAttr(rep.target)}" tests="${cases.length}" failures="${failures}" time="${sec(time)}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="download-doctor">\n${suites.join('\n')}\n</testsuites>`;
}

/** The self-contained HTML page of the run (functions/render/report-html.ts). */
export function toHtml(reports: readonly Report[], options: HtmlOptions = {}): string {
  return reportHtml(reports, options);
}
