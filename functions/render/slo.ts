/**
 * The SLO report (`download-doctor report --since 30d`) as a table, JSON or a self-contained HTML page: per target
 * its availability, the time down, degraded, without a verdict and in maintenance, its incidents with how long each
 * lasted and the layer at fault, and, with an objective, the error budget left. Pure: functions/alerting/history.ts
 * computes the report from whatever keeps the history.
 */
import {
  errorBudget,
  humanDuration,
  incidentMs,
  meetsObjective,
  percent,
  type SloReport,
  type SloTarget,
} from '../alerting/history.ts';
import { html, htmlPage, raw } from './layout.ts';

const iso = (d: Date) => d.toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');
const span = (r: SloReport) =>
  `${iso(r.from)} to ${iso(r.to)} (${humanDuration(r.to.getTime() - r.from.getTime())})`;
const objectiveText = (o: number) => `${Math.round(o * 100_000) / 1000}%`;

function budgetText(t: SloTarget, objective: number): string {
  const b = errorBudget(t, objective);
  return b.leftMs >= 0 ? `${humanDuration(b.leftMs)} left` : `spent, ${humanDuration(-b.leftMs)} over`;
}

/** The table: one line per target, then the incidents. */
export function sloTable(r: SloReport): string {
  const head = ['target', 'availability', 'down', 'degraded', 'no verdict', 'maintenance', 'incidents'];
  if (r.objective !== undefined) head.push(`budget at ${objectiveText(r.objective)}`);
  const rows = r.targets.map((t) => {
    const row = [
      t.target,
      percent(t.availability),
      humanDuration(t.time.failed),
      humanDuration(t.time.degraded),
      humanDuration(t.time.noVerdict),
      humanDuration(t.time.maintenance),
      String(t.incidents.length),
    ];
    if (r.objective !== undefined) row.push(budgetText(t, r.objective));
    return row;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const incidents = r.targets.flatMap((t) =>
    t.incidents.map(
      (i) =>
        `  ${t.target}  ${iso(i.openedAt)}  ${i.closedAt ? `lasted ${humanDuration(incidentMs(i, r.to))}` : `ongoing, ${humanDuration(incidentMs(i, r.to))} so far`}  ${i.rule}: ${i.status}, fault ${i.faults.join(', ') || 'unknown'}: ${i.summary}`,
    ),
  );
  return [
    `SLO report: ${span(r)}, from ${r.source}`,
    'availability: the share of the observed time (with a verdict, outside maintenance) that downloads worked',
    '',
    line(head),
    ...rows.map(line),
    '',
    incidents.length ? 'Incidents (from the first page to the recovery notice):' : 'No incident.',
    ...incidents,
  ].join('\n');
}

/** The report as JSON: times in milliseconds, shares from 0 to 1, dates in ISO 8601. */
export function sloJson(r: SloReport): unknown {
  return {
    source: r.source,
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    ...(r.objective !== undefined ? { objective: r.objective } : {}),
    targets: r.targets.map((t) => ({
      target: t.target,
      availability: t.availability ?? null,
      timeMs: t.time,
      ...(r.objective !== undefined
        ? { meetsObjective: meetsObjective(t, r.objective), errorBudgetMs: errorBudget(t, r.objective) }
        : {}),
      incidents: t.incidents.map((i) => ({
        alarm: i.alarm,
        rule: i.rule,
        openedAt: i.openedAt.toISOString(),
        closedAt: i.closedAt?.toISOString() ?? null,
        durationMs: incidentMs(i, r.to),
        status: i.status,
        faults: i.faults,
        summary: i.summary,
        evidence: i.evidence,
      })),
    })),
  };
}

const CSS = raw(`
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.miss{color:var(--fail);font-weight:700}
`);

/** The report as a self-contained page (no script, nothing fetched). */
export function sloHtml(r: SloReport): string {
  const objective = r.objective;
  const rows = r.targets.map(
    (t) =>
      html`<tr data-target="${t.target}"><td>${t.target}</td><td class="num${objective !== undefined && !meetsObjective(t, objective) ? ' miss' : ''}" data-availability>${percent(t.availability)}</td><td class="num">${humanDuration(t.time.failed)}</td><td class="num">${humanDuration(t.time.degraded)}</td><td class="num">${humanDuration(t.time.noVerdict)}</td><td class="num">${humanDuration(t.time.maintenance)}</td><td class="num">${t.incidents.length}</td>${objective !== undefined ? html`<td>${budgetText(t, objective)}</td>` : ''}</tr>`,
  );
  const incidents = r.targets.flatMap((t) =>
    t.incidents.map(
      (i) =>
        html`<tr><td>${t.target}</td><td>${iso(i.openedAt)}</td><td>${i.closedAt ? iso(i.closedAt) : 'ongoing'}</td><td class="num">${humanDuration(incidentMs(i, r.to))}</td><td>${i.rule}</td><td>${i.status}</td><td>${i.faults.join(', ') || 'unknown'}</td><td>${i.summary}</td></tr>`,
    ),
  );
  return htmlPage(
    'SLO report',
    CSS,
    html`<h1>SLO report</h1>
<p class="meta">${span(r)}, from ${r.source}. Availability: the share of the observed time (with a verdict, outside maintenance) that downloads worked, healthy or degraded; each run counts until the next.</p>
<table><thead><tr><th>target</th><th>availability</th><th>down</th><th>degraded</th><th>no verdict</th><th>maintenance</th><th>incidents</th>${objective !== undefined ? html`<th>error budget at ${objectiveText(objective)}</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>
<h2>Incidents</h2>
${incidents.length ? html`<table><thead><tr><th>target</th><th>paged</th><th>recovered</th><th>lasted</th><th>alarm</th><th>verdict</th><th>layer at fault</th><th>summary</th></tr></thead><tbody>${incidents}</tbody></table>` : html`<p class="muted">No incident.</p>`}`,
  );
}
