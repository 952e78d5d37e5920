/**
 * A real download stack on free loopback ports, for the demo and the tests, in one of three variants:
 *   nginx-s3:      moto_server (S3, a private bucket) ◄── Django + django-downloadview + django-storages
 *                  (gunicorn) ── X-Accel-Redirect with a signed URL ──► nginx ──► moto
 *   apache-disk:   a directory ◄── Django + django-downloadview (gunicorn) ── X-Sendfile ──► Apache (mod_xsendfile)
 *   lighttpd-disk: a directory ◄── Django + django-downloadview (gunicorn) ── X-Sendfile ──► lighttpd (mod_proxy)
 * The proxies and gunicorn run unprivileged, and so does the disk storage check (`readAs`): permission faults are
 * real. No service reads the project's directory: the Django project is copied into the sandbox's own directory,
 * owned by the service user. The proxy's configuration and Django's settings and URLs are what `snippets` prints
 * for the sandbox's targets (functions/snippets/). A fault (sandbox/faults.ts) sets one lever: a generator's
 * option (then a reload), or the state of the sentinel or a server.
 */

import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type ConfigInput, configSchema, type Target } from '../functions/config/schema.ts';
import { packageRoot } from '../functions/package-root.ts';
import { passwdUser } from '../functions/probes/read-as.ts';
import { type DjangoSnippetOptions, djangoSettings, djangoUrls } from '../functions/snippets/django.ts';
import { SandboxError } from './errors.ts';
import {
  CLOSED_PORT,
  changesOf,
  type FaultName,
  type LeverChange,
  restoreOf,
  sandboxFault,
  type Variant,
} from './faults.ts';
import { type MonitorOptions, monitorConfig, monitorEnv } from './monitor.ts';
import { forgetDir, freePorts, reloadWorkers, rememberDir, Service, waitUntil } from './processes.ts';
import { LocalProxy, PROXY_SERVERS, type SandboxProxy } from './proxies.ts';
import { DiskStorage, MotoStorage, type SandboxStorage } from './storage.ts';

/** The sandbox's Django project in the package: copied into each sandbox, never run from here. */
const DJANGO_SOURCE = join(packageRoot(), 'sandbox', 'django');
const PYTHON = '/usr/bin/python3'; // the only Python that imports Debian's Django
const BUCKET = 'download-doctor-sandbox';
const FILE_NAME = 'healthcheck.txt';
/**
 * The second sentinel: a non-ASCII download name (Content-Disposition), and the same name in S3. On disk the
 * file's own name stays ASCII: django-downloadview sends X-Sendfile percent-encoded, and mod_xsendfile does not
 * decode it (lighttpd does; see djangoDownloadView).
 */
const UNICODE = { name: 'unicode', fileName: 'rapport-été.txt', diskName: 'rapport-ete.txt' };
/**
 * The third sentinel: a key (and, with lighttpd, a file name) with a space, `+`, `%`, a comma and non-ASCII
 * characters, which every layer must encode right (signers, the offload header, the proxy's way to storage). Not on
 * Apache: django-downloadview sends X-Sendfile percent-encoded and mod_xsendfile 0.12 takes it literally (the
 * Apache generator refuses such a file).
 */
const AWKWARD = { name: 'awkward', fileName: 'odd name + 100%, été.txt' };
/**
 * The big sentinel (nginx-s3 only: the temp-file limit is nginx's), on a schedule of its own: larger than the
 * sandbox's temp-file fault limit (1 MiB, standing for nginx's 1 GiB default), small enough for the tests.
 */
const BIG = { name: 'big', fileName: 'healthcheck-big.txt', bytes: 4 * 1024 * 1024, timeoutMs: 30_000 };
/** django-downloadview rewrites the storage URL to this prefix; the nginx snippet derives its location from it. */
const INTERNAL_PREFIX = '/_storage/';
/** What django-downloadview sends: mimetypes' guess for the name plus Django's charset. nginx keeps the type
 * S3 answers for the internal request and appends X-Accel-Charset, so the upload uses the same value. */
const CONTENT_TYPE = 'text/plain; charset=utf-8';
const CHECK_TIMEOUT_MS = 5_000;

