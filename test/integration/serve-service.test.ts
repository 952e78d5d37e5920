/**
 * serve as a service people run: started through `npx` in a project (npm 11 runs it under `sh -c` and passes a
 * SIGTERM to that shell only) and stopped by a SIGTERM to npm, with no process left and the port free; and the
 * systemd unit of docs/ checked by `systemd-analyze verify` (offline: systemd need not run), its command line run
 * as the unit would run it and stopped by SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { targetInput } from '../fixtures/config.ts';
import { tempDir } from '../fixtures/temp.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const UNIT = join(ROOT, 'docs/download-doctor.service');

/** A project where download-doctor is installed (this repository, linked) with Node.js 22 in node_modules/.bin. */
function project(): string {
  const dir = tempDir('dd-service-');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', version: '1.0.0', private: true }));
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules/download-doctor'));
  symlinkSync('../download-doctor/dist/cli/bin.js', join(dir, 'node_modules/.bin/download-doctor'));
  symlinkSync(join(ROOT, 'node_modules/node/bin/node'), join(dir, 'node_modules/.bin/node'));
  // Nothing listens at the target: its runs fail fast, once an hour; the test is about the process.
  writeFileSync(
    join(dir, 'download-doctor.config.json'),
    JSON.stringify({ targets: [{ ...targetInput(), schedule: '1h' }] }),
  );
  return dir;
}

/** The pids of a process's descendants, from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const visit = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** Starts a command, resolves once it prints the address it serves on. */
function started(proc: ChildProcess): Promise<{ port: number; out: string[] }> {
  const out: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out.join('')}`)), 30_000);
    const read = (chunk: Buffer) => {
      out.push(chunk.toString());
      const m = / on http:\/\/127\.0\.0\.1:(\d+) /.exec(out.join(''));
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), out });
      }
    };
    proc.stdout?.on('data', read);
    proc.stderr?.on('data', read);
    proc.once('exit', (code) => reject(new Error(`exited ${code}: ${out.join('')}`)));
  });
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return condition();
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('serve started through npx', () => {
  it('stops on a SIGTERM to npm: no process is left, the port is free', async () => {
    const dir = project();
    const npx = spawn('npx', ['download-doctor', 'serve', '--port', '0', '--data-dir', join(dir, 'state')], {
      cwd: dir,
      env: { ...process.env, PATH: `${join(dir, 'node_modules/.bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { port, out } = await started(npx);
    const pid = npx.pid ?? 0;
    const tree = descendants(pid);
    // npm, its shell, and node serving: the shell in between is why npm's SIGTERM did not reach node.
    expect(tree.length).toBeGreaterThanOrEqual(2);
    const exited = new Promise((r) => npx.once('exit', r));
    process.kill(pid, 'SIGTERM');
    await exited;
    try {
      expect(await until(() => tree.every((p) => !alive(p)), 15_000), `left: ${tree.filter(alive)}`).toBe(
        true,
      );
      expect(await portFree(port)).toBe(true);
    } finally {
      // What a failure leaves behind (the processes this test started, by pid) is ended, so as not to linger.
      for (const p of tree.filter(alive)) process.kill(p, 'SIGKILL');
    }
    expect(out.join('')).toMatch(/SIGTERM: stopping; waiting for \d run\(s\) under way\n[\s\S]*stopped\n$/);
  }, 60_000);
});

describe('the systemd unit in docs/', () => {
  /** The unit with its project's path (/srv/download-doctor) pointed at a real project. */
  function unitFor(dir: string): string {
    return readFileSync(UNIT, 'utf8').replaceAll('/srv/download-doctor', dir);
  }

  it('passes systemd-analyze verify without a warning', async () => {
    const dir = project();
    writeFileSync(join(dir, 'download-doctor.config.ts'), '');
    const unit = join(dir, 'download-doctor.service');
    writeFileSync(unit, unitFor(dir));
    const r = await new Promise<{ code: number; err: string }>((resolve) =>
      execFile('systemd-analyze', ['verify', unit], (error, _out, err) =>
        resolve({ code: error ? Number(error.code) : 0, err }),
      ),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('runs its command line as systemd would (%S, %d, its PATH) and stops on SIGTERM', async () => {
    const dir = project();
    const line = /^ExecStart=(.+)$/m.exec(unitFor(dir))?.[1] ?? '';
    const path = /^Environment=PATH=(.+)$/m.exec(unitFor(dir))?.[1] ?? '';
    const credentials = join(dir, 'credentials');
    mkdirSync(credentials, { mode: 0o700 });
    writeFileSync(join(credentials, 'token'), 'unit-test-token-0123456789abcdef', { mode: 0o400 });
    writeFileSync(
      join(dir, 'download-doctor.config.ts'),
      `export default ${JSON.stringify({ targets: [{ ...targetInput(), schedule: '1h' }] })};\n`,
    );
    const [command = '', ...args] = line
      .replaceAll('%S', join(dir, 'var-lib'))
      .replaceAll('%d', credentials)
      .split(' ');
    mkdirSync(join(dir, 'var-lib'));
    chmodSync(join(dir, 'var-lib'), 0o755);
    const proc = spawn(command, [...args, '--port', '0'], {
      cwd: dir,
      env: { PATH: path, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { out } = await started(proc);
    expect(out.join('')).toContain('bearer token or log-in required');
    const code = new Promise((r) => proc.once('exit', (c, signal) => r(c ?? signal)));
    proc.kill('SIGTERM');
    expect(await code, out.join('')).toBe(0);
    expect(readdirSync(join(dir, 'var-lib', 'download-doctor'))).toContain('serve.db');
  }, 60_000);
});
