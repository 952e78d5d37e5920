/**
 * What the check, diagnose and self-test entries share: the config, read once at cold start, and the probes an entry
 * bundles.
 * The bundles are prebuilt (they ship in the package); the construct gives the functions the config as written,
 * in a layer of its own (CONFIG_IN_LAYER): no size limit as with environment variables, no rebuild of the bundles,
 * and a config change is a new deployment.
 */
import { readFileSync } from 'node:fs';
import type { Probes } from '../checks/probes.ts';
import type { CheckDeps } from '../checks/run.ts';
import type { SecretResolver } from '../checks/secrets.ts';
import type { Config } from '../config/schema.ts';
import { formatProblems, validateConfig } from '../config/validate.ts';
import { ConfigMissingError } from '../contract/errors.ts';
import { configFilePath } from './env.ts';

/** The deployed config, validated (the construct validated it too, at synth). */
export function configFromFile(path = configFilePath()): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigMissingError(
      `the config cannot be read from ${path} (${(err as Error).message}): deploy with the DownloadHealthchecks construct`,
    );
  }
  const v = validateConfig(raw);
  if (!v.ok) throw new ConfigMissingError(`the config in ${path} is invalid:\n${formatProblems(v.problems)}`);
  return v.config;
}

const notBundled = (what: string) => () => {
  throw new Error(`the ${what} is not bundled in this function`);
};

/**
 * What a check function runs with, built at cold start: the config, and the probes its entry bundles, so that a
 * bundle carries only its own SDKs (the storage function the S3 client, the HTTP checks undici).
 */
export function checkDeps(deps: {
  probes: Partial<Probes>;
  secrets?: SecretResolver;
}): CheckDeps & { config: Config } {
  return {
    config: configFromFile(),
    probes: {
      http: deps.probes.http ?? notBundled('HTTP probe'),
      storage: deps.probes.storage ?? notBundled('storage probe'),
      presign: deps.probes.presign ?? notBundled('presign probe'),
    },
    secrets: deps.secrets ?? notBundled('secret resolver'),
  };
}
