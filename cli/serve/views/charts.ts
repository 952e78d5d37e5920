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
import type { DayTime, RollupRow } from '../rollups.ts';

/** The locations' lines' colours, in the order the locations are listed (a config has at most 10 locations). */
const LOCATION_PALETTE = [
  '#0969da',
  '#bc4c00',
  '#1a7f37',
  '#8250df',
  '#cf222e',
  '#9a6700',
  '#1b7c83',
  '#bf3989',
  '#57606a',
  '#0550ae',
];

/** A day's colour: the worst state it spent time in (worst first), or `none` (no data). */
export const DAY_CLASSES = ['failed', 'degraded', 'noVerdict', 'healthy', 'maintenance'] as const;
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
${LOCATION_PALETTE.map((c, i) => `.loc-${i}{stroke:${c};background:${c}}`).join('')}
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

function dayDetail(d: DayTime): string {
  const t = d.time;
  if (dayClass(t) === 'none') return `${isoDay(d.start)}: no data`;
  return `${isoDay(d.start)}: ${percent(availability(t))} up; failed ${humanDuration(t.failed)}, degraded ${humanDuration(t.degraded)}, no verdict ${humanDuration(t.noVerdict)}, maintenance ${humanDuration(t.maintenance)}`;
}

const STRIP_CELL = 10;

function stripLabel(classes: readonly DayClass[]): string {
  const counts = new Map<DayClass, number>();
  for (const c of classes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return `the last ${classes.length} days, one cell a day (UTC): ${[...counts].map(([c, n]) => `${n} ${LEGEND[c]}`).join(', ')}`;
}

const stripSvg = (n: number, label: string, cells: SafeHtml | SafeHtml[]) =>
  html`<svg class="days" viewBox="0 0 ${n * STRIP_CELL} 22" preserveAspectRatio="none" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">${cells}</svg>`;

/**
 * The strip of the last days (oldest first), one cell a day (UTC), drawn as one path per colour with a summary for
 * screen readers: the status page of 500 targets stays small and quick (each day's figures are on the target's page).
 */
export function compactStrip(classes: readonly DayClass[]): SafeHtml {
  const W = STRIP_CELL;
  let paths = '';
  for (const c of new Set(classes)) {
    // One rectangle for each run of days of this colour; the markup is made of numbers and class names only.
    let d = '';
    for (let i = 0; i < classes.length; i++) {
      if (classes[i] !== c || classes[i - 1] === c) continue;
      let n = 1;
      while (classes[i + n] === c) n += 1;
      d += `M${i * W} 1h${n * W - 2}v20h-${n * W - 2}z`;
    }
    paths += `<path class="c-${c}" d="${d}"/>`;
  }
  return stripSvg(classes.length, stripLabel(classes), raw(paths));
}

/** The strip with a cell per day and its figures as a tooltip (a target's own page). */
export function detailedStrip(days: readonly DayTime[]): SafeHtml {
  const classes = days.map((d) => dayClass(d.time));
  return stripSvg(
    days.length,
    stripLabel(classes),
    days.map(
      (d, i) =>
        html`<rect class="c-${classes[i] ?? 'none'}" x="${i * STRIP_CELL}" y="1" width="${STRIP_CELL - 2}" height="20" rx="1.5" data-day="${isoDay(d.start)}"><title>${dayDetail(d)}</title></rect>`,
    ),
  );
}

/** A round upper bound for the chart's axis: 1, 2 or 5 times a power of ten. */
function niceMax(v: number): number {
  if (v <= 0) return 10;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/** One line of a chart: a class for its colour, its legend, and its hourly points (an hour's start, milliseconds). */
interface Series {
  cls: string;
  label: string;
  /** Its data attribute, for a test or a script to find it: name and value. */
  data: readonly [string, string];
  points: readonly { start: number; ms: number }[];
}

/** A chart of hourly means over `[from, to)`, one line per series, broken where a series has no hour. */
function hourlyChart(
  series: readonly Series[],
  from: Date,
  to: Date,
  hourMs: number,
  what: string,
): SafeHtml {
  const W = 960;
  const H = 200;
  const left = 64;
  const bottom = 18;
  const span = to.getTime() - from.getTime();
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.ms))));
  const x = (t: number) => left + ((t - from.getTime()) / span) * (W - left - 4);
  const y = (ms: number) => 4 + (1 - ms / max) * (H - bottom - 8);
  const polylines = series.flatMap((s) => {
    const segments: string[][] = [];
    let last: number | undefined;
    for (const p of s.points) {
      if (last === undefined || p.start - last > hourMs) segments.push([]);
      segments.at(-1)?.push(`${x(p.start + hourMs / 2).toFixed(1)},${y(p.ms).toFixed(1)}`);
      last = p.start;
    }
    return segments.map((points) =>
      points.length === 1
        ? html`<circle class="${s.cls}" cx="${points[0]?.split(',')[0] ?? 0}" cy="${points[0]?.split(',')[1] ?? 0}" r="1.5"/>`
        : html`<polyline class="${s.cls}" points="${points.join(' ')}"/>`,
    );
  });
  const ticks = [0, max / 2, max].map(
    (v) =>
      html`<line class="grid" x1="${left}" x2="${W - 4}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)} ms</text>`,
  );
  const days: SafeHtml[] = [];
  for (let d = Math.ceil(from.getTime() / DAY_MS) * DAY_MS; d < to.getTime(); d += DAY_MS)
    days.push(
      html`<text x="${x(d).toFixed(1)}" y="${H - 4}" text-anchor="middle">${isoDay(d).slice(5)}</text>`,
    );
  const label = `${what}, ${isoDay(from.getTime())} to ${isoDay(to.getTime())}`;
  return html`<svg class="latency" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">${ticks}${days}${polylines}</svg>
<div class="legend">${joinHtml(
    series.map(
      (s) =>
        html`<span ${s.data[0]}="${s.data[1]}"><i class="${s.cls}"></i>${s.label}${s.points.length ? '' : ' (did not run)'}</span>`,
    ),
    '',
  )}</div>`;
}

/**
 * Each layer's mean latency per hour over `[from, to)`, one line per layer, broken where the layer did not run
 * (storage and proxy run only when stage 1 fails, or on a full run).
 */
export function latencyChart(rows: readonly RollupRow[], from: Date, to: Date, hourMs = 3_600_000): SafeHtml {
  const series = LAYERS.map((layer: Layer) => ({
    cls: `l-${layer}`,
    label: layer,
    data: ['data-layer', layer] as const,
    points: rows.flatMap((r) => {
      const ms = r.latency[layer]?.meanMs;
      return ms === undefined ? [] : [{ start: r.start, ms }];
    }),
  }));
  return hourlyChart(series, from, to, hourMs, 'mean latency per hour of each layer');
}

/**
 * Each location's mean end-to-end download time per hour over `[from, to)` (of the slots where the download came
 * through: a refused or timed-out one says nothing of the path's speed), one line per location.
 */
export function locationChart(
  hours: readonly { location: string; points: readonly { start: number; ms: number }[] }[],
  from: Date,
  to: Date,
  hourMs = 3_600_000,
): SafeHtml {
  const series = hours.map((h, i) => ({
    cls: `loc-${i % LOCATION_PALETTE.length}`,
    label: h.location,
    data: ['data-location', h.location] as const,
    points: h.points,
  }));
  return hourlyChart(series, from, to, hourMs, 'mean end-to-end download time per hour from each location');
}

export const CHART_STYLE = raw(CHART_CSS);
