/**
 * Finds, loads and validates a config file: `download-doctor.config.ts` (defineConfig; Node.js strips its types)
 * or plain JSON. Shared by the CLI and the CDK app; every problem is a ConfigError (exit 2) that names the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Config, formatProblems, validateConfig } from './core/config.ts';
import { ConfigError } from './core/errors.ts';

export const DEFAULT_CONFIG_FILES = ['download-doctor.config.ts', 'download-doctor.config.json'] as const;

export interface ConfigFile {
  /** The absolute path of the file read. */
  path: string;
  /** The path as a person would type it from `cwd`. */
  shown: string;
  raw: unknown;
}

/** The file named, else the one default file in `cwd`; two defaults side by side are refused (one would win silently). */
export function findConfigFile(path: string | undefined, cwd = process.cwd()): string {
  if (path) {
    const found = resolve(cwd, path);
    if (!existsSync(found)) throw new ConfigError(`config file not found: ${path}`);
    return found;
  }
  const present = DEFAULT_CONFIG_FILES.map((p) => resolve(cwd, p)).filter((p) => existsSync(p));
  if (present.length > 1) {
    throw new ConfigError(
      `both ${DEFAULT_CONFIG_FILES.join(' and ')} are in ${cwd}: keep one, or choose with --config FILE`,
    );
  }
  const [found] = present;
  if (!found) {
    throw new ConfigError(
      `no config file in ${cwd}: create ${DEFAULT_CONFIG_FILES.join(' or ')} (download-doctor init writes one), or pass --config FILE`,
    );
  }
  return found;
}

export async function readConfigFile(path: string | undefined, cwd = process.cwd()): Promise<ConfigFile> {
  const found = findConfigFile(path, cwd);
  const shown = relative(cwd, found).startsWith('..') ? found : `./${relative(cwd, found)}`;
  if (found.endsWith('.json')) {
    try {
      return { path: found, shown, raw: JSON.parse(readFileSync(found, 'utf8')) };
    } catch (err) {
      throw new ConfigError(`${shown}: not valid JSON: ${(err as Error).message}`);
    }
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(found).href)) as { default?: unknown };
  } catch (err) {
    throw new ConfigError(`${shown}: cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  if (mod.default === undefined)
    throw new ConfigError(`${shown}: export the config as default (export default defineConfig({...}))`);
  return { path: found, shown, raw: mod.default };
}

/** Validates; a bad config is a ConfigError that lists every problem with its field path. */
export function parseConfig(raw: unknown, source: string): Config {
  const v = validateConfig(raw);
  if (!v.ok) {
    const n = v.problems.length;
    throw new ConfigError(
      `${source}: invalid config (${n} problem${n > 1 ? 's' : ''}):\n${formatProblems(v.problems)}`,
    );
  }
  return v.config;
}

/** Reads and validates the config; `file` says which file it was, for the caller to print. */
export async function loadConfig(path: string | undefined): Promise<{ config: Config; file: string }> {
  const { shown, raw } = await readConfigFile(path);
  return { config: parseConfig(raw, shown), file: shown };
}
