/**
 * `download-doctor serve`: the long-running monitor for teams without AWS (cli/serve/). Thin: reads the options,
 * opens the history, starts the monitor and the endpoints, and stops gracefully on SIGTERM or SIGINT.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../functions/contract/errors.ts';
import { loadConfig } from '../../functions/probes/config-file.ts';
import { EXIT } from '../exit-codes.ts';
import { fitHeapTo } from '../heap.ts';
import { type Pager, snsPager, webhookPager } from '../pagers.ts';
import { concurrencyOf } from '../run-pool.ts';
import { createServer } from '../serve/http.ts';
import { Monitor } from '../serve/monitor.ts';
import { openStore } from '../serve/store.ts';

export interface ServeOptions {
  config?: string;
  host: string;
  port: string;
  db: string;
  tokenEnv?: string;
  tokenFile?: string;
  snsEndpoint?: string;
  webhook?: string;
  webhookEnv?: string;
  /** At most this many runs at once. @default DEFAULT_CONCURRENCY */
  concurrency?: string;
}

/** After the runs, how long the last answers have to go out before the connections are closed. */
const CLOSE_GRACE_MS = 5_000;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function httpUrl(value: string, what: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {}
  throw new UsageError(`${what} must be an http(s) URL`);
}

/** The token from an environment variable or a file, never from the command line (it would show in `ps`). */
function readToken(o: ServeOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (o.tokenEnv && o.tokenFile) throw new UsageError('give --token-env or --token-file, not both');
  let token: string | undefined;
  if (o.tokenEnv) {
    token = env[o.tokenEnv];
    if (!token)
      throw new UsageError(`--token-env: the environment variable ${o.tokenEnv} is not set, or empty`);
  }
  if (o.tokenFile) {
    try {
      token = readFileSync(o.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new UsageError(
        `--token-file: ${o.tokenFile} cannot be read (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    if (!token) throw new UsageError(`--token-file: ${o.tokenFile} is empty`);
  }
  if (token !== undefined && token.length < 16)
    throw new UsageError('the bearer token is shorter than 16 characters: use a long random one');
  return token;
}

export async function serve(o: ServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number (got "${o.port}")`);
  const token = readToken(o, env);
  const concurrency = concurrencyOf(o.concurrency);
  if (o.webhook && o.webhookEnv) throw new UsageError('give --webhook or --webhook-env, not both');
  const webhook = o.webhookEnv ? env[o.webhookEnv] : o.webhook;
  if (o.webhookEnv && !webhook)
    throw new UsageError(`--webhook-env: the environment variable ${o.webhookEnv} is not set, or empty`);
  const { config, file } = await loadConfig(o.config);
  fitHeapTo(config);
  const pagers: Pager[] = [];
  if (o.snsEndpoint) {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
    pagers.push(await snsPager(httpUrl(o.snsEndpoint, '--sns-endpoint'), region));
  }
  if (webhook) pagers.push(webhookPager(httpUrl(webhook, '--webhook')));

  const store = await openStore(o.db);
  const log = (line: string) => console.log(line);
  const monitor = new Monitor({ config, store, pagers, log, concurrency });
  const server = createServer({ monitor, store, token });
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
    `serving ${config.targets.map((t) => t.name).join(', ')} on ${where} (history: ${o.db}; pages: ${pagers.map((p) => p.name).join(', ') || 'none, logged only'}${token ? '; bearer token required' : ''})`,
  );
  if (!LOOPBACK.test(o.host) && !token)
    log(
      'warning: listening beyond loopback without a token: anyone who reaches the port can read the reports',
    );
  monitor.start();

  // A graceful stop: no new run, no new connection; the runs under way finish within their deadlines.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log(`${signal}: stopping; waiting for ${monitor.busy} run(s) under way`);
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
  store.close();
  log(finished ? 'stopped' : 'stopped before every run had finished');
  return finished ? EXIT.healthy : EXIT.internal;
}
