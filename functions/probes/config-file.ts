/**
 * Finds, loads and validates a config file: `download-doctor.config.ts` (defineConfig; Node.js strips its types)
 * or plain JSON. Shared by the CLI and the CDK app; every problem is a ConfigError (exit 2) that names the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import module from 'node:module';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config/schema.ts';
import { formatProblems, validateConfig } from '../config/validate.ts';
import { ConfigError } from '../contract/errors.ts';

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
    const url = pathToFileURL(found).href;
    if (found.endsWith('.ts')) asTypeScriptModule(url);
    mod = (await import(url)) as { default?: unknown };
  } catch (err) {
    throw new ConfigError(`${shown}: cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  if (mod.default === undefined)
    throw new ConfigError(`${shown}: export the config as default (export default defineConfig({...}))`);
  return { path: found, shown, raw: mod.default };
}

/** The config files to load as TypeScript ES modules, whatever their project's package.json says. */
const esmConfigs = new Set<string>();

/**
 * A `download-doctor.config.ts` is an ES module (`import`, `export default`), but Node.js would read it as
 * CommonJS in a project whose package.json says `"type": "commonjs"` (as `npm init -y` writes): tell Node.js
 * its format (and to strip its types) with a load hook, for that file alone.
 */
function asTypeScriptModule(url: string): void {
  if (esmConfigs.size === 0) {
    module.registerHooks?.({
      load(target, context, next) {
        if (!esmConfigs.has(target)) return next(target, context);
        return { ...next(target, { ...context, format: 'module-typescript' }), format: 'module-typescript' };
      },
    });
  }
  esmConfigs.add(url);
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
