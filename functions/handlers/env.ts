/**
 * What a function reads of its deployment at cold start, apart from the config's schema: the environment the
 * construct sets, and where the config layer's files are. Small on purpose: the notifier imports it alone.
 */
import { basename, dirname, join } from 'node:path';
import { ConfigMissingError } from '../contract/errors.ts';
import { CONFIG_IN_LAYER, DEPLOYMENT_IN_LAYER, RUNBOOKS_IN_LAYER } from '../contract/workflow.ts';

/** A setting the construct gives a function as an environment variable; missing, it names the variable. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new ConfigMissingError(`${name} is not set: deploy with the DownloadHealthchecks construct`);
  return value;
}

/** The deployed config; DOWNLOAD_DOCTOR_CONFIG_FILE names another file (the bundle tests run them locally). */
export const configFilePath = (): string =>
  process.env.DOWNLOAD_DOCTOR_CONFIG_FILE || `/opt/${CONFIG_IN_LAYER}`;

/** The runbooks file of the config layer: in the config's directory (RUNBOOKS_IN_LAYER and CONFIG_IN_LAYER share it). */
export const runbooksFilePath = (): string => join(dirname(configFilePath()), basename(RUNBOOKS_IN_LAYER));

/** The deployment file of the config layer, beside the config. */
export const deploymentFilePath = (): string =>
  join(dirname(configFilePath()), basename(DEPLOYMENT_IN_LAYER));