/** The front server of each variant. */
const VARIANT_PROXIES: Record<Variant, keyof typeof PROXY_SERVERS> = {
  'nginx-s3': 'nginx',
  'apache-disk': 'apache',
  'lighttpd-disk': 'lighttpd',
};

/** The stack of each variant, as the target's description says it. */
const SANDBOX_DESCRIPTIONS: Record<Variant, string> = {
  'nginx-s3':
    'moto S3 (private bucket), Django with django-downloadview and django-storages under gunicorn, nginx',
  'apache-disk': 'files on disk, Django with django-downloadview under gunicorn, Apache with mod_xsendfile',
  'lighttpd-disk': 'files on disk, Django with django-downloadview under gunicorn, lighttpd with mod_proxy',
};

/** How long a failing run of the sandbox waits before its confirmation (the config's default is 2 s). */
export const SANDBOX_CONFIRM_DELAY_MS = 100;

export interface SandboxOptions {
  /** Which proxy and storage. @default 'nginx-s3' */
  readonly variant?: Variant;
  /** The Django project to copy into the sandbox (the services never read it in place). @default sandbox/django */
  readonly djangoSource?: string;
  /** gunicorn workers. @default 2 */
  readonly appWorkers?: number;
  /** Deadline for each service to become ready, and for each reload. @default 20000 */
  readonly readyTimeoutMs?: number;
}

export interface SandboxPorts {
  /** moto's port (nginx-s3 only). */
  readonly storage?: number;
  readonly app: number;
  readonly proxy: number;
}

export interface SandboxSentinel {
  /** The target that checks it: `sandbox`, or `sandbox-NAME` for an extra sentinel. */
  readonly target: string;
  readonly body: Buffer;
  readonly sha256: string;
  readonly contentType: string;
  readonly fileName: string;
}

export interface Sandbox {
  readonly variant: Variant;
  /**
   * One target, named "sandbox", describing this stack; its extra sentinels make targets "sandbox-NAME". As the
   * monitor is told it: a monitor fault changes it (sandbox/monitor.ts), the stack stays as it is.
   */
  readonly config: ConfigInput;
  /**
   * The variables the storage check needs (dummy credentials, region), as the monitor gets them (a monitor fault
   * may take the credentials away): put them in place with `useEnv` (sandbox/monitor.ts) before a run.
   */
  readonly env: Readonly<Record<string, string>>;
  readonly ports: SandboxPorts;
  readonly dir: string;
  /** The first sentinel, which the faults act on ... */
  readonly sentinel: SandboxSentinel;
  /** ... and all of them, the first included. */
  readonly sentinels: readonly SandboxSentinel[];
  /** Main process ids, when running: to check who runs them. */
  pids(): { storage?: number; app?: number; proxy?: number };
  readonly activeFaults: readonly FaultName[];
  /** Sets one lever (faults.ts); resolves once the change has taken effect: a check may run right away. */
  setLever(change: LeverChange): Promise<void>;
  /** Switches a fault of this variant on; resolves once it has taken effect. An active fault is left as it is. */
  applyFault(name: FaultName): Promise<void>;
  /** Restores every active fault, last applied first. */
  clearFaults(): Promise<void>;
  /** Stops every process it started and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'download-doctor-sandbox-'));
  rememberDir(dir);
  const sandbox = new LocalSandbox(dir, await freePorts(3), options);
  try {
    await sandbox.start();
    return sandbox;
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}

class LocalSandbox implements Sandbox {
  readonly variant: Variant;
  /** The config of the stack as it is; `config` is what the monitor is told. */
  private readonly stackConfig: ConfigInput;
  readonly ports: SandboxPorts;
  /** The first sentinel as the sandbox wrote it, and as it is now (other bytes once a fault replaced it). */
  private readonly written: SandboxSentinel;
  private current: SandboxSentinel;
  /** The extra sentinels, which no fault changes. */
  private readonly extra: readonly SandboxSentinel[];
  /** The parsed targets: the written one, then the extra sentinel's. */
  private readonly targets: Target[];
  private readonly storage: SandboxStorage;
  private readonly proxy: SandboxProxy;
  private readonly appWorkers: number;
  private readonly timeoutMs: number;
  /** The unprivileged user the services run as, when the sandbox is started by root. */
  private readonly serviceUser: { uid: number; gid: number } | undefined;
  /** Where the generated Django settings and URLs go (DD_SANDBOX_SNIPPET): ddsandbox/settings.py runs them. */
  private readonly snippetDir: string;
  /** The copy of the Django project that gunicorn runs, in the sandbox's directory. */
  private readonly djangoDir: string;
  private readonly djangoSource: string;
  /** The Django generator's options: the app faults switched on (none when healthy). */
  private appOptions: DjangoSnippetOptions = {};
  /** The monitor's own settings, as the monitor faults set them (none when healthy). */
  private monitorOptions: MonitorOptions = {};
  private faults: FaultName[] = [];
  private app: Service | undefined;
  private stopped = false;

