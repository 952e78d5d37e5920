/**
 * The monitor's own settings, as a fault may get them wrong: they change what the checks are told (the config and
 * the environment they run with), never the stack. Pure: config and environment in, changed ones out.
 */
import type { ConfigInput } from '../functions/config/schema.ts';

export interface MonitorOptions {
  /** The end-to-end URL's port: one nothing listens on (a typo in the config). */
  readonly endToEndPortOverride?: number;
  /**
   * The storage check's settings point to where the sentinel is no longer (a renamed bucket, a moved directory):
   * the stack serves from the right place, the check reads the old one.
   */
  readonly staleStorageSettings?: boolean;
  /** `absent`: the monitor runs without AWS credentials (no variables, no credentials file, no instance role). */
  readonly credentials?: 'absent';
}

type TargetInput = ConfigInput['targets'][number];

/** The written targets as the monitor is told them. */
export function monitorConfig(config: ConfigInput, options: MonitorOptions): ConfigInput {
  return { ...config, targets: config.targets.map((t) => monitorTarget(t, options)) };
}

function monitorTarget(t: TargetInput, options: MonitorOptions): TargetInput {
  let out = t;
  if (options.endToEndPortOverride !== undefined) {
    const url = new URL(t.endToEnd.url);
    url.port = String(options.endToEndPortOverride);
    out = { ...out, endToEnd: { ...out.endToEnd, url: url.href } };
  }
  if (options.staleStorageSettings && out.storage) {
    const storage = out.storage;
    out = {
      ...out,
      storage:
        storage.type === 's3'
          ? { ...storage, bucket: `${storage.bucket}-old` }
          : { ...storage, path: storage.path.replace(/\/([^/]+)$/, '-old/$1') },
    };
  }
  return out;
}

/** The environment the checks run with: without credentials, none the SDK could find anywhere. */
export function monitorEnv(
  env: Readonly<Record<string, string>>,
  options: MonitorOptions,
  nowhere: string,
): Record<string, string> {
  if (options.credentials !== 'absent') return { ...env };
  const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, AWS_SESSION_TOKEN: _token, ...rest } = env;
  return {
    ...rest,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    AWS_CONFIG_FILE: nowhere,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Puts a sandbox's environment in place of the caller's AWS settings (every AWS_* variable), for the next runs. */
export function useEnv(env: Readonly<Record<string, string>>, target: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(target)) if (name.startsWith('AWS_')) delete target[name];
  Object.assign(target, env);
}
