/**
 * `serve`'s status page (`/`): per target its latest verdict, its uptime over 24 hours, 7 and 30 days, the strip of
 * its last 90 days with a legend, its open incident, and the latest pages and notices; each target's own page
 * (./target.ts) has the latency chart and the list of incidents. Self-contained like the report
 * (functions/render/report-html.ts): inline CSS and SVG, no script, nothing fetched; it reloads itself (a meta
 * refresh). For the public (`serve --public-status`, not logged in) it leaves out what only operators read: the
 * verdicts' summaries and evidence, the alarms, the pages and notices. Pure.
 */

import {
  humanDuration,
  type Incident,
  incidentMs,
  type TimeTotals,
} from '../../../functions/alerting/history.ts';
import type { AlarmState } from '../../../functions/alerting/rules.ts';
import type { ActiveWindow } from '../../../functions/config/maintenance.ts';
import { worstOf } from '../../../functions/contract/names.ts';
import type { Report } from '../../../functions/contract/types.ts';
import { html, htmlPage, joinHtml, raw, type SafeHtml } from '../../../functions/render/layout.ts';
import { agreementHtml } from '../../../functions/render/locations.ts';
import { RUN_OUTCOMES, type RunOutcome } from '../outcome.ts';
import { CHART_CSS, compactStrip, type DayClass, legend, uptimeFigures } from './charts.ts';

/** Who reads the page: an operator (the token, or a session), or the public (`--public-status`). */
export type Viewer = 'operator' | 'public';

export interface StatusTarget {
  name: string;
  description?: string | undefined;
  every: string;
  latest?: { at: Date; report?: Report | undefined; error?: string | undefined } | undefined;
  /** The time by state over each window (24 h, 7 d, 30 d). */
  uptime: { label: string; time: TimeTotals }[];
  /** The strip's days, oldest first, each as its colour. */
  strip: DayClass[];
  /** The incidents still open. */
  open: Incident[];
  alarms: { name: string; state: AlarmState }[];
  maintenance?: ActiveWindow | undefined;
}

export interface StatusNotification {
  at: Date;
  alarm: string;
  state: AlarmState;
  subject: string;
  /** Where it went; absent when it was held back. */
  sentTo?: string | undefined;
  /** Why it was not sent. */
  held?: string | undefined;
}

export interface StatusPageInput {
  targets: readonly StatusTarget[];
  notifications: readonly StatusNotification[];
  now: Date;
  viewer: Viewer;
  /** A session to end: the page shows a log-out button. */
  session: boolean;
  refreshSeconds: number;
}

export const STATUS_CSS = `${CHART_CSS}
.target{border:1px solid var(--line);border-left:8px solid var(--none);border-radius:8px;padding:10px 16px;margin:0 0 14px}
.target.o-healthy{border-left-color:var(--pass)}.target.o-degraded{border-left-color:var(--slow)}.target.o-failed,.target.o-error{border-left-color:var(--fail)}
.target h2{border:0;margin:0 0 4px;padding:0;display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.badge{font-size:13px;font-weight:800;padding:2px 8px;border-radius:10px;background:var(--none-bg);color:var(--none)}
.badge.o-healthy{background:var(--pass-bg);color:var(--pass)}.badge.o-degraded{background:var(--slow-bg);color:var(--slow)}.badge.o-failed,.badge.o-error{background:var(--fail-bg);color:var(--fail)}
.summary{margin:4px 0}
.incident-open{color:var(--fail);font-weight:600}
.axis{display:flex;justify-content:space-between;font-size:12px;color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
.alarm-ALARM{color:var(--fail);font-weight:700}
.locations td.o-failed{color:var(--fail);font-weight:700}.locations td.o-degraded{color:var(--slow);font-weight:700}.locations td.o-healthy{color:var(--pass)}.locations td.o-error{color:var(--unk)}
.locations h2{font-size:15px}
header.top{display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap}
header.top form{margin:0}
button{font:inherit;padding:4px 12px;border-radius:6px;border:1px solid var(--line);background:var(--card);color:var(--fg);cursor:pointer}
`;

/** A target's latest outcome: its verdict's status, `error` (a run without verdict), or `none` (no run yet). */
export function outcomeOf(t: Pick<StatusTarget, 'latest'>): RunOutcome | 'none' {
  const report = t.latest?.report;
  return report ? report.verdict.status : t.latest ? 'error' : 'none';
}

export function badge(t: Pick<StatusTarget, 'latest'>): SafeHtml {
  const outcome = outcomeOf(t);
  const fault = t.latest?.report?.verdict.fault
    ? ` · fault ${t.latest.report.verdict.faults.join(', ')}`
    : '';
  return html`<span class="badge o-${outcome}">${outcome.toUpperCase()}</span><span class="meta">${fault}</span>`;
}

