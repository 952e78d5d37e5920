/**
 * `fullRunEvery` locally: each target's runs are counted in a small state file (by default in the per-user state
 * directory, cli/state-dir.ts, one per config file), and every N-th run is a full one. A fresh machine (CI) starts at
 * the first run, which is not a full run unless N is 1: `run --all-layers` asks for one explicitly.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Target } from '../functions/config/schema.ts';
import { readPrivateFile, stateDir, writePrivateFile } from './state-dir.ts';

/** The file of a config's run counts; the directory is made (0700) only when this is called. */
export const defaultRunCountFile = (configFile: string, dir = stateDir()) =>
  join(dir, `runs-${createHash('sha256').update(resolve(configFile)).digest('hex').slice(0, 12)}.json`);

/**
 * Whether this run of `target` is a full one (its N-th, 2N-th, ...), counting it in `file` (a function: the state
 * directory is made only for a target that counts). Pure but for the file.
 */
export function countRun(target: Target, file: string | (() => string)): boolean {
  const every = target.fullRunEvery;
  if (every === undefined) return false;
  const path = typeof file === 'string' ? file : file();
  let counts: Record<string, number> = {};
  try {
    counts = JSON.parse(readPrivateFile(path) ?? '{}') as Record<string, number>;
  } catch {
    // A file cut short: counting starts again.
  }
  const n = (counts[target.name] ?? 0) + 1;
  counts[target.name] = n;
  writePrivateFile(path, JSON.stringify(counts, null, 2));
  return n % every === 0;
}
