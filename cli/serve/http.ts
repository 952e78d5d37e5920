/**
 * `serve`'s endpoints: `/` the status page, `/targets/NAME` the latest report (the HTML report; JSON with
 * `?format=json` or `Accept: application/json`), `/health` (application/health+json), `/metrics` and
 * `/probe?target=NAME` (Prometheus text). With a token, every endpoint but /health wants `Authorization: Bearer`.
 * Nothing here prints a secret: reports are redacted where they are made, and the token is compared, never shown.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { metricData } from '../../functions/alerting/metrics.ts';
import { formatDuration } from '../../functions/config/duration.ts';
import { periodMs } from '../../functions/config/schedule.ts';
import type { Target } from '../../functions/config/schema.ts';
import { PAGE_CSP } from '../../functions/render/layout.ts';
import { reportHtml } from '../../functions/render/report-html.ts';
import { type Monitor, type RunResult, runBoundMs } from './monitor.ts';
import type { Store } from './store.ts';
import { HEALTH_CONTENT_TYPE, healthDocument, healthHttpStatus } from './views/health.ts';
import {
  type Family,
  familiesOf,
  mergeFamilies,
  registryOf,
  seconds,
  targetGauge,
} from './views/prometheus.ts';
import { statusPage } from './views/status.ts';

/** The span of the status page's history, and the length of one slice of it. */
const SPAN_MS = 86_400_000;
const SLICE_MS = 15 * 60_000;
/** How long a /probe waits by default: the target's run bound (Prometheus sends its scrape timeout). */
const SCRAPE_MARGIN_MS = 500;

export interface ServerOptions {
  monitor: Monitor;
  store: Store;
  /** Wanted as `Authorization: Bearer TOKEN` on every endpoint but /health. */
  token?: string | undefined;
  now?: () => Date;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time: the token's length leaks no more than its value. */
function authorized(req: http.IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), digest(token));
}