export function summaryOf(t: Pick<StatusTarget, 'latest'>): string {
  const report = t.latest?.report;
  if (report) return report.verdict.summary;
  return t.latest ? `the latest run produced no verdict: ${t.latest.error ?? 'unknown error'}` : 'no run yet';
}

export function maintenanceNote(t: Pick<StatusTarget, 'maintenance'>): SafeHtml | undefined {
  return (
    t.maintenance &&
    html`<p class="meta" data-maintenance>In maintenance (${t.maintenance.name}) until ${t.maintenance.until.toISOString()}: pages and recovery notices are not sent.</p>`
  );
}

export function openIncidentLine(open: readonly Incident[], now: Date): SafeHtml | undefined {
  const first = open[0];
  return (
    first &&
    html`<p class="incident-open" data-incident-open>Incident open for ${humanDuration(incidentMs(first, now))} (paged ${first.openedAt.toISOString()}, ${first.rule}): ${first.status}${first.faults.length ? `, fault ${first.faults.join(', ')}` : ''}</p>`
  );
}

/** The alarms in ALARM (all of them on the target's own page). */
export function alarmsLine(alarms: StatusTarget['alarms'], all = false): SafeHtml {
  const shown = all ? alarms : alarms.filter((a) => a.state === 'ALARM');
  if (shown.length === 0) return html`alarms: ${alarms.length ? 'none in ALARM' : 'none evaluated yet'}`;
  return html`alarms: ${joinHtml(
    shown.map((a) => html`<span class="alarm-${a.state}">${a.name}: ${a.state}</span>`),
    ' · ',
  )}`;
}

/** The header of every status page: the title, when, and the log-out button for a session. */
export function topOf(title: SafeHtml, now: Date, session: boolean): SafeHtml {
  return html`<header class="top"><h1>${title}</h1>${session ? html`<form method="post" action="/logout"><button type="submit">Log out</button></form>` : ''}</header>
<p class="meta">as of ${now.toISOString()} (UTC) · this page reloads itself every minute</p>`;
}

function targetSection(t: StatusTarget, input: StatusPageInput): SafeHtml {
  const operator = input.viewer === 'operator';
  const outcome = outcomeOf(t);
  return html`<section class="target o-${outcome}" data-target="${t.name}" data-status="${outcome}">
<h2><a href="/status/${encodeURIComponent(t.name)}">${t.name}</a> ${badge(t)}</h2>
${t.description && html`<p class="meta">${t.description}</p>`}
${operator && html`<p class="summary">${summaryOf(t)}</p>`}
${operator && t.latest?.report?.agreement && agreementHtml(t.latest.report.agreement)}
${openIncidentLine(t.open, input.now)}
${uptimeFigures(t.uptime)}
${compactStrip(t.strip)}
<div class="axis"><span>90 days ago</span><span>today</span></div>
<p class="meta">${t.latest && html`latest run ${t.latest.at.toISOString()} · `}every ${t.every}${operator ? html` · ${alarmsLine(t.alarms)}` : ''}</p>
${maintenanceNote(t)}
</section>`;
}

function notificationsTable(ns: readonly StatusNotification[]): SafeHtml {
  if (ns.length === 0) return html`<p class="muted">No page or notice yet.</p>`;
  const rows = ns.map(
    (n) =>
      html`<tr><td>${n.at.toISOString()}</td><td>${n.alarm} → ${n.state}</td><td>${n.subject}</td><td>${n.sentTo ? `sent to ${n.sentTo}` : `held back: ${n.held ?? ''}`}</td></tr>`,
  );
  return html`<table><thead><tr><th>when</th><th>alarm</th><th>subject</th><th>delivery</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function statusPage(input: StatusPageInput): string {
  const worst = worstOf(
    RUN_OUTCOMES,
    input.targets.map((t) => {
      const o = outcomeOf(t);
      return o === 'none' ? 'healthy' : o;
    }),
  );
  const operator = input.viewer === 'operator';
  return htmlPage(
    `${worst.toUpperCase()}: ${input.targets.length} targets`,
    raw(STATUS_CSS),
    html`${topOf(html`download-doctor`, input.now, input.session)}
<p class="meta">uptime: the share of the time observed (outside maintenance, with a verdict) that downloads worked, healthy or degraded; each run counts until the next. Each target's page has its latency and its incidents${operator ? '; its latest report is at /targets/NAME' : ''}.</p>
${legend()}
${joinHtml(
  input.targets.map((t) => targetSection(t, input)),
  '\n',
)}
${operator ? html`<h2>Pages and notices</h2>\n${notificationsTable(input.notifications)}` : html`<p class="meta"><a href="/login">Log in</a> for the verdicts, the reports and the pages.</p>`}
<footer class="meta">download-doctor serve · self-contained: this page loads nothing else</footer>`,
    { refreshSeconds: input.refreshSeconds },
  );
}
