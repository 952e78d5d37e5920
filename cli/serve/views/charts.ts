/**
 * What `serve`'s status pages draw, as SVG made on the server (no script): the uptime figures, the strip of the last
 * 90 days with its legend, and the latency of each layer. Pure: rollup rows (../rollups.ts) in, markup out.
 */
import {
  availability,
  DAY_MS,
  humanDuration,
  percent,
  type TimeState,
  type TimeTotals,
} from '../../../functions/alerting/history.ts';
import { LAYERS, type Layer } from '../../../functions/contract/names.ts';
import { html, joinHtml, raw, type SafeHtml } from '../../../functions/render/layout.ts';
import type { RollupRow } from '../rollups.ts';

/** A day's colour: the worst state it spent time in (worst first), or `none` (no data). */
const DAY_CLASSES = ['failed', 'degraded', 'noVerdict', 'healthy', 'maintenance'] as const;
export type DayClass = (typeof DAY_CLASSES)[number] | 'none';

export const LEGEND: Record<DayClass, string> = {
  healthy: 'healthy all day',
  degraded: 'degraded for a while (downloads worked)',
  failed: 'failed for a while (downloads broken)',
  noVerdict: 'runs without a verdict (the monitor, not the target)',
  maintenance: 'maintenance window only',
  none: 'no data',
};

export function dayClass(t: TimeTotals): DayClass {
  return DAY_CLASSES.find((s) => t[s as TimeState] > 0) ?? 'none';
}

export const CHART_CSS = `
.c-healthy{fill:var(--pass);background:var(--pass)}.c-degraded{fill:var(--slow);background:var(--slow)}.c-failed{fill:var(--fail);background:var(--fail)}
.c-noVerdict{fill:var(--unk);background:var(--unk)}.c-maintenance{fill:#8c959f;background:#8c959f}.c-none{fill:var(--none-bg);background:var(--none-bg)}
svg.days{width:100%;height:22px;display:block;margin:6px 0 2px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:var(--muted);margin:4px 0}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.uptime{display:flex;gap:18px;flex-wrap:wrap;margin:6px 0}
.uptime div{min-width:92px}.uptime b{display:block;font-size:20px}.uptime span{font-size:12px;color:var(--muted)}
svg.latency{width:100%;height:auto;display:block;margin:8px 0}
.latency .grid{stroke:var(--line);stroke-width:1}.latency text{fill:var(--muted);font-size:11px}
.latency polyline{fill:none;stroke-width:1.6}.latency circle{fill:none;stroke-width:3}
.l-end-to-end{stroke:#0969da;background:#0969da}.l-app{stroke:#1a7f37;background:#1a7f37}.l-storage{stroke:#bc4c00;background:#bc4c00}.l-proxy{stroke:#8250df;background:#8250df}
`;

/** The uptime figures over each window: availability, and the time down and degraded. */
export function uptimeFigures(windows: readonly { label: string; time: TimeTotals }[]): SafeHtml {
  return html`<div class="uptime">${windows.map(
    (w) =>
      html`<div data-uptime="${w.label}"><b>${percent(availability(w.time))}</b><span>uptime ${w.label} · down ${humanDuration(w.time.failed)} · degraded ${humanDuration(w.time.degraded)}</span></div>`,
  )}</div>`;
}

