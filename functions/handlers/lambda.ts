/**
 * What every Lambda entry shares: the config, read once at cold start, and the probes that entry bundles.
 * The bundles are prebuilt (they ship in the package); the construct gives the functions the config as written,
 * in a layer of its own (CONFIG_IN_LAYER): no size limit as with environment variables, no rebuild of the bundles,
 * and a config change is a new deployment.
 */
import { readFileSync } from 'node:fs';
import { type Config, formatProblems, validateConfig } from '../core/config.ts';
import { ConfigMissingError } from '../core/errors.ts';
import type { Probes } from '../core/probe.ts';
import { CONFIG_IN_LAYER, type HandlerName } from '../core/workflow.ts';
import type { SecretResolver } from '../probes/secrets.ts';
import { type Handler, makeHandlers, type Telemetry } from './handlers.ts';

/** The deployed config; DOWNLOAD_DOCTOR_CONFIG_FILE names another file (the bundle tests run them locally). */
export function configFromFile(
  path = process.env.DOWNLOAD_DOCTOR_CONFIG_FILE || `/opt/${CONFIG_IN_LAYER}`,
): Config {
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

/** A setting the construct gives a function as an environment variable; missing, it names the variable. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new ConfigMissingError(`${name} is not set: deploy with the DownloadHealthchecks construct`);
  return value;
}

const notBundled = (what: string) => () => {
  throw new Error(`the ${what} is not bundled in this function`);
};

/**
 * The handler of one Task state, built at cold start. Each entry passes only the probes it uses, so that a
 * bundle carries only its own SDKs (the storage function the S3 client, the HTTP checks undici).
 */
export function lambdaHandler(
  name: HandlerName,
  deps: { probes?: Partial<Probes>; secrets?: SecretResolver; telemetry?: Telemetry } = {},
): Handler {
  const handlers = makeHandlers({
    config: configFromFile(),
    probes: {
      http: deps.probes?.http ?? notBundled('HTTP probe'),
      storage: deps.probes?.storage ?? notBundled('storage probe'),
      presign: deps.probes?.presign ?? notBundled('presign probe'),
    },
    secrets: deps.secrets ?? notBundled('secret resolver'),
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
  });
  return handlers[name];
}