  constructor(
    readonly dir: string,
    [storagePort, appPort, proxyPort]: number[],
    options: SandboxOptions,
  ) {
    if (!storagePort || !appPort || !proxyPort) throw new SandboxError('three ports are needed');
    this.variant = options.variant ?? 'nginx-s3';
    this.appWorkers = options.appWorkers ?? 2;
    this.timeoutMs = options.readyTimeoutMs ?? 20_000;
    mkdirSync(join(dir, 'logs'));
    this.snippetDir = join(dir, 'django');
    mkdirSync(this.snippetDir);
    this.djangoDir = join(dir, 'django-project');
    this.djangoSource = options.djangoSource ?? DJANGO_SOURCE;
    // As root, run the services (and the disk storage check) as nobody: root would read any file.
    this.serviceUser = process.getuid?.() === 0 ? unprivilegedUser() : undefined;

    // Bodies unique to this sandbox: a check that passes has read this stack's storage, not another's.
    const sentinel = (target: string, fileName: string, label: string): SandboxSentinel => {
      const body = Buffer.from(`download-doctor sentinel${label}\nsandbox: ${basename(dir)}\n`);
      const sha256 = createHash('sha256').update(body).digest('hex');
      return { target, body, sha256, contentType: CONTENT_TYPE, fileName };
    };
    const primary = sentinel('sandbox', FILE_NAME, '');
    const unicode = sentinel(`sandbox-${UNICODE.name}`, UNICODE.fileName, ` (${UNICODE.fileName})`);
    const awkward =
      this.variant === 'apache-disk'
        ? undefined
        : sentinel(`sandbox-${AWKWARD.name}`, AWKWARD.fileName, ` (${AWKWARD.fileName})`);
    const big = this.variant === 'nginx-s3' ? bigSentinel(`sandbox-${BIG.name}`, basename(dir)) : undefined;
    this.written = primary;
    this.current = primary;
    this.extra = [unicode, ...(awkward ? [awkward] : []), ...(big ? [big] : [])];
    const s3 = this.variant === 'nginx-s3';
    const proxyServer = PROXY_SERVERS[VARIANT_PROXIES[this.variant]];
    const unicodeFile = s3 ? UNICODE.fileName : UNICODE.diskName;
    const files = [
      { name: FILE_NAME, body: primary.body },
      { name: unicodeFile, body: unicode.body },
      ...(awkward ? [{ name: AWKWARD.fileName, body: awkward.body }] : []),
      ...(big ? [{ name: BIG.fileName, body: big.body }] : []),
    ] as const;
    const spawn = this.spawn.bind(this);
    this.storage = s3
      ? new MotoStorage(
          storagePort,
          BUCKET,
          files,
          CONTENT_TYPE,
          join(dir, 'logs'),
          childEnv(),
          this.timeoutMs,
          CHECK_TIMEOUT_MS,
        )
      : new DiskStorage(
          join(dir, 'storage'),
          files,
          this.serviceUser ? 'nobody' : undefined,
          CHECK_TIMEOUT_MS,
        );
    this.ports = s3
      ? { storage: storagePort, app: appPort, proxy: proxyPort }
      : { app: appPort, proxy: proxyPort };
    const proxyBase = `http://127.0.0.1:${proxyPort}`;
    // What the app sends for a file: a URL in the internal location, or the file's path, percent-encoded alike
    // (django-downloadview rewrites the storage's URL of the file).
    const offloadValue = (name: string) =>
      s3
        ? `${INTERNAL_PREFIX}${encodeURIComponent(name)}`
        : this.storage.locate(name).replace(/[^/]+$/, (file) => encodeURIComponent(file));
    const expect = (s: SandboxSentinel) => ({
      sha256: s.sha256,
      size: s.body.length,
      contentType: CONTENT_TYPE,
      fileName: s.fileName,
    });
    this.stackConfig = {
      targets: [
        {
          name: 'sandbox',
          description: `local sandbox: ${SANDBOX_DESCRIPTIONS[this.variant]}`,
          // The sandbox's faults hold until they are restored: a short confirmation keeps failing runs quick.
          confirmDelayMs: SANDBOX_CONFIRM_DELAY_MS,
          sentinel: expect(primary),
          // A second sentinel with a non-ASCII name: the offload header and Content-Disposition must encode it.
          sentinels: [
            {
              name: UNICODE.name,
              sentinel: expect(unicode),
              file: this.storage.locate(unicodeFile),
              offload: offloadValue(unicodeFile),
            },
            // A third whose very key (or file name) is awkward: a space, `+`, `%`, a comma, non-ASCII.
            ...(awkward
              ? [
                  {
                    name: AWKWARD.name,
                    sentinel: expect(awkward),
                    file: this.storage.locate(AWKWARD.fileName),
                    offload: offloadValue(AWKWARD.fileName),
                  },
                ]
              : []),
            // A big one, checked on its own schedule (never by a run of every target), with a longer deadline.
            ...(big
              ? [
                  {
                    name: BIG.name,
                    sentinel: expect(big),
                    file: this.storage.locate(BIG.fileName),
                    offload: offloadValue(BIG.fileName),
                    timeoutMs: BIG.timeoutMs,
                    ownSchedule: true,
                  },
                ]
              : []),
          ],
          storage: this.storage.config,
          app: {
            url: `http://127.0.0.1:${appPort}/healthcheck-utils/download/`,
            // The exact header the app sends (checked by test/integration/sandbox.test.ts).
            offload: {
              header: s3 ? 'X-Accel-Redirect' : 'X-Sendfile',
              value: offloadValue(FILE_NAME),
            },
            timeoutMs: CHECK_TIMEOUT_MS,
          },
          proxy: { url: `${proxyBase}/healthcheck-utils/storage/`, timeoutMs: CHECK_TIMEOUT_MS },
          endToEnd: {
            url: `${proxyBase}/healthcheck-utils/download/`,
            // X-Sendfile names a file, not a location: Apache has no internal location to probe.
            ...(s3 ? { internalUrl: `${proxyBase}${INTERNAL_PREFIX}${FILE_NAME}` } : {}),
            rangeProbe: true,
            timeoutMs: CHECK_TIMEOUT_MS,
          },
        },
      ],
    };
    // Parsed once: the proxy and Django configurations are generated from the same targets the checks use.
    this.targets = configSchema.parse(this.stackConfig).targets;
    this.proxy = new LocalProxy(
      proxyServer,
      this.targets,
      join(dir, proxyServer.name.toLowerCase()),
      proxyPort,
      spawn,
      this.serviceUser,
      this.timeoutMs,
    );
  }

