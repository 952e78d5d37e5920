/**
 * What every Lambda entry shares: the config, read once at cold start, and the probes that entry bundles.
 * The construct bakes the validated config into each bundle as DOWNLOAD_DOCTOR_CONFIG (esbuild `define`): no
 * size limit as with environment variables, and a config change is a new deployment.
 */
import { type Config, formatProblems, validateConfig } from '../core/config.ts';
import type { Probes } from '../core/probe.ts';
import type { HandlerName } from '../core/workflow.ts';
import type { SecretResolver } from '../probes/secrets.ts';
import { type Handler, makeHandlers, type Telemetry } from './handlers.ts';

export class ConfigMissingError extends Error {
  override name = 'ConfigMissingError';
}

export function configFromEnvironment(raw: string | undefined): Config {
  if (!raw)
    throw new ConfigMissingError(
      'DOWNLOAD_DOCTOR_CONFIG is not set: deploy with the DownloadHealthchecks construct',
    );
  const v = validateConfig(JSON.parse(raw));
  if (!v.ok)
    throw new ConfigMissingError(`DOWNLOAD_DOCTOR_CONFIG is invalid:\n${formatProblems(v.problems)}`);
  return v.config;
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
    config: configFromEnvironment(process.env.DOWNLOAD_DOCTOR_CONFIG),
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
