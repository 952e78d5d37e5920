/** The deployment file of the config layer (functions/alerting/deployment.ts), read once at cold start. */
import { readFileSync } from 'node:fs';
import { type Deployment, parseDeployment } from '../alerting/deployment.ts';
import { ConfigMissingError } from '../contract/errors.ts';

export function deploymentFromFile(path: string): Deployment {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigMissingError(
      `the deployment file cannot be read from ${path} (${(err as Error).message}): deploy with the DownloadHealthchecks construct`,
    );
  }
  return parseDeployment(raw, path);
}
