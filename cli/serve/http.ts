/**
 * `serve`'s endpoints: `/` the status page and `/status/NAME` each target's, `/targets/NAME` the latest report (the
 * HTML report; JSON with `?format=json` or `Accept: application/json`), `/health` (application/health+json),
 * `/metrics` and `/probe?target=NAME` (Prometheus text), `/login` and `/logout` for browsers.
 *
 * With a token, every endpoint but /health wants `Authorization: Bearer TOKEN` or a session (./access.ts);
 * `publicStatus` opens the status pages to anyone, without the verdicts' details. Without a token, only requests to
 * a loopback host name are answered. Nothing here prints a secret: reports are redacted where they are made, and
 * the token is compared, never shown or stored in a cookie.
 */
import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { metricData } from '../../functions/alerting/metrics.ts';
import type { Target } from '../../functions/config/schema.ts';
import { PAGE_CSP } from '../../functions/render/layout.ts';
import { reportHtml } from '../../functions/render/report-html.ts';
import {
  bearerOf,
  boundConnections,
  cookieOf,
  loopbackHost,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  Sessions,
  safeNext,
  sameOrigin,
  sameToken,
  sessionCookie,
} from './access.ts';
import { type IngestTokens, locationOfToken } from './ingest-tokens.ts';
import { INGEST_LIMIT } from './locations.ts';
import { type Monitor, type RunResult, runBoundMs } from './monitor.ts';
import { statusTarget, targetPageInput } from './pages.ts';
import type { Store } from './store.ts';
import { HEALTH_CONTENT_TYPE, healthDocument, healthHttpStatus } from './views/health.ts';
import { loginPage } from './views/login.ts';
import {
  type Family,
  familiesOf,
  mergeFamilies,
  registryOf,
  seconds,
  targetGauge,
} from './views/prometheus.ts';
import { statusPage, type Viewer } from './views/status.ts';
import { targetPage } from './views/target.ts';

/** How long a /probe leaves Prometheus before its scrape timeout, and the least it waits for a run. */
const SCRAPE_MARGIN_MS = 500;
export const PROBE_MIN_WAIT_MS = 1_000;
/** How often the status pages reload themselves. */
const REFRESH_SECONDS = 60;
/** The largest form /login reads. */
const FORM_LIMIT = 4_096;

/** A path segment decoded, or as it is when it is not valid percent-encoding (then it names no target: a 404). */
const decodedPath = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};
/** The CSP of every page served: the pages' own (functions/render/layout.ts), and no framing. */
export const SERVE_CSP = `${PAGE_CSP}; frame-ancestors 'none'`;

export interface ServerOptions {
  monitor: Monitor;
  store: Store;
  /** Wanted as `Authorization: Bearer TOKEN` (or a session) on every endpoint but /health. */
  token?: string | undefined;
  /** At the home of several locations: each other location's token for `POST /ingest` (and for nothing else). */
  ingestTokens?: IngestTokens | undefined;
  /** `/` and `/status/NAME` without the token (their details left out for those not logged in). */
  publicStatus?: boolean;
  /** The most connections at once. @default 512 */
  maxConnections?: number;
  /** The deadline of a request's headers; the whole request gets twice as long. @default 5000 */
  headersTimeoutMs?: number;
  now?: () => Date;
}

/**
 * How long /probe waits for its run: Prometheus's scrape timeout less a margin, as blackbox_exporter does, within
 * [PROBE_MIN_WAIT_MS, the run's bound]; the run's bound when the header is absent or not a positive number. A value
 * out of range is clamped, never turned into a deadline too short for any run (a false failure).
 */
export function probeWaitMs(header: string | string[] | undefined, boundMs: number): number {
  const s = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(s) || s <= 0) return boundMs;
  return Math.min(boundMs, Math.max(PROBE_MIN_WAIT_MS, s * 1000 - SCRAPE_MARGIN_MS));
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
const html = (res: http.ServerResponse, body: string, status = 200, headers: http.OutgoingHttpHeaders = {}) =>
  send(res, status, 'text/html; charset=utf-8', body, {
    'content-security-policy': SERVE_CSP,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
const text = (res: http.ServerResponse, status: number, body: string) =>
  send(res, status, 'text/plain; charset=utf-8', `${body}\n`);
const prometheus = async (res: http.ServerResponse, registry: Registry) =>
  send(res, 200, registry.contentType, await registry.metrics());
const redirect = (res: http.ServerResponse, location: string, headers: http.OutgoingHttpHeaders = {}) =>
  send(res, 303, 'text/plain; charset=utf-8', `see ${location}\n`, { location, ...headers });

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

/** A form's fields, at most FORM_LIMIT bytes of it. */
async function readForm(req: http.IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? '')) return undefined;
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > FORM_LIMIT) return undefined;
  }
  return new URLSearchParams(body);
}