  get sentinel(): SandboxSentinel {
    return this.current;
  }

  get sentinels(): readonly SandboxSentinel[] {
    return [this.current, ...this.extra];
  }

  /** What the monitor is told: the stack's config (the first sentinel as it is now), through the monitor faults. */
  get config(): ConfigInput {
    const [first, ...rest] = this.stackConfig.targets;
    if (!first) return monitorConfig(this.stackConfig, this.monitorOptions);
    const sentinel = { ...first.sentinel, sha256: this.current.sha256, size: this.current.body.length };
    const targets = [{ ...first, sentinel }, ...rest];
    return monitorConfig({ ...this.stackConfig, targets }, this.monitorOptions);
  }

  get env(): Readonly<Record<string, string>> {
    return monitorEnv(this.storage.env, this.monitorOptions, join(this.dir, 'no-such-file'));
  }

  get activeFaults(): readonly FaultName[] {
    return [...this.faults];
  }

  pids(): { storage?: number; app?: number; proxy?: number } {
    const pid = (s: Service | undefined) => (s?.running ? s.child.pid : undefined);
    return { storage: pid(this.storage.running), app: pid(this.app), proxy: pid(this.proxy.running) };
  }

  async start(): Promise<void> {
    // The unprivileged services must reach their files through the (0700) temp dir.
    if (this.serviceUser) chmodSync(this.dir, 0o711);
    this.copyDjangoProject();
    await this.storage.start();
    await this.startApp();
    await this.proxy.start();
  }

