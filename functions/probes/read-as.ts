/**
 * Reads and hashes a file in a child process that runs as another user: the kernel then applies that user's
 * permissions (a check run as root reads any file), and the deadline can kill the read, which a blocking read
 * on a hung network mount would not allow in-process.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { classifyFsError } from '../core/classify.ts';
import type { FailureKind } from '../core/names.ts';

/**
 * The child: streams the file through sha256 and prints one JSON line, the result or the error's code. It stops
 * reading once the file has grown past `max` bytes (argv[2]): the size alone then tells.
 */
const CHILD = `
const { createHash } = require('node:crypto');
const hash = createHash('sha256');
const start = performance.now();
const max = Number(process.argv[2]);
let bytes = 0, firstByteMs;
const done = (overflow) => console.log(JSON.stringify({ bytes, sha256: hash.digest('hex'), firstByteMs, overflow }));
const stream = require('node:fs').createReadStream(process.argv[1])
  .on('data', (c) => {
    firstByteMs ??= performance.now() - start; hash.update(c); bytes += c.length;
    if (bytes > max) { stream.destroy(); done(true); }
  })
  .on('end', () => done(false))
  .on('error', (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));
`;

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
    execFile(
      process.execPath,
      ['-e', CHILD, path, String(maxBytes)],
      { ...ids, cwd: '/', env: {}, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 },
      (error, stdout) => {
        const e = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e?.killed) {
          const error = `TimeoutError: the ${timeoutMs} ms deadline expired while reading the file`;
          return resolve({ ok: false, kind: 'timeout', error });
        }
        if (e?.code === 'EPERM')
          return resolve(cannot(`download-doctor must run as root to read as "${user}" (EPERM)`));
        if (e) return resolve(cannot(`the reader failed: ${e.message}`));
        let out: {
          code?: string;
          message?: string;
          bytes: number;
          sha256: string;
          firstByteMs?: number;
          overflow?: boolean;
        };
        try {
          out = JSON.parse(stdout);
        } catch {
          return resolve(cannot(`the reader printed ${JSON.stringify(stdout.slice(0, 200))}`));
        }
        if (!out.code) {
          const { bytes, sha256, firstByteMs, overflow } = out;
          return resolve({ ok: true, bytes, sha256, firstByteMs, ...(overflow ? { overflow } : {}) });
        }
        // Node's fs messages start with the code ("EACCES: permission denied, open ...").
        const message = out.message?.startsWith(out.code) ? out.message : `${out.code}: ${out.message}`;
        resolve({ ok: false, kind: classifyFsError(out.code), error: `${message} (read as ${user})` });
      },
    );
  });
}
