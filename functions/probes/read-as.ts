/**
 * Reads and hashes a file in a child process that runs as another user: the kernel then applies that user's
 * permissions (a check run as root reads any file), and the deadline can kill the read, which a blocking read
 * on a hung network mount would not allow in-process.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** The child: streams the file through sha256 and prints one JSON line, the result or the error's code. */
const CHILD = `
const { createHash } = require('node:crypto');
const hash = createHash('sha256');
const start = performance.now();
let bytes = 0, firstByteMs;
require('node:fs').createReadStream(process.argv[1])
  .on('data', (c) => { firstByteMs ??= performance.now() - start; hash.update(c); bytes += c.length; })
  .on('end', () => console.log(JSON.stringify({ bytes, sha256: hash.digest('hex'), firstByteMs })))
  .on('error', (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));
`;

export type ReadAsResult =
  | { ok: true; bytes: number; sha256: string; firstByteMs?: number }
  /** The read failed: `code` is the file error's (ENOENT, EACCES...). */
  | { ok: false; code: string; message: string }
  /** The read could not be run as that user: the message says why. */
  | { ok: false; code: 'READ_AS'; message: string }
  | { ok: false; code: 'TIMEOUT'; message: string };

/** uid and gid of a user named in /etc/passwd. */
export async function lookupUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const fields = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .find((f) => f[0] === name);
  if (!fields || fields.length < 4) return undefined;
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export async function hashFileAs(path: string, user: string, timeoutMs: number): Promise<ReadAsResult> {
  const ids = await lookupUser(user);
  if (!ids)
    return { ok: false, code: 'READ_AS', message: `storage.readAs: no user "${user}" in /etc/passwd` };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', CHILD, path],
      { ...ids, cwd: '/', env: {}, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 },
      (error, stdout) => {
        const e = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e?.killed) {
          resolve({
            ok: false,
            code: 'TIMEOUT',
            message: `the ${timeoutMs} ms deadline expired while reading the file`,
          });
        } else if (e?.code === 'EPERM') {
          const message = `storage.readAs: download-doctor must run as root to read as "${user}" (EPERM)`;
          resolve({ ok: false, code: 'READ_AS', message });
        } else if (e) {
          resolve({ ok: false, code: 'READ_AS', message: `storage.readAs: the reader failed: ${e.message}` });
        } else {
          try {
            const out = JSON.parse(stdout);
            resolve(out.code ? { ok: false, code: out.code, message: out.message } : { ok: true, ...out });
          } catch {
            resolve({
              ok: false,
              code: 'READ_AS',
              message: `storage.readAs: the reader printed ${JSON.stringify(stdout.slice(0, 200))}`,
            });
          }
        }
      },
    );
  });
}
