/**
 * Reads and hashes a file through a child process that runs as another user: the kernel then applies that user's
 * permissions (a check run as root reads any file), and the deadline can kill the read, which a blocking read
 * on a hung network mount would not allow in-process. The child is `cat`, which every system has and every user
 * may run: it streams the file to us, and we hash it (Node.js itself may sit where that user cannot go).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FailureKind } from '../contract/names.ts';
import { classifyFsError } from './classify.ts';

const CAT = '/bin/cat';

/** cat's messages (in the C locale) for the errors the storage check tells apart, by their errno code. */
const CAT_ERRORS: Record<string, string> = {
  'No such file or directory': 'ENOENT',
  'Permission denied': 'EACCES',
  'Is a directory': 'EISDIR',
  'Not a directory': 'ENOTDIR',
};

/** What the child read, or why the read failed, classified as the storage check reports it. */
export type ReadAsResult =
  | { ok: true; bytes: number; sha256: string; firstByteMs?: number; overflow?: boolean }
  | { ok: false; kind: FailureKind; error: string };

/** uid and gid of a user in the text of /etc/passwd. Pure. */
export function passwdUser(passwd: string, name: string): { uid: number; gid: number } | undefined {
  const fields = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .find((f) => f[0] === name);
  if (!fields || fields.length < 4) return undefined;
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export async function hashFileAs(
  path: string,
  user: string,
  timeoutMs: number,
  maxBytes = Number.MAX_SAFE_INTEGER,
): Promise<ReadAsResult> {
  const ids = passwdUser(await readFile('/etc/passwd', 'utf8'), user);
  // The read cannot run as that user: the check could not run (not a storage fault).
  const cannot = (why: string): ReadAsResult => ({
    ok: false,
    kind: 'check-error',
    error: `storage.readAs: ${why}`,
  });
  if (!ids) return cannot(`no user "${user}" in /etc/passwd`);
  return new Promise((resolve) => {
    const start = performance.now();
    const hash = createHash('sha256');
    let bytes = 0;
    let firstByteMs: number | undefined;
    let stderr = '';
    let timedOut = false;
    // Past the sentinel's size the file is not the sentinel: the size alone tells, reading on would only cost.
    let overflow = false;
    const child = spawn(CAT, ['--', path], {
      ...ids,
      cwd: '/',
      env: { LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (overflow) return; // what was already in the pipe: not read
      firstByteMs ??= performance.now() - start;
      hash.update(chunk);
      bytes += chunk.length;
      if (bytes > maxBytes) {
        overflow = true;
        child.kill('SIGKILL');
        child.stdout.destroy();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(
        err.code === 'EPERM'
          ? cannot(`download-doctor must run as root to read as "${user}" (EPERM)`)
          : cannot(`the reader failed: ${err.message}`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        const error = `TimeoutError: the ${timeoutMs} ms deadline expired while reading the file`;
        return resolve({ ok: false, kind: 'timeout', error });
      }
      if (code === 0 || overflow) {
        return resolve({
          ok: true,
          bytes,
          sha256: hash.digest('hex'),
          ...(firstByteMs === undefined ? {} : { firstByteMs }),
          ...(overflow ? { overflow } : {}),
        });
      }
      // "cat: PATH: Permission denied": the reason after the last ": ".
      const reason = stderr.trim().split('\n')[0]?.split(': ').at(-1) ?? '';
      const errno = CAT_ERRORS[reason] ?? 'EIO';
      const error = `${errno}: ${reason || `cat exited with ${code}`}, open '${path}' (read as ${user})`;
      resolve({ ok: false, kind: classifyFsError(errno), error });
    });
  });
}
