/**
 * The report's diagram (SVG, inline): client → proxy → app, the offload header back, the proxy's own route to
 * storage, each box with its check's outcome and the fault marked. Pure.
 */
import { type Fault, type Layer, OFFLOAD_HEADERS } from '../contract/names.ts';
import type { CheckResult, Report } from '../contract/types.ts';
import { html, joinHtml, type SafeHtml } from './layout.ts';
import { SHOWN_LABEL, SHOWN_MARK, shown } from './shown.ts';

// The diagram: client → proxy → app, the offload header back, the proxy's own route to storage.

/** The drawn elements a fault can point at. */
type Element = 'client' | 'proxy' | 'app' | 'storage' | 'glue';
const FAULT_ELEMENT: Record<Exclude<Fault, 'unknown'>, Element> = {
  storage: 'storage',
  app: 'app',
  proxy: 'proxy',
  'proxy-app': 'glue',
};

const NODE = { w: 170, h: 96, y: 104 };
/** The left edge of each node, in the order of the request. */
const X = { client: 20, proxy: 250, app: 540, storage: 785 } as const;
type Box = Exclude<Element, 'glue'>;
const NODES: { id: Box; title: string; check?: Layer }[] = [
  { id: 'client', title: 'Client' },
  { id: 'proxy', title: 'Reverse proxy' },
  { id: 'app', title: 'App', check: 'app' },
  { id: 'storage', title: 'Storage', check: 'storage' },
];
const cx = (x: number) => x + NODE.w / 2;
/** The characters a box's line holds (12 px text in 170 px). */
const LINE_CHARS = 24;

