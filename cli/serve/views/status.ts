/**
 * `serve`'s status page: every target's latest verdict, its last 24 hours as a strip (the worst run of each
 * slice), its alarms, and the latest pages and notices, sent or held back. Self-contained like the report
 * (functions/render/report-html.ts): inline CSS and SVG, no script, nothing fetched. Pure.
 */

import type { AlarmState } from '../../../functions/alerting/rules.ts';
import type { ActiveWindow } from '../../../functions/config/maintenance.ts';
import { worstOf } from '../../../functions/contract/names.ts';
import type { Report } from '../../../functions/contract/types.ts';
import { html, htmlPage, joinHtml, raw, type SafeHtml } from '../../../functions/render/layout.ts';
import { type HistorySlice, RUN_OUTCOMES, type RunOutcome } from '../outcome.ts';

export interface StatusTarget {
  name: string;
  description?: string | undefined;
  every: string;
  latest?: { at: Date; report?: Report | undefined; error?: string | undefined } | undefined;
  history: HistorySlice[];
  counts: Record<RunOutcome | 'flapped', number>;
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
  /** The span of the strips, and the length of one slice. */
  spanMs: number;
  sliceMs: number;
}

const CSS = raw(`
.target{border:1px solid var(--line);border-left:8px solid var(--none);border-radius:8px;padding:12px 16px;margin:0 0 16px}
.target.o-healthy{border-left-color:var(--pass)}.target.o-degraded{border-left-color:var(--slow)}.target.o-failed,.target.o-error{border-left-color:var(--fail)}
.target h2{border:0;margin:0 0 4px;padding:0;display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.badge{font-size:13px;font-weight:800;padding:2px 8px;border-radius:10px;background:var(--none-bg);color:var(--none)}
.badge.o-healthy{background:var(--pass-bg);color:var(--pass)}.badge.o-degraded{background:var(--slow-bg);color:var(--slow)}.badge.o-failed,.badge.o-error{background:var(--fail-bg);color:var(--fail)}
.summary{margin:4px 0}
svg.strip{width:100%;height:28px;display:block;margin:8px 0 2px}
.strip .bg{fill:var(--card);stroke:var(--line)}
.strip .o-healthy{fill:var(--pass)}.strip .o-degraded{fill:var(--slow)}.strip .o-failed{fill:var(--fail)}.strip .o-error{fill:var(--unk)}
.axis{display:flex;justify-content:space-between;font-size:12px;color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
.alarm-ALARM{color:var(--fail);font-weight:700}
`);

function strip(t: StatusTarget, input: StatusPageInput): SafeHtml {
  const W = 960;
  const from = input.now.getTime() - input.spanMs;
  const x = (d: Date) => ((d.getTime() - from) / input.spanMs) * W;
  const w = Math.max(1, (input.sliceMs / input.spanMs) * W - 0.5);
  const rects = t.history.map(
    (s) =>
      html`<rect class="o-${s.worst}" x="${x(s.start).toFixed(1)}" y="2" width="${w.toFixed(1)}" height="24"><title>${s.start.toISOString()}: ${s.runs} runs, worst ${s.worst}</title></rect>`,
  );
  const label = `last 24 h of ${t.name}: ${t.counts.healthy} healthy, ${t.counts.degraded} degraded, ${t.counts.failed} failed, ${t.counts.error} without a verdict`;
  return html`<svg class="strip" viewBox="0 0 ${W} 28" preserveAspectRatio="none" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg"><rect class="bg" x="0" y="2" width="${W}" height="24"/>${rects}</svg>
<div class="axis"><span>${new Date(from).toISOString()}</span><span>now</span></div>`;
}

function targetSection(t: StatusTarget, input: StatusPageInput): SafeHtml {
  const report = t.latest?.report;
  const outcome: RunOutcome | 'none' = report ? report.verdict.status : t.latest ? 'error' : 'none';
  const fault = report?.verdict.fault ? ` · fault ${report.verdict.faults.join(', ')}` : '';
  const summary = report
    ? report.verdict.summary
    : t.latest
      ? `the latest run produced no verdict: ${t.latest.error ?? 'unknown error'}`
      : 'no run yet';
  const maintenance =
    t.maintenance &&
    html`<p class="meta" data-maintenance>In maintenance (${t.maintenance.name}) until ${t.maintenance.until.toISOString()}: pages and recovery notices are not sent.</p>`;
  const alarms = t.alarms.length
    ? joinHtml(
        t.alarms.map((a) => html`<span class="alarm-${a.state}">${a.name}: ${a.state}</span>`),
        ' · ',
      )
    : 'none evaluated yet';
  const c = t.counts;
  return html`<section class="target o-${outcome}" data-target="${t.name}" data-status="${outcome}">
<h2><a href="/targets/${encodeURIComponent(t.name)}">${t.name}</a> <span class="badge o-${outcome}">${outcome.toUpperCase()}</span><span class="meta">${fault}</span></h2>
${t.description && html`<p class="meta">${t.description}</p>`}
<p class="summary">${summary}</p>
<p class="meta">${t.latest && html`latest run ${t.latest.at.toISOString()} · `}every ${t.every} · last 24 h: ${c.healthy} healthy, ${c.degraded} degraded, ${c.failed} failed, ${c.error} without a verdict, ${c.flapped} flapped</p>
${maintenance}
${strip(t, input)}
<p class="meta">alarms: ${alarms}</p>
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
    input.targets.map((t) => t.latest?.report?.verdict.status ?? (t.latest ? 'error' : 'healthy')),
  );
  return htmlPage(
    `${worst.toUpperCase()}: ${input.targets.length} targets`,
    CSS,
    html`<h1>download-doctor</h1>
<p class="meta">as of ${input.now.toISOString()} · each target's latest verdict; its full report at /targets/NAME</p>
${joinHtml(
  input.targets.map((t) => targetSection(t, input)),
  '\n',
)}
<h2>Pages and notices</h2>
${notificationsTable(input.notifications)}
<footer class="meta">download-doctor serve · self-contained: this page loads nothing else</footer>`,
  );
}
