/**
 * The HTML report: one self-contained page for the person paged. Pure: reports in, a string out, so that the
 * report Lambda can bundle it and `run`/`invoke --format html` print it.
 *
 * Self-contained means nothing is fetched, ever: the CSS and the diagram (SVG) are inline, the fonts are the
 * system's, there is no script, and a Content-Security-Policy of `default-src 'none'` makes any slip a no-op.
 *
 * Per target: the verdict first (status, the layer at fault, the summary), then the layers drawn with each
 * check's outcome and the fault marked, the evidence, every check with every condition it evaluated (expected
 * against observed), its timing waterfall, its evidence and notes, and how to run it again.
 */

import {
  FAILURE_HINTS,
  FAILURE_KINDS,
  type Fault,
  LAYER_DESCRIPTIONS,
  type Layer,
  STATUSES,
  worstOf,
} from '../contract/names.ts';
import type { CheckResult, Evidence, Report, Timings } from '../contract/types.ts';
import { parseReport } from '../contract/wire.ts';
import { confirmationText } from './confirmation.ts';
import { diagram } from './diagram.ts';
import { html, htmlPage, joinHtml, raw, type SafeHtml } from './layout.ts';
import { agreementHtml } from './locations.ts';
import { certificateText, rerunCommands } from './page.ts';
import { ms, SHOWN_LABEL, SHOWN_MARK, shown } from './shown.ts';

