/**
 * The sandbox's three reverse proxies, each run unprivileged from a directory of its own with the configuration
 * that `snippets nginx`, `snippets apache` or `snippets lighttpd` prints, and switched by a graceful reload, never
 * a restart.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Target } from '../functions/config/schema.ts';
import { type ApacheSnippetOptions, apacheMainConfig, apacheSnippet } from '../functions/snippets/apache.ts';
import {
  type LighttpdSnippetOptions,
  lighttpdMainConfig,
  lighttpdSnippet,
} from '../functions/snippets/lighttpd.ts';
import { type NginxSnippetOptions, nginxMainConfig, nginxParts } from '../functions/snippets/nginx.ts';
import { SandboxError } from './errors.ts';
import { reloadWorkers, type Service, waitUntil } from './processes.ts';

/** Starts a service with its log in the sandbox, as `user` when given. */
export type Spawner = (
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  user?: { uid: number; gid: number },
) => Service;

/** The options of the three generators: each proxy reads those of its own. */
export type ProxyOptions = NginxSnippetOptions & ApacheSnippetOptions & LighttpdSnippetOptions;

export interface SandboxProxy {
  /** `nginx`, `Apache` or `lighttpd`, for messages. */
  readonly name: string;
  readonly running: Service | undefined;
  start(): Promise<void>;
  /** Regenerates the configuration with these options (merged into the current ones), checks it, reloads. */
  reconfigure(change: ProxyOptions): Promise<void>;
  stop(): Promise<void>;
}

interface ProxyServer {
  readonly name: string;
  readonly binary: string;
  /** The main configuration file's name, in the proxy's directory. */
  readonly configFile: string;
  config(targets: readonly Target[], options: ProxyOptions, dir: string, listen: string): string;
  runArgs(dir: string): string[];
  testArgs(dir: string): string[];
  /** Reloads the running server gracefully; resolves once every new request gets the new configuration. */
  reload(service: Service, dir: string, timeoutMs: number): Promise<void>;
}

const NGINX: ProxyServer = {
  name: 'nginx',
  binary: existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx',
  configFile: 'nginx.conf',
  config: (targets, options, dir, listen) =>
    nginxMainConfig(nginxParts(targets, options), { prefix: dir, listen }),
  runArgs: (dir) => ['-p', dir, '-c', 'nginx.conf'],
  testArgs: (dir) => ['-t', '-q', '-p', dir, '-c', 'nginx.conf'],
  // SIGHUP: new workers start with the new configuration, the old ones finish their requests and exit.
  reload: (service, _dir, timeoutMs) => reloadWorkers(service, 1, timeoutMs, 'SIGHUP'),
};

const APACHE: ProxyServer = {
  name: 'Apache',
  binary: existsSync('/usr/sbin/apache2') ? '/usr/sbin/apache2' : 'apache2',
  configFile: 'httpd.conf',
  config: (targets, options, dir, listen) =>
    apacheMainConfig(apacheSnippet(targets, options), listen, { prefix: dir }),
  runArgs: (dir) => ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'],
  testArgs: (dir) => ['-t', '-f', join(dir, 'httpd.conf')],
  // SIGUSR1: graceful. Workers finish their requests, then new ones start with the new configuration.
  reload: (service, _dir, timeoutMs) => reloadWorkers(service, 1, timeoutMs, 'SIGUSR1'),
};

/** What lighttpd logs each time it has (re)started with its configuration. */
const LIGHTTPD_STARTED = /\(server\.c\.\d+\) server started/g;
const lighttpdStarts = (dir: string) => {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8').match(LIGHTTPD_STARTED)?.length ?? 0;
  } catch {
    return 0;
  }
};

const LIGHTTPD: ProxyServer = {
  name: 'lighttpd',
  binary: existsSync('/usr/sbin/lighttpd') ? '/usr/sbin/lighttpd' : 'lighttpd',
  configFile: 'lighttpd.conf',
  config: (targets, options, dir, listen) =>
    lighttpdMainConfig(lighttpdSnippet(targets, options), listen, { prefix: dir }),
  runArgs: (dir) => ['-D', '-f', join(dir, 'lighttpd.conf')],
  testArgs: (dir) => ['-tt', '-f', join(dir, 'lighttpd.conf')],
  // SIGUSR1: a graceful restart in the same process (it has no workers): it finishes the requests under way,
  // reads its configuration anew and logs "server started" again, from when on it serves the new one.
  reload: async (service, dir, timeoutMs) => {
    const before = lighttpdStarts(dir);
    process.kill(service.pid, 'SIGUSR1');
    await waitUntil(
      'lighttpd to restart gracefully',
      [service],
      timeoutMs,
      async () => lighttpdStarts(dir) > before,
    );
  },
};

export const PROXY_SERVERS = { nginx: NGINX, apache: APACHE, lighttpd: LIGHTTPD } as const;

/**
 * One proxy of the sandbox: `server` says which, `targets` are the stack it serves (the written target first),
 * `dir` is its own directory (owned by `user`).
 */
export class LocalProxy implements SandboxProxy {
  private options: ProxyOptions = {};
  private service: Service | undefined;

  constructor(
    private readonly server: ProxyServer,
    private readonly targets: readonly Target[],
    private readonly dir: string,
    private readonly port: number,
    private readonly spawn: Spawner,
    private readonly user: { uid: number; gid: number } | undefined,
    private readonly timeoutMs: number,
  ) {}

  get name(): string {
    return this.server.name;
  }

  get running(): Service | undefined {
    return this.service?.running ? this.service : undefined;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    // lighttpd wants a document root and an upload directory, even unused.
    for (const sub of ['empty', 'upload']) mkdirSync(join(this.dir, sub), { recursive: true });
    this.writeConfig();
    // The proxy owns its directory, to write its pid file, logs and temp files there.
    if (this.user) {
      for (const d of [this.dir, join(this.dir, 'empty'), join(this.dir, 'upload')]) {
        chownSync(d, this.user.uid, this.user.gid);
      }
    }
    const service = this.spawn(
      this.server.name.toLowerCase(),
      this.server.binary,
      this.server.runArgs(this.dir),
      {},
      this.user,
    );
    this.service = service;
    const url = this.targets[0]?.endToEnd.url ?? '';
    await waitUntil(this.server.name, [service], this.timeoutMs, async () => {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return res.status === 200;
    });
  }

  async reconfigure(change: ProxyOptions): Promise<void> {
    const service = this.running;
    if (!service) throw new SandboxError(`${this.server.name} is not running`);
    this.options = { ...this.options, ...change };
    this.writeConfig();
    // A config the server rejects would leave the old one serving silently: test it first, for a clear error.
    try {
      await promisify(execFile)(this.server.binary, this.server.testArgs(this.dir), {
        ...this.user,
        timeout: this.timeoutMs,
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      throw new SandboxError(`${this.server.name} rejected the generated configuration:\n${stderr}`);
    }
    await this.server.reload(service, this.dir, this.timeoutMs);
  }

  async stop(): Promise<void> {
    await this.service?.stop();
  }

  private writeConfig(): void {
    const text = this.server.config(this.targets, this.options, this.dir, `127.0.0.1:${this.port}`);
    writeFileSync(join(this.dir, this.server.configFile), text);
  }
}