/** A JSON body of at most `limit` bytes: the value, or why not (too large, not JSON). */
async function readJson(
  req: http.IncomingMessage,
  limit: number,
): Promise<{ ok: true; value: unknown } | { ok: false; status: number; error: string }> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
    return { ok: false, status: 415, error: 'the body must be application/json' };
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return { ok: false, status: 413, error: `the body is over ${limit} bytes` };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return { ok: false, status: 413, error: `the body is over ${limit} bytes` };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, error: 'the body is not JSON' };
  }
}

type Route = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  viewer: Viewer,
) => Promise<void> | void;

export function createServer(o: ServerOptions): http.Server {
  const now = () => o.now?.() ?? new Date();
  const targets = new Map(o.monitor.targets.map((t) => [t.name, t]));
  const sessions = new Sessions(() => now().getTime());
  // serve's own process (memory, CPU, event loop, GC), in the names Prometheus's client libraries use: the one
  // registry that lives as long as the server; the runs' gauges are made anew for each scrape.
  const processMetrics = new Registry();
  collectDefaultMetrics({ register: processMetrics });
  const latest = (t: Target): RunResult | undefined => {
    const l = o.store.latest(t.name);
    return l && { target: t.name, ...l };
  };
  const hasSession = (req: http.IncomingMessage) => sessions.valid(cookieOf(req, SESSION_COOKIE));
  const operator = (req: http.IncomingMessage) => {
    if (o.token === undefined) return true;
    const bearer = bearerOf(req);
    return (bearer !== undefined && sameToken(bearer, o.token)) || hasSession(req);
  };
  const secure = (req: http.IncomingMessage) => req.headers['x-forwarded-proto'] === 'https';

  const pages: Record<string, Route> = {
    '/': (req, res, _url, viewer) => {
      const at = now();
      const open = o.store.openIncidents();
      html(
        res,
        statusPage({
          now: at,
          viewer,
          session: hasSession(req),
          refreshSeconds: REFRESH_SECONDS,
          notifications: viewer === 'operator' ? o.store.notifications(20) : [],
          targets: o.monitor.targets.map((t) => statusTarget(o.store, o.monitor, t, at, open)),
        }),
      );
    },
  };

  const routes: Record<string, Route> = {
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
      if (!target) {
        const known = [...targets.keys()];
        const listed = known.length > 20 ? `${known.slice(0, 20).join(', ')}, …` : known.join(', ');
        return name === null
          ? text(res, 400, `/probe needs ?target=NAME, one of: ${listed}`)
          : text(res, 404, `/probe: no target named "${name.slice(0, 100)}" (one of: ${listed})`);
      }
      const waitMs = probeWaitMs(req.headers['x-prometheus-scrape-timeout-seconds'], runBoundMs(target));
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

  const login = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (o.token === undefined) return redirect(res, '/');
    if (req.method !== 'POST') return html(res, loginPage(safeNext(url.searchParams.get('next'))));
    const form = await readForm(req);
    const given = form?.get('token') ?? '';
    const next = safeNext(form?.get('next'));
    if (!given || !sameToken(given, o.token))
      return html(res, loginPage(next, 'That is not the token.'), 401);
    const id = sessions.create();
    return redirect(res, next, { 'set-cookie': sessionCookie(id, SESSION_TTL_MS / 1000, secure(req)) });
  };
  const logout = (req: http.IncomingMessage, res: http.ServerResponse) => {
    sessions.end(cookieOf(req, SESSION_COOKIE));
    return redirect(res, '/login', { 'set-cookie': sessionCookie('', 0, secure(req)) });
  };

  /**
   * `POST /ingest`: another location's result (cli/serve/locations.ts), with that location's own ingest token only
   * (never the home's token, never a session: a browser has nothing to post here), its body bounded and parsed with
   * the wire contract; a result that names another location than its token's is refused.
   */
  const ingest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method !== 'POST') return text(res, 405, 'only POST');
    const inbox = o.monitor.inbox;
    if (!inbox)
      return text(res, 404, 'this serve is not the home of several locations (the config names none)');
    if (!o.ingestTokens)
      return text(res, 403, "/ingest needs the home to have the locations' tokens (--ingest-tokens-file)");
    const bearer = bearerOf(req);
    const from = bearer === undefined ? undefined : locationOfToken(o.ingestTokens, bearer);
    if (from === undefined)
      return send(res, 401, 'text/plain; charset=utf-8', "a location's ingest token is required\n", {
        'www-authenticate': 'Bearer realm="download-doctor ingest"',
      });
    const body = await readJson(req, INGEST_LIMIT);
    if (!body.ok) return text(res, body.status, body.error);
    const kept = inbox.ingest(body.value, from);
    // Refused: the location logs why (cli/serve/monitor.ts sendToHome).
    if (!kept.ok) return text(res, kept.status, kept.error);
    return json(res, 202, {
      accepted: {
        location: kept.result.location,
        target: kept.result.target,
        slot: kept.result.slot ?? null,
        ...(kept.late ? { late: true } : {}),
      },
    });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    const path = url.pathname;
    // Without a token, a foreign Host is another site's page reaching loopback (DNS rebinding): not answered.
    // /ingest is exempt: it wants a location's own token, whatever the home's.
    if (o.token === undefined && path !== '/health' && path !== '/ingest' && !loopbackHost(req.headers.host))
      return text(
        res,
        421,
        'without a token, serve answers only requests to a loopback host (localhost, 127.0.0.1)',
      );
    if (path === '/ingest') return ingest(req, res);
    const form = path === '/login' || path === '/logout';
    if (!(req.method === 'GET' || req.method === 'HEAD' || (form && req.method === 'POST')))
      return text(res, 405, form ? 'only GET, HEAD and POST' : 'only GET and HEAD');
    // A form posted from another origin (a page elsewhere logging a browser in or out): refused.
    const forwardedHost = req.headers['x-forwarded-host'];
    if (
      req.method === 'POST' &&
      !sameOrigin(
        req.headers.origin,
        req.headers.host,
        Array.isArray(forwardedHost) ? forwardedHost[0] : forwardedHost,
      )
    )
      return text(res, 403, 'a form from another origin');
    if (path === '/login') return login(req, res, url);
    if (path === '/logout') return req.method === 'POST' ? logout(req, res) : redirect(res, '/login');

    const statusPath = path === '/' || path.startsWith('/status/');
    const viewer: Viewer = operator(req) ? 'operator' : 'public';
    if (viewer !== 'operator' && path !== '/health' && !(statusPath && o.publicStatus)) {
      if (req.method === 'GET' && /text\/html/.test(req.headers.accept ?? ''))
        return redirect(res, `/login?next=${encodeURIComponent(`${path}${url.search}`)}`);
      // Said as it is: none sent, or one sent that is not serve's (RFC 6750's invalid_token).
      const sent = bearerOf(req) !== undefined;
      return send(
        res,
        401,
        'text/plain; charset=utf-8',
        sent ? 'this bearer token is not the one serve was given\n' : 'a bearer token is required\n',
        { 'www-authenticate': `Bearer realm="download-doctor"${sent ? ', error="invalid_token"' : ''}` },
      );
    }
    const route = routes[path] ?? pages[path];
    if (route) return await route(req, res, url, viewer);
    const m = /^\/(status|targets)\/([^/]+)$/.exec(path);
    const target = m?.[2] && targets.get(decodedPath(m[2]));
    if (!target) return text(res, 404, 'not found: see / for the targets');
    if (m?.[1] === 'status') {
      const at = now();
      return html(
        res,
        targetPage({
          ...targetPageInput(o.store, o.monitor, target, at),
          viewer,
          session: hasSession(req),
          refreshSeconds: REFRESH_SECONDS,
        }),
      );
    }
    const l = latest(target);
    const wantsJson =
      url.searchParams.get('format') === 'json' || /application\/json/.test(req.headers.accept ?? '');
    if (!l) return json(res, 404, { target: target.name, error: 'no run yet' });
    if (!l.report) return json(res, 200, { target: target.name, at: l.at.toISOString(), error: l.error });
    return wantsJson ? json(res, 200, l.report) : html(res, reportHtml([l.report]));
  };

  const headersTimeout = o.headersTimeoutMs ?? 5_000;
  const server = http.createServer(
    {
      // Deadlines on every connection, checked each second (Node's default checks every 30 s): the request's
      // headers, the whole request, and idle keep-alive.
      headersTimeout,
      requestTimeout: 2 * headersTimeout,
      connectionsCheckingInterval: 1_000,
    },
    async (req, res) => {
      try {
        await handle(req, res);
      } catch (err) {
        // The message only: it names what failed, never a value a request carried.
        if (!res.headersSent)
          text(res, 500, `download-doctor serve: ${err instanceof Error ? err.message : String(err)}`);
        else res.destroy();
      }
    },
  );
  server.keepAliveTimeout = 5_000;
  boundConnections(server, o.maxConnections ?? 512);
  return server;
}