export function legend(): SafeHtml {
  return html`<div class="legend">${(Object.keys(LEGEND) as DayClass[]).map(
    (c) => html`<span><i class="c-${c}"></i>${LEGEND[c]}</span>`,
  )}</div>`;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The last `days` days (UTC), oldest first, one cell per day; consecutive days of one colour that were up all the
 * time (or had no data) are drawn as one, so that a quiet fleet makes a small page.
 */
export function dayStrip(rows: readonly RollupRow[], now: Date, days = 90): SafeHtml {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const first = today - (days - 1) * DAY_MS;
  const byStart = new Map(rows.map((r) => [r.start, r]));
  const cells = Array.from({ length: days }, (_, i) => {
    const start = first + i * DAY_MS;
    const row = byStart.get(start);
    const cls = row ? dayClass(row.time) : 'none';
    const detail = row
      ? `${percent(availability(row.time))} up; failed ${humanDuration(row.time.failed)}, degraded ${humanDuration(row.time.degraded)}, no verdict ${humanDuration(row.time.noVerdict)}, maintenance ${humanDuration(row.time.maintenance)}`
      : 'no data';
    return { i, start, cls, detail };
  });
  const runs: { i: number; n: number; cls: DayClass; title: string }[] = [];
  for (const c of cells) {
    const prev = runs.at(-1);
    const quiet = c.cls === 'none' || (c.cls === 'healthy' && c.detail.startsWith('100%'));
    if (prev && quiet && prev.cls === c.cls && prev.title.endsWith(c.detail)) {
      prev.n += 1;
      prev.title = `${isoDay(first + prev.i * DAY_MS)} – ${isoDay(c.start)}: ${c.detail}`;
    } else runs.push({ i: c.i, n: 1, cls: c.cls, title: `${isoDay(c.start)}: ${c.detail}` });
  }
  const W = 10;
  const rects = runs.map(
    (r) =>
      html`<rect class="c-${r.cls}" x="${r.i * W}" y="1" width="${r.n * W - 2}" height="20" rx="1.5" data-day="${isoDay(first + r.i * DAY_MS)}" data-days="${r.n}"><title>${r.title}</title></rect>`,
  );
  return html`<svg class="days" viewBox="0 0 ${days * W} 22" preserveAspectRatio="none" role="img" aria-label="the last ${days} days, one cell a day (UTC)" xmlns="http://www.w3.org/2000/svg">${rects}</svg>`;
}

/** A round upper bound for the chart's axis: 1, 2 or 5 times a power of ten. */
function niceMax(v: number): number {
  if (v <= 0) return 10;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/**
 * Each layer's mean latency per hour over `[from, to)`, one line per layer, broken where the layer did not run
 * (storage and proxy run only when stage 1 fails, or on a full run).
 */
export function latencyChart(rows: readonly RollupRow[], from: Date, to: Date, hourMs = 3_600_000): SafeHtml {
  const W = 960;
  const H = 200;
  const left = 48;
  const bottom = 18;
  const span = to.getTime() - from.getTime();
  const max = niceMax(Math.max(0, ...rows.flatMap((r) => LAYERS.map((l) => r.latency[l]?.meanMs ?? 0))));
  const x = (t: number) => left + ((t - from.getTime()) / span) * (W - left - 4);
  const y = (ms: number) => 4 + (1 - ms / max) * (H - bottom - 8);
  const lines = LAYERS.map((layer) => {
    const segments: string[][] = [];
    let last: number | undefined;
    for (const r of rows) {
      const m = r.latency[layer]?.meanMs;
      if (m === undefined) continue;
      if (last === undefined || r.start - last > hourMs) segments.push([]);
      segments.at(-1)?.push(`${x(r.start + hourMs / 2).toFixed(1)},${y(m).toFixed(1)}`);
      last = r.start;
    }
    return { layer, segments };
  });
  const polylines = lines.flatMap(({ layer, segments }) =>
    segments.map((points) =>
      points.length === 1
        ? html`<circle class="l-${layer}" cx="${points[0]?.split(',')[0] ?? 0}" cy="${points[0]?.split(',')[1] ?? 0}" r="1.5"/>`
        : html`<polyline class="l-${layer}" points="${points.join(' ')}"/>`,
    ),
  );
  const ticks = [0, max / 2, max].map(
    (v) =>
      html`<line class="grid" x1="${left}" x2="${W - 4}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)} ms</text>`,
  );
  const days: SafeHtml[] = [];
  for (let d = Math.ceil(from.getTime() / DAY_MS) * DAY_MS; d < to.getTime(); d += DAY_MS)
    days.push(
      html`<text x="${x(d).toFixed(1)}" y="${H - 4}" text-anchor="middle">${isoDay(d).slice(5)}</text>`,
    );
  const seen = lines.filter((l) => l.segments.length > 0).map((l) => l.layer);
  const label = `mean latency per hour of each layer, ${isoDay(from.getTime())} to ${isoDay(to.getTime())}`;
  return html`<svg class="latency" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">${ticks}${days}${polylines}</svg>
<div class="legend">${joinHtml(
    LAYERS.map(
      (l: Layer) =>
        html`<span data-layer="${l}"><i class="l-${l}"></i>${l}${seen.includes(l) ? '' : ' (did not run)'}</span>`,
    ),
    '',
  )}</div>`;
}

export const CHART_STYLE = raw(CHART_CSS);