  async applyFault(name: FaultName): Promise<void> {
    if (this.faults.includes(name)) return;
    const fault = sandboxFault(name);
    if (fault.variant !== this.variant) {
      throw new SandboxError(`fault "${name}" belongs to the ${fault.variant} sandbox, not ${this.variant}`);
    }
    for (const change of changesOf(fault)) await this.setLever(change);
    this.faults.push(name);
  }

  async clearFaults(): Promise<void> {
    for (let name = this.faults.pop(); name !== undefined; name = this.faults.pop()) {
      for (const change of [...changesOf(sandboxFault(name))].reverse())
        await this.setLever(restoreOf(change));
    }
  }

  async setLever(change: LeverChange): Promise<void> {
    const value = change.value === CLOSED_PORT ? await closedPort() : change.value;
    switch (change.lever) {
      case 'proxy':
        return this.proxy.reconfigure({ [change.option]: value });
      case 'app':
        return this.reconfigureApp({ [change.option]: value });
      case 'monitor':
        // What the checks are told: nothing in the stack changes, the next run reads `config` and `env` anew.
        this.monitorOptions = { ...this.monitorOptions, [change.option]: value };
        return;
      case 'sentinel': {
        const body = this.written.body;
        this.current = this.written;
        if (change.value === 'absent') return this.storage.remove();
        if (change.value === 'present') return this.storage.write(body);
        if (change.value === 'replaced') return this.replaceSentinel();
        // Other bytes of the same size, or the first half: only the checksum, or the size, tells.
        if (change.value === 'corrupted')
          return this.storage.write(Buffer.from(body.toString('hex').slice(0, body.length)));
        // The sentinel and more after it: a reader stops at the sentinel's size.
        if (change.value === 'grown') return this.storage.write(Buffer.concat([body, body, body]));
        return this.storage.write(body.subarray(0, Math.floor(body.length / 2)));
      }
      case 'sentinel-metadata':
        return this.storage.setMetadata(change.value);
      case 'sentinel-access':
        return this.storage.setAccess(change.value);
      case 'storage-server':
        return change.value === 'down' ? this.storage.stop() : this.storage.start();
      case 'app-server':
        if (change.value === 'down') return this.app?.stop();
        await this.startApp();
        // lighttpd keeps a backend it could not reach disabled for a while: wait until downloads reach the app.
        return this.untilProxyReachesApp();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Front to back, so that no request is left half-way; each stop waits for the whole process group.
    await this.proxy.stop();
    await this.app?.stop();
    if (this.storage.running) await this.storage.stop();
    this.storage.close();
    rmSync(this.dir, { recursive: true, force: true });
    forgetDir(this.dir);
  }

  /**
   * Replaces the first sentinel as a team does: it was downloaded through the proxy before (any cache on the way
   * keeps that copy), then new bytes of the same size take its place in storage, and the monitor expects them.
   */
  private async replaceSentinel(): Promise<void> {
    const url = this.targets[0]?.endToEnd.url ?? '';
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new SandboxError(`the download before the replacement got ${res.status}`);
    // Upper case: other bytes, the same size (the sentinel is ASCII).
    const body = Buffer.from(this.written.body.toString('latin1').toUpperCase(), 'latin1');
    const sha256 = createHash('sha256').update(body).digest('hex');
    await this.storage.write(body);
    this.current = { ...this.written, body, sha256 };
  }

  private async untilProxyReachesApp(): Promise<void> {
    if (!this.proxy.running) return;
    const url = this.targets[0]?.endToEnd.url ?? '';
    await waitUntil(`${this.proxy.name} to reach the app again`, [], this.timeoutMs, async () => {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return ![502, 503, 504].includes(res.status);
    });
  }

  /**
   * Copies the Django project into the sandbox's directory, owned by the service user: gunicorn never reads the
   * project's directory, which the service user may not be able to enter (a clone in a 0700 directory).
   */
  private copyDjangoProject(): void {
    cpSync(this.djangoSource, this.djangoDir, {
      recursive: true,
      filter: (src) => !src.includes('__pycache__'),
    });
    const user = this.serviceUser;
    if (!user) return;
    const own = (path: string) => {
      chownSync(path, user.uid, user.gid);
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        const child = join(path, entry.name);
        if (entry.isDirectory()) own(child);
        else chownSync(child, user.uid, user.gid);
      }
    };
    own(this.djangoDir);
    own(this.snippetDir);
  }

