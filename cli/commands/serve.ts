/**
 * `download-doctor serve`: the long-running monitor for teams without AWS (cli/serve/). Thin: reads the options,
 * opens the history in the state directory (private: 0700, its files 0600), starts the monitor and the endpoints,
 * compacts the history every hour, and stops gracefully on SIGTERM or SIGINT.
 */
import { readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseSpan } from '../../functions/config/duration.ts';
import { hasLocations, locationsOf } from '../../functions/config/locations.ts';
import type { Config } from '../../functions/config/schema.ts';
import { UsageError } from '../../functions/contract/errors.ts';
import { loadConfig } from '../../functions/probes/config-file.ts';
import { EXIT } from '../exit-codes.ts';
import { fitHeapTo } from '../heap.ts';
import { type Pager, snsPager, webhookPager } from '../pagers.ts';
import { concurrencyOf } from '../run-pool.ts';
import { isLoopback } from '../serve/access.ts';
import { createServer } from '../serve/http.ts';
import { type IngestTokens, MIN_TOKEN_LENGTH, parseIngestTokens } from '../serve/ingest-tokens.ts';
import { homeSender, locationRunner } from '../serve/locations.ts';
import { Monitor } from '../serve/monitor.ts';
import { DB_FILE, DEFAULT_RETENTION, openStore, type Retention } from '../serve/store.ts';
import { preparePrivateFile, stateDir } from '../state-dir.ts';

export interface ServeOptions {
  config?: string;
  host: string;
  port: string;
  /** The state directory (the history's database). @default stateDir() */
  dataDir?: string;
  /** The database file itself. @default serve.db in the state directory */
  db?: string;
  /** Retention of each level of detail (`7d`, `90d`). */
  keepRuns?: string;
  keepHourly?: string;
  keepDaily?: string;
  publicStatus?: boolean;
  tokenEnv?: string;
  tokenFile?: string;
  snsEndpoint?: string;
  webhook?: string;
  webhookEnv?: string;
  /** At most this many runs at once. @default DEFAULT_CONCURRENCY */
  concurrency?: string;
  /** Run as this location of the config's `locations` (not the home): results go to `home`. */
  location?: string;
  home?: string;
  homeTokenEnv?: string;
  homeTokenFile?: string;
  /** At the home of several locations: each other location's ingest token (`LOCATION TOKEN` lines, mode 0600). */
  ingestTokensFile?: string;
}

/** After the runs, how long the last answers have to go out before the connections are closed. */
const CLOSE_GRACE_MS = 5_000;
/** How often old history is compacted. */
const COMPACT_EVERY_MS = 3_600_000;

function httpUrl(value: string, what: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {}
  throw new UsageError(`${what} must be an http(s) URL`);
}