/** A text cut to a box's line, its middle left out (a host's port and a key's end are what tell them apart). */
export function fitLine(text: string, max = LINE_CHARS): string {
  if (text.length <= max) return text;
  const tail = Math.floor((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

const hostOf = (url: string | undefined) => {
  try {
    return url === undefined ? undefined : new URL(url).host || undefined;
  } catch {
    return undefined;
  }
};

/**
 * What each box names of this target's own stack, from what its checks reach (the report's `where`, else each
 * result's target): the proxy's and the app's host and port, the bucket and key, or the file's directory and name.
 * Each with its whole text, for the box's tooltip; a part the run does not know keeps a generic line.
 */
export function boxLabels(report: Report): Record<Box, { lines: string[]; full?: string; kind?: string }> {
  const at = (layer: Layer) => report.where?.[layer] ?? report.results.find((r) => r.layer === layer)?.target;
  const proxyUrl = hostOf(at('end-to-end')) ? at('end-to-end') : at('proxy');
  const proxy = hostOf(proxyUrl);
  const app = hostOf(at('app'));
  const stored = at('storage');
  const s3 = stored && /^s3:\/\/([^/]+)\/(.+)$/.exec(stored);
  const slash = stored?.lastIndexOf('/') ?? -1;
  const storage = s3
    ? [s3[1] ?? '', s3[2] ?? '']
    : stored && slash > 0
      ? [`${stored.slice(0, slash)}/`, stored.slice(slash + 1)]
      : stored
        ? [stored]
        : ['S3 or a directory'];
  return {
    client: { lines: ['download-doctor'] },
    proxy: proxy ? { lines: [proxy], full: proxyUrl } : { lines: ['nginx, Apache, lighttpd'] },
    app: app ? { lines: [app], full: at('app') } : { lines: ['the download view'] },
    storage: {
      lines: storage.map((l) => fitLine(l)),
      ...(stored ? { full: stored, kind: s3 ? 'S3' : 'disk' } : {}),
    },
  };
}

function faultTag(x: number, y: number, role: 'primary' | 'secondary'): SafeHtml {
  const text = role === 'primary' ? 'AT FAULT' : 'ALSO FAILING';
  const w = role === 'primary' ? 96 : 118;
  return html`<g class="tag tag-${role}"><rect x="${x - w / 2}" y="${y}" width="${w}" height="22" rx="11"/><text x="${x}" y="${y + 15.5}" text-anchor="middle">${text}</text></g>`;
}

function pill(x: number, y: number, r: CheckResult | undefined, label: string): SafeHtml {
  const s = shown(r);
  const text = `${label} ${SHOWN_MARK[s]} ${SHOWN_LABEL[s]}`;
  const w = Math.max(96, text.length * 7.4 + 20);
  return html`<g class="pill o-${s}" data-check="${label}" data-outcome="${s}"><rect x="${x - w / 2}" y="${y}" width="${w}" height="24" rx="12"/><text x="${x}" y="${y + 16.5}" text-anchor="middle">${text}</text></g>`;
}

export function diagram(report: Report): SafeHtml {
  const byLayer = new Map(report.results.map((r) => [r.layer, r]));
  const roles = new Map<Element, 'primary' | 'secondary'>();
  report.verdict.faults.forEach((f, i) => {
    if (f === 'unknown') return;
    const el = FAULT_ELEMENT[f];
    if (!roles.has(el)) roles.set(el, i === 0 ? 'primary' : 'secondary');
  });
  const role = (el: Element) => roles.get(el);
  const faultAttrs = (el: Element) => {
    const r = role(el);
    return r && html` data-fault="${r}"`;
  };
  // The offload header the app is expected to send, as its server spells it (the report keeps it lower-case).
  const expectedHeader = Object.keys(byLayer.get('app')?.expected.headers ?? {})[0];
  const offload =
    OFFLOAD_HEADERS.find((h) => h.toLowerCase() === expectedHeader) ?? expectedHeader ?? 'offload header';

  const arrow = `arrow-${report.target}`;
  const parts: SafeHtml[] = [];
  // End to end: a bracket over the whole path.
  const e2e = byLayer.get('end-to-end');
  parts.push(
    html`<g class="bracket o-${shown(e2e)}"><path d="M20 66 V48 H955 V66"/></g>`,
    pill(487, 36, e2e, 'end-to-end'),
  );
  // The nodes, each named by what it is in this target's stack.
  const labels = boxLabels(report);
  for (const n of NODES) {
    const x = X[n.id];
    const r = n.check ? byLayer.get(n.check) : undefined;
    const cls = ['node', n.check ? `o-${shown(r)}` : 'o-none', role(n.id) ? `fault-${role(n.id)}` : '']
      .filter(Boolean)
      .join(' ');
    const label = labels[n.id];
    const two = label.lines.length > 1;
    const title = NODE.y + (n.check ? (two ? 22 : 26) : 40);
    const sub = (i: number) => NODE.y + (n.check ? (two ? 38 : 45) : 60) + i * 14;
    const lines = label.lines
      .slice(0, 2)
      .map(
        (line, i) =>
          html`<text class="sub" x="${cx(x)}" y="${sub(i)}" text-anchor="middle">${fitLine(line)}</text>`,
      );
    const tooltip = label.full && html`<title>${label.full}</title>`;
    parts.push(
      html`<g class="${cls}" data-element="${n.id}"${faultAttrs(n.id)} data-where="${label.full ?? ''}">${tooltip}<rect x="${x}" y="${NODE.y}" width="${NODE.w}" height="${NODE.h}" rx="10"/><text class="title" x="${cx(x)}" y="${title}" text-anchor="middle">${label.kind ? `${n.title} · ${label.kind}` : n.title}</text>${lines}</g>`,
    );
    if (n.check) parts.push(pill(cx(x), NODE.y + NODE.h - 34, r, n.check));
    const nodeRole = role(n.id);
    if (nodeRole) parts.push(faultTag(cx(x), NODE.y - 30, nodeRole));
  }
  // The edges: the request, the route to the app and the header back, the proxy's route to storage.
  const mid = NODE.y + NODE.h / 2;
  const proxyRight = X.proxy + NODE.w;
  const between = (proxyRight + X.app) / 2;
  const marker = `url(#${arrow})`;
  parts.push(
    html`<g class="edge"><path d="M${X.client + NODE.w} ${mid} H${X.proxy - 4}" marker-end="${marker}"/><text x="${(X.client + NODE.w + X.proxy) / 2}" y="${mid - 8}" text-anchor="middle">GET</text></g>`,
  );
  const glue = role('glue');
  parts.push(
    html`<g class="edge glue${glue && ` fault-${glue}`}" data-element="glue"${faultAttrs('glue')}><path d="M${proxyRight} ${mid - 12} H${X.app - 4}" marker-end="${marker}"/><path d="M${X.app} ${mid + 12} H${proxyRight + 4}" marker-end="${marker}"/><text x="${between}" y="${mid - 18}" text-anchor="middle">request</text><text x="${between}" y="${mid + 30}" text-anchor="middle">${offload}</text></g>`,
  );
  if (glue) parts.push(faultTag(between, NODE.y - 30, glue));
  const proxyCheck = byLayer.get('proxy');
  const routeY = NODE.y + NODE.h + 62;
  const routeEnd = X.storage + 40;
  const routeMid = (cx(X.proxy) + routeEnd) / 2;
  parts.push(
    html`<g class="edge route o-${shown(proxyCheck)}" data-element="route"><path d="M${cx(X.proxy)} ${NODE.y + NODE.h} V${routeY} H${routeEnd} V${NODE.y + NODE.h + 4}" marker-end="${marker}"/></g>`,
    pill(routeMid, routeY - 12, proxyCheck, 'proxy'),
    html`<text class="caption" x="${routeMid}" y="${routeY + 28}" text-anchor="middle">the proxy's own route to storage (its internal location), without the app</text>`,
  );
  const label = `Layers of ${report.target}: ${report.results.map((r) => `${r.layer} ${SHOWN_LABEL[shown(r)]}`).join(', ')}; at fault: ${report.verdict.faults.join(', ') || 'none'}`;
  return html`<svg class="diagram" viewBox="0 0 975 ${routeY + 44}" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">
<defs><marker id="${arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrowhead"/></marker></defs>
${joinHtml(parts, '\n')}
</svg>`;
}
