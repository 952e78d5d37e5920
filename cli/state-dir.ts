/**
 * The per-user state directory: `serve`'s database, and `run`'s alarm states (`--publish`) and run counts
 * (`fullRunEvery`). `$XDG_STATE_HOME/download-doctor`, else `~/.local/state/download-doctor`, else
 * `.download-doctor/` in the current directory when neither can be used: never predictable names in a directory that
 * others can write (a planted alarm-state file in /tmp once silenced pages), never the project's root.
 *
 * The directory is created 0700 and every file in it 0600; a directory or file owned by another user is refused,
 * with a message that names it. Files are opened without following a symbolic link, and written whole (a temporary
 * file of ours, then renamed), so that a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../functions/contract/errors.ts';

const APP = 'download-doctor';
/** Where a directory may not be made (another candidate is tried): it does not exist, or we may not write there. */
const UNUSABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOENT']);

/** The candidates, in order (pure): the XDG state home (an absolute path only, as the spec says), ~/.local/state. */
export function stateDirCandidates(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const xdg = env.XDG_STATE_HOME;
  const home = env.HOME;
  return [
    ...(xdg && isAbsolute(xdg) ? [join(xdg, APP)] : []),
    ...(home && isAbsolute(home) ? [join(home, '.local', 'state', APP)] : []),
    resolve(cwd, `.${APP}`),
  ];
}

const uid = () => process.getuid?.();
const mode = (st: Stats) => `0${(st.mode & 0o777).toString(8)}`;

/** Refuses what another user owns: a file they could rewrite, or a directory where they could plant one. */
function ownedByUs(path: string, st: Stats, what: string): void {
  const me = uid();
  if (me !== undefined && st.uid !== me)
    throw new UsageError(
      `${what} ${path} is owned by another user (uid ${st.uid}, not ${me}): refusing to use it; remove it, or choose another place`,
    );
}

/**
 * A private directory: made 0700 if missing, and ours. One of our own places (`tighten`) is tightened to 0700 if it
 * was looser; a directory the user named is never changed (`serve --data-dir .` must not chmod a project): one that
 * others may write into (where they could plant a file) is refused, with what to do.
 */
export function privateDir(dir: string, tighten = true): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory()) throw new UsageError(`${dir} is not a directory`);
  ownedByUs(dir, st, 'the state directory');
  if (tighten && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  else if (!tighten && (st.mode & 0o022) !== 0)
    throw new UsageError(
      `the state directory ${dir} is ${mode(st)}: others may write into it; chmod go-w it, or choose a directory of its own (--data-dir)`,
    );
  return dir;
}

/**
 * The state directory, made private: `dir` when given (`--data-dir`), else the first candidate that can be made.
 * A candidate owned by someone else is an error, not a reason to try the next.
 */
export function stateDir(dir?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (dir) return privateDir(resolve(cwd, dir), false);
  const candidates = stateDirCandidates(env, cwd);
  for (const [i, candidate] of candidates.entries()) {
    try {
      return privateDir(candidate);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!(code && UNUSABLE.has(code)) || i === candidates.length - 1) throw err;
    }
  }
  throw new Error('unreachable: the last candidate throws');
}

/** Opens a file of ours without following a link, checks its owner, and tightens it to 0600. */
function openPrivate(path: string, flags: number): number {
  const fd = openSync(path, flags | constants.O_NOFOLLOW, 0o600);
  try {
    const st = fstatSync(fd);
    ownedByUs(path, st, 'the state file');
    if (!st.isFile()) throw new UsageError(`the state file ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** A private file's text, or undefined when there is none. Refuses one owned by another user. */
export function readPrivateFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openPrivate(path, constants.O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UsageError(`the state file ${path} is a symbolic link: refusing to follow it`);
    throw err;
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a private file whole: a new temporary file (0600, never an existing one), then renamed over `path`. An
 * existing `path` owned by another user is refused first.
 */
export function writePrivateFile(path: string, text: string): void {
  try {
    ownedByUs(path, statSync(path), 'the state file');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
}

/**
 * Makes `path` a private file before another program (SQLite) opens it: created 0600 when missing, else checked to
 * be ours and tightened to 0600. SQLite gives its WAL and shared-memory files the database's own mode.
 */
export function preparePrivateFile(path: string): void {
  closeSync(openPrivate(path, constants.O_RDWR | constants.O_CREAT));
}
