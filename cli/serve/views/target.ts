/**
 * A target's own status page (`/status/NAME`): its latest verdict, its uptime (24 h, 7 d, 30 d), the strip of its
 * last 90 days and of its last 24 hours (the worst run of each slice), the latency of each layer over the last
 * 7 days, and its incidents: when each began and ended, how long it lasted, the verdict and the layer at fault, and
 * (for operators) the evidence. Self-contained and without script, like the status page. Pure.
 */
import { humanDuration, type Incident, incidentMs } from '../../../functions/alerting/history.ts';
import { html, htmlPage, raw, type SafeHtml } from '../../../functions/render/layout.ts';
import { agreementHtml } from '../../../functions/render/locations.ts';
import type { HistorySlice } from '../outcome.ts';
import type { DayTime, RollupRow, RunCounts } from '../rollups.ts';
import type { LocationSummary } from '../store.ts';
import { detailedStrip, latencyChart, legend, locationChart, uptimeFigures } from './charts.ts';
import {
  alarmsLine,
  badge,
  maintenanceNote,
  openIncidentLine,
  outcomeOf,
  STATUS_CSS,
  type StatusTarget,
  summaryOf,
  topOf,
  type Viewer,
} from './status.ts';

export interface TargetPageInput {
  target: StatusTarget;
  /** The strip's days, oldest first. */
  days: DayTime[];
  /** The last 24 hours, in slices (from the runs). */
  slices: HistorySlice[];
  sliceMs: number;
  counts: RunCounts;
  /** Hourly rollups over the chart's span. */
  hours: RollupRow[];
  chartFrom: Date;
  /** The incidents of the last 90 days, newest first. */
  incidents: Incident[];
  /** With several locations: each location's slots of the last 24 hours. */
  locations?: LocationSummary[];
  /** With several locations: each location's mean download time per hour over the chart's span. */
  locationHours?: { location: string; points: { start: number; ms: number }[] }[];
  now: Date;
  viewer: Viewer;
  session: boolean;
  refreshSeconds: number;
}

const CSS = raw(`${STATUS_CSS}
svg.strip{width:100%;height:28px;display:block;margin:8px 0 2px}
.strip .bg{fill:var(--card);stroke:var(--line)}
.strip .o-healthy{fill:var(--pass)}.strip .o-degraded{fill:var(--slow)}.strip .o-failed{fill:var(--fail)}.strip .o-error{fill:var(--unk)}
details summary{cursor:pointer}
`);

function sliceStrip(input: TargetPageInput): SafeHtml {
  const W = 960;
  const span = 86_400_000;
  const from = input.now.getTime() - span;
  const x = (d: Date) => ((d.getTime() - from) / span) * W;
  const w = Math.max(1, (input.sliceMs / span) * W - 0.5);
  const rects = input.slices.map(
    (s) =>
      html`<rect class="o-${s.worst}" x="${x(s.start).toFixed(1)}" y="2" width="${w.toFixed(1)}" height="24"><title>${s.start.toISOString()}: ${s.runs} runs, worst ${s.worst}</title></rect>`,
  );
  const c = input.counts;
  const label = `last 24 h of ${input.target.name}: ${c.healthy} healthy, ${c.degraded} degraded, ${c.failed} failed, ${c.error} without a verdict`;
  return html`<svg class="strip" viewBox="0 0 ${W} 28" preserveAspectRatio="none" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg"><rect class="bg" x="0" y="2" width="${W}" height="24"/>${rects}</svg>
<div class="axis"><span>${new Date(from).toISOString()}</span><span>now</span></div>
<p class="meta">last 24 h: ${c.healthy} healthy, ${c.degraded} degraded, ${c.failed} failed, ${c.error} without a verdict, ${c.flapped} flapped</p>`;
}

function incidentsTable(input: TargetPageInput): SafeHtml {
  if (input.incidents.length === 0) return html`<p class="muted">No incident in the last 90 days.</p>`;
  const operator = input.viewer === 'operator';
  const rows = input.incidents.map(
    (i) =>
      html`<tr data-incident="${i.rule}" data-fault="${i.faults.join(',')}"><td>${i.openedAt.toISOString()}</td><td>${i.closedAt ? i.closedAt.toISOString() : html`<span class="incident-open">ongoing</span>`}</td><td>${humanDuration(incidentMs(i, input.now))}</td><td>${i.rule}</td><td>${i.status}</td><td>${i.faults.join(', ') || 'unknown'}</td>${
        operator
          ? html`<td>${i.summary}${i.evidence.length ? html`<details><summary>evidence</summary><ul>${i.evidence.map((e) => html`<li>${e}</li>`)}</ul></details>` : ''}</td>`
          : ''
      }</tr>`,
  );
  return html`<table><thead><tr><th>paged</th><th>recovered</th><th>lasted</th><th>alarm</th><th>verdict</th><th>layer at fault</th>${operator ? html`<th>what the page said</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Each location's last 24 hours: its slots by outcome, and the download's median and worst time from there. */
function locationsTable(summary: readonly LocationSummary[]): SafeHtml {
  const s = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
  const rows = summary.map(
    (l) =>
      html`<tr data-location="${l.location}"><td>${l.location}</td><td>${l.counts.pass}</td><td>${l.counts.slow}</td><td>${l.counts.fail}</td><td>${l.counts.unknown}</td><td>${s(l.medianMs)}</td><td>${s(l.worstMs)}</td></tr>`,
  );
  return html`<h2>Locations, last 24 hours</h2>
<table class="location-history"><thead><tr><th>location</th><th>pass</th><th>slow</th><th>fail</th><th>no result</th><th>median download</th><th>worst</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function targetPage(input: TargetPageInput): string {
  const t = input.target;
  const operator = input.viewer === 'operator';
  const outcome = outcomeOf(t);
  return htmlPage(
    `${outcome.toUpperCase()}: ${t.name}`,
    CSS,
    html`${topOf(html`<a href="/">download-doctor</a> / ${t.name}`, input.now, input.session)}
<section class="target o-${outcome}" data-target="${t.name}" data-status="${outcome}">
<h2>${t.name} ${badge(t)}</h2>
${t.description && html`<p class="meta">${t.description}</p>`}
${operator && html`<p class="summary">${summaryOf(t)} <a href="/targets/${encodeURIComponent(t.name)}">the latest report</a></p>`}
${openIncidentLine(t.open, input.now)}
${maintenanceNote(t)}
<p class="meta">${t.latest && html`latest run ${t.latest.at.toISOString()} · `}every ${t.every}${operator ? html` · ${alarmsLine(t.alarms, true)}` : ''}</p>
</section>
${operator && t.latest?.report?.agreement && agreementHtml(t.latest.report.agreement)}
${input.locations?.length ? locationsTable(input.locations) : ''}
<h2>Uptime</h2>
${uptimeFigures(t.uptime)}
${legend()}
${detailedStrip(input.days)}
<div class="axis"><span>90 days ago</span><span>today</span></div>
<h2>The last 24 hours</h2>
${sliceStrip(input)}
<h2>Latency per layer</h2>
${latencyChart(input.hours, input.chartFrom, input.now)}
${
  input.locationHours?.length
    ? html`<h2>Download time per location</h2>
${locationChart(input.locationHours, input.chartFrom, input.now)}`
    : ''
}
<h2>Incidents</h2>
<p class="meta">An incident runs from the first page to the recovery notice.</p>
${incidentsTable(input)}
<footer class="meta">download-doctor serve · self-contained: this page loads nothing else</footer>`,
    { refreshSeconds: input.refreshSeconds },
  );
}
