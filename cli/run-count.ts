/**
 * `fullRunEvery` locally: each target's runs are counted in a small state file (by default in the temp directory,
 * one per config file), and every N-th run is a full one. A fresh machine (CI) starts at the first run, which is
 * not a full run unless N is 1: `run --all-layers` asks for one explicitly.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Target } from '../functions/config/schema.ts';

export const defaultRunCountFile = (configFile: string) =>
  join(
    tmpdir(),
    `download-doctor-runs-${createHash('sha256').update(resolve(configFile)).digest('hex').slice(0, 12)}.json`,
  );

/** Whether this run of `target` is a full one (its N-th, 2N-th, ...), counting it. Pure but for the file. */
export function countRun(target: Target, file: string): boolean {
  const every = target.fullRunEvery;
  if (every === undefined) return false;
  let counts: Record<string, number> = {};
  try {
    counts = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch {
    // No file yet (or an unreadable one): counting starts again.
  }
  const n = (counts[target.name] ?? 0) + 1;
  counts[target.name] = n;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(counts, null, 2));
  return n % every === 0;
}
