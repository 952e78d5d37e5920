/** Finds, loads and validates the config file: `download-doctor.config.ts` (defineConfig) or plain JSON. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Config, formatProblems, validateConfig } from '../functions/core/config.ts';
import { UsageError } from './errors.ts';

export const DEFAULT_CONFIG_FILES = ['download-doctor.config.ts', 'download-doctor.config.json'];

export async function readConfigFile(
  path: string | undefined,
  cwd = process.cwd(),
): Promise<{ path: string; raw: unknown }> {
  const candidates = path ? [path] : DEFAULT_CONFIG_FILES;
  const found = candidates.map((p) => resolve(cwd, p)).find((p) => existsSync(p));
  if (!found) {
    throw new UsageError(
      path
        ? `config file not found: ${path}`
        : `no config file: create ${DEFAULT_CONFIG_FILES.join(' or ')}, or pass --config FILE`,
    );
  }
  if (found.endsWith('.json')) {
    try {
      return { path: found, raw: JSON.parse(readFileSync(found, 'utf8')) };
    } catch (err) {
      throw new UsageError(`${found}: not valid JSON: ${(err as Error).message}`);
    }
  }
  try {
    const mod = (await import(pathToFileURL(found).href)) as { default?: unknown };
    if (mod.default === undefined)
      throw new UsageError(`${found}: export the config as default (export default defineConfig({...}))`);
    return { path: found, raw: mod.default };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${found}: cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Validates; a bad config is a UsageError that lists every problem with its field path. */
export function parseConfig(raw: unknown, source: string): Config {
  const v = validateConfig(raw);
  if (!v.ok) {
    throw new UsageError(
      `${source}: invalid config (${v.problems.length} problem${v.problems.length > 1 ? 's' : ''}):\n${formatProblems(v.problems)}`,
    );
  }
  return v.config;
}

export async function loadConfig(path: string | undefined): Promise<Config> {
  const { path: found, raw } = await readConfigFile(path);
  return parseConfig(raw, found);
}