function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: http.OutgoingHttpHeaders = {},
) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const json = (res: http.ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value, null, 2)}\n`);
const html = (res: http.ServerResponse, body: string) =>
  send(res, 200, 'text/html; charset=utf-8', body, { 'content-security-policy': PAGE_CSP });
const text = (res: http.ServerResponse, status: number, body: string) =>
  send(res, status, 'text/plain; charset=utf-8', `${body}\n`);
const prometheus = async (res: http.ServerResponse, registry: Registry) =>
  send(res, 200, registry.contentType, await registry.metrics());

/** The families of a run: its report's data as at its time, and when it ran. */
function runFamilies(r: RunResult | undefined, target: string): Family[] {
  const last = r
    ? [
        targetGauge('last_run_timestamp_seconds', 'when the latest run of the target started', [
          [target, r.at.getTime() / 1000],
        ]),
      ]
    : [];
  return [...(r?.report ? familiesOf(metricData(r.report, r.at)) : []), ...last];
}

/** What the schedule did: each target's latest lag behind its slot, and the slots it skipped. */
function scheduleFamilies(monitor: Monitor): Family[] {
  const stats = monitor.targets.flatMap((t) => {
    const s = monitor.scheduleStats(t.name);
    return s ? [{ target: t.name, ...s }] : [];
  });
  return [
    targetGauge(
      'schedule_lag_seconds',
      "how late the target's latest scheduled run started behind its slot (waiting for room in the pool)",
      stats.flatMap((s) => (s.lastLagMs === undefined ? [] : [[s.target, seconds(s.lastLagMs)]])),
    ),
    {
      ...targetGauge(
        'skipped_slots_total',
        "the target's slots that made no run of their own (its previous run still going or waiting), since start",
        stats.map((s) => [s.target, s.skipped]),
      ),
      type: 'counter',
    },
  ];
}

export function createServer(o: ServerOptions): http.Server {
  const now = () => o.now?.() ?? new Date();
  const targets = new Map(o.monitor.targets.map((t) => [t.name, t]));
  // serve's own process (memory, CPU, event loop, GC), in the names Prometheus's client libraries use: the one
  // registry that lives as long as the server; the runs' gauges are made anew for each scrape.
  const processMetrics = new Registry();
  collectDefaultMetrics({ register: processMetrics });
  const latest = (t: Target): RunResult | undefined => {
    const l = o.store.latest(t.name);
    return l && { target: t.name, ...l };
  };

  const routes: Record<
    string,
    (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void
  > = {
    '/health': (_req, res) => {
      const doc = healthDocument(
        o.monitor.targets.map((t) => {
          const l = latest(t);
          return {
            target: t.name,
            latest: l && { at: l.at, report: l.report },
            maintenance: o.monitor.maintenance(t),
          };
        }),
      );
      send(res, healthHttpStatus(doc), HEALTH_CONTENT_TYPE, `${JSON.stringify(doc, null, 2)}\n`);
    },
    '/': (_req, res) => {
      const since = new Date(now().getTime() - SPAN_MS);
      html(
        res,
        statusPage({
          now: now(),
          spanMs: SPAN_MS,
          sliceMs: SLICE_MS,
          notifications: o.store.notifications(20),
          targets: o.monitor.targets.map((t) => ({
            name: t.name,
            description: t.description,
            every: formatDuration(periodMs(t)),
            latest: latest(t),
            history: o.store.history(t.name, since, SLICE_MS),
            counts: o.store.counts(t.name, since),
            alarms: o.monitor.alarms(t.name),
            maintenance: o.monitor.maintenance(t),
          })),
        }),
      );
    },
    '/metrics': async (_req, res) => {
      const families = mergeFamilies([
        ...o.monitor.targets.map((t) => runFamilies(latest(t), t.name)),
        [
          targetGauge(
            'in_maintenance',
            'whether the target is in a maintenance window now (1) or not (0): its pages are held back',
            o.monitor.targets.map((t) => [t.name, o.monitor.maintenance(t) ? 1 : 0]),
          ),
        ],
        scheduleFamilies(o.monitor),
      ]);
      await prometheus(res, Registry.merge([registryOf(families), processMetrics]));
    },
    '/probe': async (req, res, url) => {
      const name = url.searchParams.get('target');
      const target = name === null ? undefined : targets.get(name);
      if (!target)
        return text(res, 400, `/probe needs ?target=NAME, one of: ${[...targets.keys()].join(', ')}`);
      // As blackbox_exporter: within Prometheus's scrape timeout when it sends one, else the run's own bound.
      const scrape = Number(req.headers['x-prometheus-scrape-timeout-seconds']) * 1000;
      const waitMs =
        Number.isFinite(scrape) && scrape > 0 ? Math.max(0, scrape - SCRAPE_MARGIN_MS) : runBoundMs(target);
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([
        o.monitor.probe(target),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), waitMs);
        }),
      ]);
      clearTimeout(timer);
      const tookS = seconds(performance.now() - started);
      const works = r?.report && r.report.verdict.status !== 'failed' ? 1 : 0;
      const families: Family[] = [
        {
          name: 'probe_success',
          help: 'whether downloads work (a healthy or degraded verdict)',
          samples: [{ labels: {}, value: works }],
        },
        {
          name: 'probe_duration_seconds',
          help: 'how long the run took',
          samples: [{ labels: {}, value: tookS }],
        },
        ...runFamilies(r, target.name),
      ];
      // A registry of this probe's own, as blackbox_exporter makes one per probe.
      await prometheus(res, registryOf(families));
    },
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://serve.invalid');
      if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'only GET and HEAD');
      if (url.pathname !== '/health' && !authorized(req, o.token))
        return send(res, 401, 'text/plain; charset=utf-8', 'a bearer token is required\n', {
          'www-authenticate': 'Bearer realm="download-doctor"',
        });
      const route = routes[url.pathname];
      if (route) return await route(req, res, url);
      const m = /^\/targets\/([^/]+)$/.exec(url.pathname);
      const target = m?.[1] && targets.get(decodeURIComponent(m[1]));
      if (!target) return text(res, 404, 'not found: see / for the targets');
      const l = latest(target);
      const wantsJson =
        url.searchParams.get('format') === 'json' || /application\/json/.test(req.headers.accept ?? '');
      if (!l) return json(res, 404, { target: target.name, error: 'no run yet' });
      if (!l.report) return json(res, 200, { target: target.name, at: l.at.toISOString(), error: l.error });
      return wantsJson ? json(res, 200, l.report) : html(res, reportHtml([l.report]));
    } catch (err) {
      // The message only: it names what failed, never a value a request carried.
      if (!res.headersSent)
        text(res, 500, `download-doctor serve: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    }
  });
  // Deadlines on every connection: the request's headers and body, and idle keep-alive.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
