/** Runs a target through the workflow on the local engine, with the real probes. */
import type { Config, Target } from '../functions/config/schema.ts';
import { executionInput } from '../functions/contract/workflow.ts';
import { makeHandlers, type Telemetry } from '../functions/handlers/handlers.ts';
import { type LocalRun, runLocally } from './local-engine.ts';
import { localProbes } from './local-probes.ts';

export function localHandlers(config: Config, env: NodeJS.ProcessEnv = process.env, telemetry?: Telemetry) {
  return makeHandlers({ config, ...localProbes(env), ...(telemetry ? { telemetry } : {}) });
}

/** One run of a target; `allLayers`: a full run (stage 2 whatever stage 1 says). */
export async function runTarget(
  config: Config,
  target: Target,
  telemetry?: Telemetry,
  options: { allLayers?: boolean } = {},
): Promise<LocalRun> {
  // The workflow waits before the confirmation, as a scheduled run on AWS does (the same input).
  return runLocally(executionInput(target, options.allLayers), localHandlers(config, process.env, telemetry));
}
