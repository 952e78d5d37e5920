/**
 * The fault matrix's table: for each catalogue fault, what each check reported, the verdict, the expected verdict
 * and whether they match. Pure: rows in, text out (printed by test/integration/verdicts.test.ts).
 */
import { LAYERS } from '../functions/contract/names.ts';
import type { Report } from '../functions/contract/types.ts';
import type { ExpectedVerdict, Outcome, SandboxFault } from './faults.ts';

export interface MatrixRow {
  readonly fault: SandboxFault;
  readonly report: Report;
}

/** A check's outcome in one word: `ok`, `slow`, its failure kind, or `-` when it did not run. */
export function outcome(report: Report, layer: (typeof LAYERS)[number]): Outcome {
  const r = report.results.find((x) => x.layer === layer);
  if (!r) return '-';
  if (r.ok) return r.slow ? 'slow' : 'ok';
  return r.kind ?? 'failed';
}

/** Whether each check's outcome is one the catalogue says it sees. */
export function checksMatch({ fault, report }: MatrixRow): boolean {
  return LAYERS.every((layer) => ([] as Outcome[]).concat(fault.saw[layer]).includes(outcome(report, layer)));
}

/**
 * Whether the verdict is the one the catalogue expects, flagged by the expected check with the expected kind (or,
 * for a healthy download, carrying the expected hygiene note), decided by the expected rule when one is named,
 * with a monitor warning exactly when one is expected, and each check saw what the catalogue says.
 */
export function rowMatches(row: MatrixRow): boolean {
  const { fault, report } = row;
  const e = fault.expected;
  const v = report.verdict;
  const flagged = report.results.find((r) => r.layer === e.check);
  const kindSeen =
    typeof e.kind === 'string'
      ? flagged?.ok === false && flagged.kind === e.kind
      : (flagged?.notes ?? []).some((n) => n.endsWith(`[${(e.kind as { note: string }).note}]`));
  return (
    v.status === e.status &&
    v.fault === e.fault &&
    kindSeen &&
    (e.rule === undefined || v.rule === e.rule) &&
    (e.monitorWarning === true) === (v.monitorWarning !== undefined) &&
    checksMatch(row)
  );
}

/** The expectation in a few words: `failed proxy (proxy: status)`, `healthy (end-to-end: note storage-headers)`. */
export function describeExpected(e: ExpectedVerdict): string {
  const kind = typeof e.kind === 'string' ? e.kind : `note ${e.kind.note}`;
  const rule = e.rule ? `, rule ${e.rule}` : '';
  const warning = e.monitorWarning ? ', monitor warning' : '';
  return `${e.status}${e.fault ? ` ${e.fault}` : ''} (${e.check}: ${kind}${rule}${warning})`;
}

export function matrixTable(rows: readonly MatrixRow[]): string {
  const head = ['fault', ...LAYERS, 'verdict', 'expected', 'match'];
  const body = rows.map((row) => {
    const { fault, report } = row;
    const v = report.verdict;
    return [
      fault.name,
      ...LAYERS.map((l) => outcome(report, l)),
      `${v.status} ${v.fault ?? ''}${v.monitorWarning ? ' +warning' : ''}`.trim(),
      describeExpected(fault.expected),
      rowMatches(row) ? 'yes' : 'NO',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const good = rows.filter(rowMatches).length;
  const accuracy = rows.length === 0 ? 0 : (100 * good) / rows.length;
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `verdict accuracy: ${good}/${rows.length} (${accuracy.toFixed(0)}%)`,
  ].join('\n');
}
