/** The config layer: what the functions read of the config at cold start, under /opt once Lambda extracts it. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stage } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Deployment } from '../functions/alerting/deployment.ts';
import type { Config } from '../functions/config/schema.ts';
import { CONFIG_IN_LAYER, DEPLOYMENT_IN_LAYER, RUNBOOKS_IN_LAYER } from '../functions/contract/workflow.ts';

export interface ConfigLayerFiles {
  /** The config as written (CONFIG_IN_LAYER). */
  config: string;
  /** Each target's runbookUrl by target name (RUNBOOKS_IN_LAYER). */
  runbooks: string;
  /** What the report and plan functions read (DEPLOYMENT_IN_LAYER). */
  deployment: string;
}

/**
 * The config layer's files: the config as written, and each target's runbook by target name (what the notifier
 * reads of the config, from the validated config: extra sentinels are targets of their own).
 */
export const configLayerFiles = (
  configInput: unknown,
  config: Config,
  deployment: Deployment,
): ConfigLayerFiles => {
  const runbooks = Object.fromEntries(
    config.targets.flatMap((t) => (t.runbookUrl ? [[t.name, t.runbookUrl]] : [])),
  );
  return {
    config: `${JSON.stringify(configInput, null, 2)}\n`,
    runbooks: `${JSON.stringify(runbooks, null, 2)}\n`,
    deployment: `${JSON.stringify(deployment)}\n`,
  };
};

/**
 * The config layer's files (under /opt once Lambda extracts it), in a directory of its own. It goes into the
 * cloud assembly's directory, named by the files' hash, so that a synth writes nothing elsewhere.
 */
export function configLayerDir(scope: Construct, files: ConfigLayerFiles): string {
  const hash = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
  const dir = join(Stage.of(scope)?.outdir ?? tmpdir(), `download-doctor-config.${hash}`);
  const named = {
    [CONFIG_IN_LAYER]: files.config,
    [RUNBOOKS_IN_LAYER]: files.runbooks,
    [DEPLOYMENT_IN_LAYER]: files.deployment,
  };
  for (const [name, text] of Object.entries(named)) {
    const file = join(dir, name);
    if (existsSync(file)) continue;
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
  return dir;
}
