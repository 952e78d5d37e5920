/** Runs a target through the workflow on the local engine, with the real probes. */
import type { Config, Target } from '../functions/core/config.ts';
import { makeHandlers, type Telemetry } from '../functions/handlers/handlers.ts';
import { type LocalRun, runLocally } from './local-engine.ts';
import { localProbes } from './local-probes.ts';

export function localHandlers(config: Config, env: NodeJS.ProcessEnv = process.env, telemetry?: Telemetry) {
  return makeHandlers({ config, ...localProbes(env), ...(telemetry ? { telemetry } : {}) });
}

export async function runTarget(config: Config, target: Target, telemetry?: Telemetry): Promise<LocalRun> {
  return runLocally({ target: target.name }, localHandlers(config, process.env, telemetry));
}