  private async startApp(): Promise<void> {
    if (this.app?.running) return;
    this.writeDjangoSnippet();
    // No --preload: a SIGHUP then starts workers that import the (rewritten) settings anew.
    const args = ['-m', 'gunicorn', '--chdir', this.djangoDir, '--bind', `127.0.0.1:${this.ports.app}`];
    args.push('--workers', String(this.appWorkers), '--graceful-timeout', '5', '--timeout', '30');
    args.push('--access-logfile', '-', 'ddsandbox.wsgi:application');
    // Unprivileged, like the proxy: as root, Django would read files that its real user could not.
    const app = this.spawn(
      'gunicorn',
      PYTHON,
      args,
      {
        DD_SANDBOX_SNIPPET: this.snippetDir,
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
        // django-storages' boto3: one attempt, no instance metadata. A healthcheck answers fast or fails.
        AWS_MAX_ATTEMPTS: '1',
        AWS_RETRY_MODE: 'standard',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      this.serviceUser,
    );
    this.app = app;
    const url = this.targets[0]?.app.url ?? '';
    await waitUntil('gunicorn', [app], this.timeoutMs, async () => {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return res.status === 200;
    });
  }

  private async reconfigureApp(change: DjangoSnippetOptions): Promise<void> {
    const app = this.app;
    this.appOptions = { ...this.appOptions, ...change };
    this.writeDjangoSnippet();
    // Stopped (app-down): the next start reads the new files.
    if (!app?.running) return;
    await reloadWorkers(app, this.appWorkers, this.timeoutMs);
    // A worker accepts once it has booted (and warmed up, see wsgi.py): wait for the first answer, any status.
    const url = this.targets[0]?.app.url ?? '';
    await waitUntil('gunicorn to answer after a reload', [app], this.timeoutMs, async () => {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      await res.body?.cancel();
      return true;
    });
  }

  /** What `snippets django` prints for the sandbox's targets, with the app faults as the generator's options. */
  private writeDjangoSnippet(): void {
    writeFileSync(join(this.snippetDir, 'settings.py'), djangoSettings(this.targets, this.appOptions));
    writeFileSync(join(this.snippetDir, 'urls.py'), djangoUrls(this.targets, this.appOptions));
  }

  private spawn(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    user?: { uid: number; gid: number },
  ): Service {
    const logFile = join(this.dir, 'logs', `${name}.log`);
    // In the sandbox's directory: a service never starts in the project's, which its user may not enter.
    return new Service(name, logFile, command, args, {
      env: { ...childEnv(), ...env },
      cwd: this.dir,
      ...user,
    });
  }
}

/** The big sentinel's bytes: text lines that name the sandbox (unique to it, as the others), to BIG.bytes. */
function bigSentinel(target: string, label: string): SandboxSentinel {
  const line = Buffer.from(`download-doctor big sentinel, sandbox ${label}\n`);
  const body = Buffer.alloc(BIG.bytes);
  for (let at = 0; at < body.length; at += line.length) line.copy(body, at);
  const sha256 = createHash('sha256').update(body).digest('hex');
  return { target, body, sha256, contentType: CONTENT_TYPE, fileName: BIG.fileName };
}

/** A loopback port nothing listens on (right now). */
async function closedPort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new SandboxError('no free port');
  return port;
}

/** The environment of the children, without the caller's AWS settings (a profile boto3 cannot find, say). */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
}

/** The `nobody` user from /etc/passwd (65534 on Debian). */
function unprivilegedUser(): { uid: number; gid: number } {
  return passwdUser(readFileSync('/etc/passwd', 'utf8'), 'nobody') ?? { uid: 65534, gid: 65534 };
}