/** A secret file's text: refused when other users can read it (as ssh refuses such a key), or it cannot be read. */
function readPrivateFile(file: string, option: string): string {
  try {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new UsageError(
        `${option}: ${file} can be read by other users (mode 0${mode.toString(8)}): chmod 600 ${file}`,
      );
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${option}: ${file} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
}

/**
 * A token from an environment variable or a file, never from the command line (it would show in `ps`): serve's own
 * (`--token-env`, `--token-file`) or, at a location, its ingest token for the home (`--home-token-env`, `--home-token-file`).
 */
function readToken(
  fromEnv: string | undefined,
  fromFile: string | undefined,
  env: NodeJS.ProcessEnv,
  option = '--token',
): string | undefined {
  if (fromEnv && fromFile) throw new UsageError(`give ${option}-env or ${option}-file, not both`);
  let token: string | undefined;
  if (fromEnv) {
    token = env[fromEnv];
    if (!token)
      throw new UsageError(`${option}-env: the environment variable ${fromEnv} is not set, or empty`);
  }
  if (fromFile) {
    token = readPrivateFile(fromFile, `${option}-file`).trim();
    if (!token) throw new UsageError(`${option}-file: ${fromFile} is empty`);
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw new UsageError(
      `${option}-${fromEnv ? 'env' : 'file'}: the bearer token is shorter than 16 characters: use a long random one`,
    );
  return token;
}

/**
 * What only the home does (keep the history, serve the pages, page): options a location refuses rather than ignores.
 * (The retention options have defaults: a location ignores them.)
 */
const HOME_ONLY: readonly [keyof ServeOptions, string][] = [
  ['dataDir', '--data-dir'],
  ['db', '--db'],
  ['publicStatus', '--public-status'],
  ['tokenEnv', '--token-env'],
  ['tokenFile', '--token-file'],
  ['snsEndpoint', '--sns-endpoint'],
  ['webhook', '--webhook'],
  ['webhookEnv', '--webhook-env'],
  ['ingestTokensFile', '--ingest-tokens-file'],
];

/** `--location NAME --home URL`: a location of the config other than its home, and where its results go. */
function locationOf(o: ServeOptions, config: Config, env: NodeJS.ProcessEnv) {
  const homeOptions = o.home !== undefined || o.homeTokenEnv !== undefined || o.homeTokenFile !== undefined;
  if (o.location === undefined) {
    if (homeOptions) throw new UsageError('--home and its token go with --location');
    return undefined;
  }
  const { home, all } = locationsOf(config);
  if (!hasLocations(config))
    throw new UsageError('--location: the config names no `locations` (two or more) to be one of');
  if (!all.some((l) => l.name === o.location))
    throw new UsageError(
      `--location: "${o.location}" is not a location of the config (${all.map((l) => l.name).join(', ')})`,
    );
  // The home is serve without --location.
  if (o.location === home.name) {
    if (homeOptions) throw new UsageError(`--location ${o.location} is the home: it takes no --home`);
    return locationOf({ ...o, location: undefined }, config, env);
  }
  if (!o.home) throw new UsageError('--location needs --home URL: the home serve that receives the results');
  const token = readToken(o.homeTokenEnv, o.homeTokenFile, env, '--home-token');
  if (!token)
    throw new UsageError(
      "--location needs its ingest token, the one the home's --ingest-tokens-file gives it: --home-token-env or --home-token-file",
    );
  const homeOnly = HOME_ONLY.filter(([key]) => o[key] !== undefined && o[key] !== false).map(
    ([, opt]) => opt,
  );
  if (homeOnly.length)
    throw new UsageError(
      `--location ${o.location} keeps no history, serves no page and pages no one (the home does): drop ${homeOnly.join(', ')}`,
    );
  return { name: o.location, sender: homeSender(homeUrl(o.home), token) };
}

/**
 * `--home URL`: https, since the location's token goes with each result, unless the home is on this machine
 * (loopback), where nothing crosses a network.
 */
function homeUrl(value: string): string {
  const url = new URL(httpUrl(value, '--home'));
  if (url.protocol === 'http:' && !isLoopback(url.hostname))
    throw new UsageError(
      `--home: http://${url.host} would send the location's token in clear across the network: use https (a TLS proxy in front of the home), or a loopback address`,
    );
  return value;
}

/**
 * At the home of several locations: each other location's ingest token (--ingest-tokens-file), required; none
 * anywhere else.
 */
function ingestTokensOf(
  o: ServeOptions,
  config: Config,
  homeToken: string | undefined,
): IngestTokens | undefined {
  if (!hasLocations(config)) {
    if (o.ingestTokensFile)
      throw new UsageError(
        '--ingest-tokens-file: the config names no `locations` (two or more) to take results from',
      );
    return undefined;
  }
  const others = locationsOf(config).others.map((l) => l.name);
  if (!o.ingestTokensFile)
    throw new UsageError(
      `the config names several locations: the home needs a token for each other location (${others.join(', ')}): --ingest-tokens-file F, one \`LOCATION TOKEN\` line each, mode 0600; each location sends its own with --home-token-file`,
    );
  const file = o.ingestTokensFile;
  return parseIngestTokens(readPrivateFile(file, '--ingest-tokens-file'), file, others, homeToken);
}

/** The retention options, each a span (`7d`, `36h`), checked against each other. */
function retentionOf(o: ServeOptions): Retention {
  const span = (value: string | undefined, option: string, fallback: number) => {
    if (value === undefined) return fallback;
    const ms = parseSpan(value);
    if (ms === undefined) throw new UsageError(`${option} must be a span such as 7d or 36h (got "${value}")`);
    return ms;
  };
  const r = {
    runs: span(o.keepRuns, '--keep-runs', DEFAULT_RETENTION.runs),
    hours: span(o.keepHourly, '--keep-hourly', DEFAULT_RETENTION.hours),
    days: span(o.keepDaily, '--keep-daily', DEFAULT_RETENTION.days),
  };
  if (r.hours < 2 * 86_400_000)
    throw new UsageError('--keep-hourly must be 2d at least (the 24-hour figures read it)');
  if (r.days < r.hours) throw new UsageError('--keep-daily must be at least --keep-hourly');
  return r;
}

/** The database, private: in the state directory (0700), created 0600 with its WAL files, never in the project. */
function databaseOf(o: ServeOptions, env: NodeJS.ProcessEnv): string {
  if (o.db && o.dataDir) throw new UsageError('give --data-dir or --db, not both');
  const db = o.db ?? join(stateDir(o.dataDir, env), DB_FILE);
  // Whatever SQLite creates from now on (its WAL and shared-memory files) is this user's alone.
  process.umask(0o077);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) {
    try {
      preparePrivateFile(f);
    } catch (err) {
      if (f === db || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return db;
}

export async function serve(o: ServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number (got "${o.port}")`);
  const token = readToken(o.tokenEnv, o.tokenFile, env);
  const concurrency = concurrencyOf(o.concurrency);
  if (o.publicStatus && !token)
    throw new UsageError('--public-status needs a token: without one, every page is open');
  const retention = retentionOf(o);
  if (o.webhook && o.webhookEnv) throw new UsageError('give --webhook or --webhook-env, not both');
  const webhook = o.webhookEnv ? env[o.webhookEnv] : o.webhook;
  if (o.webhookEnv && !webhook)
    throw new UsageError(`--webhook-env: the environment variable ${o.webhookEnv} is not set, or empty`);
  const { config, file } = await loadConfig(o.config);
  const location = locationOf(o, config, env);
  fitHeapTo(config);
  if (location) return serveLocation(config, file, location, concurrency);
  const ingestTokens = ingestTokensOf(o, config, token);
  const pagers: Pager[] = [];
  if (o.snsEndpoint) {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
    pagers.push(await snsPager(httpUrl(o.snsEndpoint, '--sns-endpoint'), region));
  }
  if (webhook) pagers.push(webhookPager(httpUrl(webhook, '--webhook')));

  // Listened for before anything is announced: a SIGTERM just after "serving …" (a supervisor's, a test's) is a
  // graceful stop, never Node's default exit in the midst of setting up.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const db = databaseOf(o, env);
  const store = await openStore(db, retention);
  const log = (line: string) => console.log(line);
  const monitor = new Monitor({ config, store, pagers, log, concurrency });
  const server = createServer({ monitor, store, token, ingestTokens, publicStatus: o.publicStatus });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new UsageError(`cannot listen on ${o.host}:${port} (${err.code ?? err.message})`)),
    );
    server.listen(port, o.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const where = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log(`config: ${file}`);
  log(
    `serving ${config.targets.map((t) => t.name).join(', ')} on ${where} (history: ${db}; pages: ${pagers.map((p) => p.name).join(', ') || 'none, logged only'}${token ? `; bearer token or log-in required${o.publicStatus ? ' but for the status pages' : ''}` : ''})`,
  );
  if (monitor.inbox)
    log(
      `home of several locations: ${locationsOf(config)
        .all.map((l) => l.name)
        .join(', ')}; the others post their results to ${where}/ingest`,
    );
  if (!isLoopback(o.host) && !token)
    log(
      'warning: listening beyond loopback without a token: only requests naming a loopback host (localhost, 127.0.0.1) are answered; set a token to serve others',
    );
  monitor.start();
  // Old runs become hourly and daily figures only: compacted at start, then every hour, between other work.
  let compacting = Promise.resolve(0);
  const compact = () => {
    compacting = compacting
      .then(() => store.compact(new Date()))
      .catch((err) => {
        log(`the history could not be compacted (${err instanceof Error ? err.message : String(err)})`);
        return 0;
      });
  };
  compact();
  const compactTimer = setInterval(compact, COMPACT_EVERY_MS);
  // The recent uptime of each target read into memory ahead of the first page (a target at a time).
  const warming = performance.now();
  store
    .warm(config.targets.map((t) => t.name))
    .then(() =>
      log(
        `history: the recent days of ${config.targets.length} target(s) read into memory (${Math.round(performance.now() - warming)} ms)`,
      ),
    )
    .catch((err) => {
      log(`the history could not be read (${err instanceof Error ? err.message : String(err)})`);
    });

  // A graceful stop: no new run, no new connection; the runs under way finish within their deadlines.
  const signal = await stopSignal;
  log(`${signal}: stopping; waiting for ${monitor.busy} run(s) under way`);
  clearInterval(compactTimer);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const finished = await monitor.stop();
  // The answers of the runs that finished go out, each connection closed once idle; then any connection left
  // (a slow client) is closed.
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
  clearInterval(idle);
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
  await compacting;
  store.close();
  log(finished ? 'stopped' : 'stopped before every run had finished');
  return finished ? EXIT.healthy : EXIT.internal;
}

/**
 * serve as a location other than the home: each target at its slots, its result POSTed to the home; nothing kept,
 * nothing served, no page (the home decides). Stops as serve does.
 */
async function serveLocation(
  config: Config,
  file: string,
  location: NonNullable<ReturnType<typeof locationOf>>,
  concurrency: number,
): Promise<number> {
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const log = (line: string) => console.log(line);
  const monitor = new Monitor({
    config,
    pagers: [],
    log,
    concurrency,
    location: { name: location.name, run: locationRunner(config, location.name), send: location.sender.send },
  });
  log(`config: ${file}`);
  log(
    `location ${location.name}: checking ${config.targets.map((t) => t.name).join(', ')}, results to the home at ${location.sender.where}`,
  );
  monitor.start();
  const signal = await stopSignal;
  log(`${signal}: stopping; waiting for ${monitor.busy} run(s) under way`);
  const finished = await monitor.stop();
  log(finished ? 'stopped' : 'stopped before every run had finished');
  return finished ? EXIT.healthy : EXIT.internal;
}
