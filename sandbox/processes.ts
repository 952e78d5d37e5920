/**
 * Child processes of the sandbox: each runs in its own process group with its output in a log file, and is
 * killed (group and all) when the sandbox stops, or when this Node process exits without stopping it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { SandboxError } from './errors.ts';

export interface ServiceOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
}

/** Services and directories still alive, for the last-resort cleanup at process exit. */
const live = new Set<Service>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

export class Service {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  private exitInfo: string | undefined;

  constructor(
    readonly name: string,
    readonly logFile: string,
    command: string,
    args: readonly string[],
    options: ServiceOptions,
  ) {
    installExitHook();
    const fd = openSync(logFile, 'a');
    try {
      // detached: a new session and process group, so stop() reaches the workers too.
      this.child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    live.add(this);
    this.exited = new Promise((resolve) => {
      const done = (info: string) => {
        this.exitInfo ??= info;
        live.delete(this);
        resolve();
      };
      this.child.once('exit', (code, signal) =>
        done(signal ? `killed by ${signal}` : `exited with code ${code}`),
      );
      this.child.once('error', (error: NodeJS.ErrnoException) =>
        done(
          error.code === 'ENOENT'
            ? `could not start: ${command} is not installed (not on PATH); the README's first lines list what the sandbox needs`
            : `could not start: ${error.message}`,
        ),
      );
    });
  }

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new SandboxError(`${this.name} ${this.exitInfo ?? 'has no pid'}`);
    return pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the main process has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.child.pid === undefined) return;
    if (this.running) {
      killGroup(this.child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(this.child.pid ?? 0, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // A worker that outlived its master would keep a port: make sure the group is empty.
    killGroup(this.child.pid, 'SIGKILL');
  }

  /** Why it stopped, and the last lines of its log: for error messages. */
  describe(lines = 15): string {
    const state = this.running ? 'running' : this.exitInfo;
    return `${this.name} (${state}), last lines of ${this.logFile}:\n${tail(this.logFile, lines)}`;
  }
}

/** Registers a directory to remove at process exit, unless `forgetDir` is called first. */
export function rememberDir(dir: string): void {
  installExitHook();
  liveDirs.add(dir);
}

export function forgetDir(dir: string): void {
  liveDirs.delete(dir);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only synchronous work is possible here: SIGKILL every group, remove the directories.
  const cleanup = () => {
    for (const service of live) killGroup(service.child.pid ?? 0, 'SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  // A signal's default action skips 'exit' handlers. Take it over only when nobody else has (a test runner
  // may have), clean up, then let the signal do what it would have done.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      cleanup();
      process.kill(process.pid, signal);
    });
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export function tail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n') || '(empty)';
  } catch {
    return '(no log)';
  }
}

/** The live (non-zombie) children of a process, from /proc: how a master's workers are found. */
export function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse from the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && Number(ppid) === parent) out.push(Number(entry));
  }
  return out;
}

/**
 * Sends the reload signal to a master (SIGHUP for nginx and gunicorn, SIGUSR1 for Apache) and waits until every
 * old worker has gone and `workers` new ones run: from then on, every request gets the new configuration.
 */
export async function reloadWorkers(
  service: Service,
  workers: number,
  timeoutMs: number,
  signal: NodeJS.Signals = 'SIGHUP',
): Promise<void> {
  const before = new Set(childPids(service.pid));
  process.kill(service.pid, signal);
  await waitUntil(`${service.name} to replace its workers`, [service], timeoutMs, async () => {
    const now = childPids(service.pid);
    return now.length >= workers && now.every((pid) => !before.has(pid));
  });
}

/** Polls `ready` until it returns true; fails early, with the logs, if one of `services` exits. */
export async function waitUntil(
  what: string,
  services: readonly Service[],
  timeoutMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = services.find((s) => !s.running);
    if (dead) throw new SandboxError(`while waiting for ${what}: ${dead.describe()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new SandboxError(
        `timed out after ${timeoutMs} ms waiting for ${what}\n${services.map((s) => s.describe()).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** `count` distinct free loopback ports: all are bound at once (so they differ), then released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new SandboxError('no port bound');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
