/**
 * What the package tests need to run commands as a person does: an environment without the repository's own
 * tools (no node_modules/.bin of ours on PATH, no npm_* variables of the test runner, npm offline), commands with
 * their output and exit code, and a long-running command in a process group of its own, whose members can be
 * listed, signalled and awaited (Linux /proc).
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The environment of a person's shell on this machine: the system's PATH (whose Node.js is 20), no AWS variables
 * (a test adds the sandbox's), and npm offline: its cache holds what these installs need (scripts/setup.sh).
 */
export function personEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('npm_') && !k.startsWith('AWS_') && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS',
    ),
  );
  const path = (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules'));
  return {
    ...env,
    PATH: path.join(':'),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

export interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs a command; resolves with its output and exit code. */
export function sh(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 26 },
      (error, out, err) => {
        if (error && typeof error.code !== 'number')
          reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${err}`));
        else resolve({ code: error ? (error.code as number) : 0, out, err });
      },
    );
  });
}

/** A process: its id, its parent's, its group, and its command line. */
export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string[];
}

function proc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields after it are what counts.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (fields[0] === 'Z') return undefined; // a zombie has exited; only its parent's wait is missing
    return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline };
  } catch {
    return undefined;
  }
}

/** Every live process of a process group (re-parented ones included: they keep their group). */
export function groupMembers(pgid: number): Proc[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      const p = proc(Number(name));
      return p && p.pgid === pgid ? [p] : [];
    });
}

/** A variable of a process's environment, as it started. */
export function environOf(pid: number, name: string): string | undefined {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return entries.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** A command started in a process group of its own (its id is the group's), with what it printed so far. */
export interface Started {
  pgid: number;
  output(): string;
  /** Every live member of its group. */
  members(): Proc[];
  /** Ends whatever is left of the group: SIGTERM, then SIGKILL after a grace period. */
  kill(): Promise<void>;
}

export function startInGroup(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d;
  });
  const pgid = child.pid ?? -1;
  const members = () => groupMembers(pgid);
  return {
    pgid,
    output: () => output,
    members,
    async kill() {
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        if (members().length === 0) return;
        try {
          process.kill(-pgid, signal);
        } catch {
          return;
        }
        await until(() => members().length === 0, 5_000).catch(() => undefined);
      }
    },
  };
}

/** Resolves once `ok()` holds, polling; rejects after `timeoutMs`. */
export async function until(
  ok: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'a condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await ok()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