export interface HtmlOptions {
  /** The workflow to name in the start-execution command; `ARN` when unknown. */
  stateMachineArn?: string | undefined;
  /** The config file the run read, as the command names it (`--config FILE` in "Run it again"). */
  configFile?: string | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// A check: its conditions, its timings, its evidence, its notes.

function conditionsTable(r: CheckResult): SafeHtml {
  if (r.conditions.length === 0)
    return html`<p class="muted">No conditions were recorded for this check.</p>`;
  const firstFailed = r.conditions.findIndex((c) => !c.pass);
  const rows = r.conditions.map((c, i) => {
    const first = i === firstFailed && html` <span class="first">first failure</span>`;
    const kind = !c.pass && html`<div class="why">${c.kind}: ${FAILURE_KINDS[c.kind]}</div>`;
    return html`<tr class="${c.pass ? 'pass' : 'fail'}" data-condition="${c.subject}"><td class="mark">${c.pass ? '✓' : '✗'}</td><td><code>${c.subject}</code>${first}${kind}</td><td>${c.expected}</td><td>${c.observed}</td></tr>`;
  });
  return html`<table class="conditions"><thead><tr><th></th><th>condition</th><th>expected</th><th>observed</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The phases in order, each from where the previous ended; first byte is the wait after the handshakes. */
function phases(t: Timings): { name: string; start: number; ms: number | undefined }[] {
  const dns = t.dnsMs ?? 0;
  const connect = t.connectMs ?? 0;
  const tls = t.tlsMs ?? 0;
  const handshakes = dns + connect + tls;
  const wait = t.firstByteMs === undefined ? undefined : Math.max(0, t.firstByteMs - handshakes);
  const transferStart = t.firstByteMs ?? handshakes;
  return [
    { name: 'DNS', start: 0, ms: t.dnsMs },
    { name: 'connect', start: dns, ms: t.connectMs },
    { name: 'TLS', start: dns + connect, ms: t.tlsMs },
    { name: 'first byte', start: handshakes, ms: wait },
    { name: 'transfer', start: transferStart, ms: t.transferMs },
  ];
}

/** A waterfall on the scale of the run's slowest check, so that the checks compare at a glance. */
function waterfall(r: CheckResult, scaleMs: number): SafeHtml {
  const pct = (n: number) => `${Math.min(100, (n / scaleMs) * 100).toFixed(2)}%`;
  const row = (name: string, start: number, value: number | undefined, cls: string) => {
    const bar =
      value !== undefined &&
      html`<span class="bar ${cls}" style="left:${pct(start)};width:${pct(value)}"></span>`;
    return html`<div class="wf-row" data-phase="${name}"><span class="wf-name">${name}</span><span class="wf-track">${bar}</span><span class="wf-ms">${value === undefined ? '—' : ms(value)}</span></div>`;
  };
  const rows = phases(r.timings).map((p) => row(p.name, p.start, p.ms, `ph-${p.name.replace(' ', '-')}`));
  rows.push(row('total', 0, r.timings.totalMs, 'ph-total'));
  return html`<div class="waterfall" aria-label="timings of ${r.layer}"><div class="wf-head">Timings</div>${rows}</div>`;
}

function evidenceTable(expected: Evidence, observed: Evidence): SafeHtml | undefined {
  const rows: [string, string, string][] = [];
  const show = (v: unknown) => (v === undefined ? '' : String(v));
  if (expected.status !== undefined || observed.status !== undefined)
    rows.push(['status', show(expected.status), show(observed.status)]);
  if (expected.bytes !== undefined || observed.bytes !== undefined)
    rows.push(['bytes', show(expected.bytes), show(observed.bytes)]);
  if (expected.sha256 !== undefined || observed.sha256 !== undefined)
    rows.push(['sha256', show(expected.sha256), show(observed.sha256)]);
  const names = new Set([...Object.keys(expected.headers ?? {}), ...Object.keys(observed.headers ?? {})]);
  for (const h of names) rows.push([h, show(expected.headers?.[h]), show(observed.headers?.[h])]);
  if (observed.error !== undefined || expected.error !== undefined)
    rows.push(['error', show(expected.error), show(observed.error)]);
  if (rows.length === 0) return undefined;
  const body = rows.map(([k, e, o]) => html`<tr><th>${k}</th><td>${e}</td><td>${o}</td></tr>`);
  return html`<table class="evidence"><thead><tr><th></th><th>expected</th><th>observed</th></tr></thead><tbody>${body}</tbody></table>`;
}

function checkCard(r: CheckResult, scaleMs: number): SafeHtml {
  const s = shown(r);
  const kind = r.kind && html` <span class="kind">${r.kind}</span>`;
  const notes = r.notes?.length
    ? html`<div class="notes"><h4>Notes</h4><ul>${r.notes.map((n) => html`<li>${n}</li>`)}</ul></div>`
    : undefined;
  return html`<article class="check o-${s}" data-layer="${r.layer}" id="check-${r.layer}">
<h3><span class="badge o-${s}">${SHOWN_MARK[s]} ${SHOWN_LABEL[s]}</span> ${r.layer}${kind}</h3>
<p class="what">${LAYER_DESCRIPTIONS[r.layer]}</p>
<p class="message">${r.message}</p>
${!r.ok && r.kind && html`<p class="hint" data-hint="${r.kind}"><strong>What to check:</strong> ${FAILURE_HINTS[r.kind]}</p>`}
<p class="target"><code>${r.target}</code> <span class="muted">started ${r.startedAt}</span></p>
${r.tls && html`<p class="tls" data-tls-days-left="${r.tls.daysLeft}">${certificateText(r.tls)}</p>`}
${conditionsTable(r)}
<div class="columns">${waterfall(r, scaleMs)}${evidenceTable(r.expected, r.observed)}</div>
${notes}
</article>`;
}

// ---------------------------------------------------------------------------------------------------------------
// A report, and the page.

/** The layer whose check speaks for each fault: its card comes first. */
const FAULT_CHECK: Record<Fault, Layer> = {
  storage: 'storage',
  proxy: 'proxy',
  app: 'app',
  'proxy-app': 'end-to-end',
  unknown: 'end-to-end',
};

/** The checks in the order a person reads them: the fault's own check, the other failures, slow, passed. */
function ordered(report: Report): CheckResult[] {
  const primary = report.verdict.fault ? FAULT_CHECK[report.verdict.fault] : undefined;
  const rank = (r: CheckResult) => (r.layer === primary && !r.ok ? 0 : !r.ok ? 1 : r.slow ? 2 : 3);
  return [...report.results].sort((a, b) => rank(a) - rank(b));
}

function reportSection(report: Report, options: HtmlOptions): SafeHtml {
  const v = report.verdict;
  const fault = v.fault ? `fault: ${v.faults.join(', ')}` : 'no fault';
  const started = report.results.map((r) => r.startedAt).sort()[0];
  const scaleMs = Math.max(1, ...report.results.map((r) => r.timings.totalMs));
  const rerun = rerunCommands(report.target, options.stateMachineArn, false, options.configFile);
  const confirmed = confirmationText(report);
  const evidence = v.evidence.length
    ? html`<ul>${v.evidence.map((e) => html`<li>${e}</li>`)}</ul>`
    : html`<p class="muted">Every check passed within its threshold.</p>`;
  const unknown =
    v.fault === 'unknown' &&
    html`<p class="caption">No layer is marked: the results do not point to one (a check could not run, or no rule matched).</p>`;
  const warning =
    v.monitorWarning &&
    html`<p class="monitor-warning"><strong>Monitor warning</strong> (for the monitor's owners, not a page): ${v.monitorWarning}</p>\n`;
  const maintenance =
    report.maintenance &&
    html`<p class="meta" data-maintenance>In maintenance (${report.maintenance.window}) until ${report.maintenance.until}: pages and recovery notices are not sent.</p>`;
  const cards = joinHtml(
    ordered(report).map((r) => checkCard(r, scaleMs)),
    '\n',
  );
  return html`<section class="report s-${v.status}" id="target-${report.target}" data-target="${report.target}" data-status="${v.status}" data-fault="${v.fault ?? ''}">
<header class="banner">
<div class="headline"><span class="status">${v.status.toUpperCase()}</span> <span class="target-name">${report.target}</span> <span class="fault">${fault}</span></div>
<p class="summary">${v.summary}</p>
${warning}<p class="meta">${started && html`run started ${started} · `}${report.results.length} checks ran · rule <code>${v.rule}</code></p>
${confirmed && html`<p class="meta confirmation" data-confirmation>${confirmed}</p>`}
${maintenance}
</header>
<figure>${diagram(report)}${unknown}</figure>
${report.agreement && agreementHtml(report.agreement)}
<section class="verdict-evidence"><h2>Evidence</h2>${evidence}</section>
<section class="checks"><h2>Checks</h2>
<p class="muted legend">What failed first. Timings share one scale (the slowest check, ${ms(scaleMs)}); a phase shown as — did not happen or is not measured (DNS for an IP address, TLS over http, the handshakes of an SDK or a file read).</p>
${cards}</section>
<section class="rerun"><h2>Run it again</h2>
<p>Here, with the same config (the verdict changes when the fix lands):</p><pre>${rerun.cli}</pre>
<p>On AWS: the workflow's state machine, <em>Start execution</em>, with the input <code>${rerun.input}</code>; or:</p><pre>${rerun.startExecution}</pre>
</section>
</section>`;
}

const CSS = raw(`
.index{margin:0 0 16px;padding:0;list-style:none;display:flex;gap:8px;flex-wrap:wrap}
.index a{display:inline-block;padding:4px 10px;border-radius:12px;text-decoration:none;color:var(--fg);border:1px solid var(--line)}
.report{margin-bottom:48px}
.banner{border-radius:10px;padding:16px 20px;border-left:8px solid var(--none);background:var(--none-bg)}
.s-failed .banner{border-color:var(--fail);background:var(--fail-bg)}
.s-degraded .banner{border-color:var(--slow);background:var(--slow-bg)}
.s-healthy .banner{border-color:var(--pass);background:var(--pass-bg)}
.headline{font-size:26px;font-weight:700;display:flex;gap:14px;align-items:baseline;flex-wrap:wrap}
.s-failed .status{color:var(--fail)}.s-degraded .status{color:var(--slow)}.s-healthy .status{color:var(--pass)}
.fault{font-size:18px;font-weight:600}
.summary{font-size:18px;margin:8px 0 6px}
.monitor-warning{margin:6px 0;padding:6px 10px;border-left:4px solid var(--slow);background:var(--slow-bg)}
.meta{margin:0;font-size:13px}
figure{margin:16px 0 0}
svg.diagram{width:100%;height:auto;display:block}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;fill:var(--fg)}
.node rect{fill:var(--card);stroke:var(--line);stroke-width:2}
.node .title{font-size:17px;font-weight:700}.node .sub{font-size:12px;fill:var(--muted)}
.node.o-pass rect{stroke:var(--pass)}.node.o-slow rect{stroke:var(--slow)}.node.o-fail rect{stroke:var(--fail)}.node.o-inconclusive rect{stroke:var(--unk)}.node.o-not-run rect{stroke-dasharray:6 4}
.node.fault-primary rect{stroke:var(--fail);stroke-width:5;fill:var(--fail-bg)}
.node.fault-secondary rect{stroke:var(--fail);stroke-width:3;stroke-dasharray:8 4}
.edge path{fill:none;stroke:var(--muted);stroke-width:2}
.edge text{font-size:12px;fill:var(--muted)}
.edge.fault-primary path{stroke:var(--fail);stroke-width:5}.edge.fault-primary text{fill:var(--fail);font-weight:700}
.edge.fault-secondary path{stroke:var(--fail);stroke-width:3;stroke-dasharray:8 4}
.route.o-pass path{stroke:var(--pass)}.route.o-fail path{stroke:var(--fail);stroke-width:3}.route.o-slow path{stroke:var(--slow)}.route.o-inconclusive path{stroke:var(--unk)}.route.o-not-run path{stroke-dasharray:6 4}
.arrowhead{fill:var(--muted)}
.bracket path{fill:none;stroke-width:2.5}
.bracket.o-pass path{stroke:var(--pass)}.bracket.o-fail path{stroke:var(--fail)}.bracket.o-slow path{stroke:var(--slow)}.bracket.o-inconclusive path{stroke:var(--unk)}.bracket.o-not-run path{stroke:var(--none);stroke-dasharray:6 4}
.pill rect{stroke-width:1.5}.pill text{font-size:12.5px;font-weight:700}
.pill.o-pass rect{fill:var(--pass-bg);stroke:var(--pass)}.pill.o-pass text{fill:var(--pass)}
.pill.o-fail rect{fill:var(--fail-bg);stroke:var(--fail)}.pill.o-fail text{fill:var(--fail)}
.pill.o-slow rect{fill:var(--slow-bg);stroke:var(--slow)}.pill.o-slow text{fill:var(--slow)}
.pill.o-inconclusive rect{fill:var(--unk-bg);stroke:var(--unk)}.pill.o-inconclusive text{fill:var(--unk)}
.pill.o-not-run rect{fill:var(--none-bg);stroke:var(--none);stroke-dasharray:4 3}.pill.o-not-run text{fill:var(--none)}
.tag rect{fill:var(--fail)}.tag text{fill:#fff;font-size:12px;font-weight:800;letter-spacing:.06em}
.tag-secondary rect{fill:var(--bg);stroke:var(--fail);stroke-width:1.5}.tag-secondary text{fill:var(--fail)}
.caption{font-size:12.5px;fill:var(--muted);color:var(--muted)}
.verdict-evidence ul{margin:0;padding-left:20px}
.check{border:1px solid var(--line);border-left:6px solid var(--none);border-radius:8px;padding:14px 16px;margin:0 0 14px;background:var(--bg)}
.check.o-pass{border-left-color:var(--pass)}.check.o-fail{border-left-color:var(--fail)}.check.o-slow{border-left-color:var(--slow)}.check.o-inconclusive{border-left-color:var(--unk)}
.badge{display:inline-block;font-size:12px;font-weight:800;padding:2px 8px;border-radius:10px;vertical-align:2px;margin-right:4px}
.badge.o-pass{background:var(--pass-bg);color:var(--pass)}.badge.o-fail{background:var(--fail-bg);color:var(--fail)}.badge.o-slow{background:var(--slow-bg);color:var(--slow)}.badge.o-inconclusive{background:var(--unk-bg);color:var(--unk)}
.kind{font-size:12px;font-family:ui-monospace,"DejaVu Sans Mono",monospace;color:var(--muted);font-weight:400}
.what{margin:0;color:var(--muted);font-size:13px}
.message{margin:6px 0;font-weight:600}
.check.o-fail .message{color:var(--fail)}
.hint{margin:0 0 8px;font-size:13.5px;padding:4px 8px;border-left:3px solid var(--fail);background:var(--fail-bg)}
.confirmation{margin-top:4px}
.locations td.o-failed{color:var(--fail);font-weight:700}.locations td.o-degraded{color:var(--slow);font-weight:700}.locations td.o-healthy{color:var(--pass)}.locations td.o-error{color:var(--unk)}
.target{margin:0 0 10px;font-size:13px;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
thead th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.conditions{table-layout:fixed}.conditions th:nth-child(1){width:28px}.conditions th:nth-child(2){width:40%}
.conditions td:nth-child(3),.conditions td:nth-child(4){word-break:break-word}
.legend{font-size:13px;margin:-4px 0 12px}
.conditions tr.fail td{background:var(--fail-bg)}
.conditions .mark{width:22px;font-weight:800}.conditions tr.pass .mark{color:var(--pass)}.conditions tr.fail .mark{color:var(--fail)}
.first{display:inline-block;margin-left:6px;font-size:11px;font-weight:700;color:#fff;background:var(--fail);border-radius:8px;padding:0 6px}
.why{font-size:12px;color:var(--muted);margin-top:2px}
.columns{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px;margin-top:12px}
@media (max-width:760px){.columns{grid-template-columns:1fr}}
.evidence td{word-break:break-all;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}
.evidence tbody th{font-weight:600;white-space:nowrap}
.wf-head{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em;margin-bottom:4px}
.wf-head .muted{text-transform:none;letter-spacing:0;font-weight:400}
.wf-row{display:grid;grid-template-columns:78px 1fr 70px;align-items:center;gap:8px;height:22px;font-size:13px}
.wf-track{position:relative;height:12px;background:var(--card);border-radius:3px;border:1px solid var(--line)}
.bar{position:absolute;top:0;bottom:0;min-width:2px;border-radius:2px}
.ph-DNS{background:#1b7c83}.ph-connect{background:#d18616}.ph-TLS{background:#8250df}.ph-first-byte{background:#0969da}.ph-transfer{background:#1a7f37}.ph-total{background:var(--muted)}
.wf-ms{text-align:right;font-variant-numeric:tabular-nums}
.notes ul{margin:0;padding-left:20px;font-size:13.5px}
footer{color:var(--muted);font-size:12px;margin-top:24px}
`);

/**
 * The page of one run: one section per target's report, the worst status in the title. Each report is read with
 * the wire contract first: the page is made far from where the report was (the report Lambda, `invoke`).
 */
export function reportHtml(reports: readonly Report[], options: HtmlOptions = {}): string {
  const parsed = reports.map((r, i) => parseReport(r, `report ${i + 1} of the page`));
  const status = worstOf(
    STATUSES,
    parsed.map((r) => r.verdict.status),
  );
  const title =
    parsed.length === 1 && parsed[0]
      ? `${parsed[0].verdict.status.toUpperCase()} ${parsed[0].target}${parsed[0].verdict.fault ? `: fault ${parsed[0].verdict.faults.join(', ')}` : ''}`
      : `${status.toUpperCase()}: ${parsed.length} targets`;
  const index =
    parsed.length > 1 &&
    html`<ul class="index">${parsed.map((r) => html`<li><a href="#target-${r.target}">${r.target}: ${r.verdict.status}</a></li>`)}</ul>`;
  const sections = joinHtml(
    parsed.map((r) => reportSection(r, options)),
    '\n',
  );
  return htmlPage(
    title,
    CSS,
    html`${index}
${sections}
<footer>download-doctor report · ${status} · self-contained: this page loads nothing else</footer>`,
  );
}
