/** Runs a target through the workflow on the local engine, with the real probes. */
import type { Config, Target } from '../functions/core/config.ts';
import type { CheckResult, Report } from '../functions/core/types.ts';
import { TASK_STATES } from '../functions/core/workflow.ts';
import { makeHandlers, type Telemetry } from '../functions/handlers/handlers.ts';
import { httpProbe } from '../functions/probes/http.ts';
import { envResolver } from '../functions/probes/secrets.ts';
import { presignProbe, storageProbe } from '../functions/probes/storage.ts';
import { type EventLog, runLocally } from './local-engine.ts';

export function localHandlers(config: Config, env: NodeJS.ProcessEnv = process.env, telemetry?: Telemetry) {
  return makeHandlers({
    config,
    probes: { http: httpProbe, storage: storageProbe, presign: presignProbe },
    secrets: envResolver(env),
    ...(telemetry ? { telemetry } : {}),
  });
}

const CHECK_STATES = new Set<string>(
  Object.entries(TASK_STATES)
    .filter(([, name]) => name !== 'diagnose' && name !== 'report')
    .flatMap(([state]) => [state, `${state} crashed`]),
);

/** Calls `onCheck` as each check's result comes out of the engine (for progress output). */
export async function runTarget(
  config: Config,
  target: Target,
  onCheck?: (result: CheckResult) => void,
  telemetry?: Telemetry,
): Promise<{ report: Report; events: EventLog[] }> {
  const onEvent = (e: EventLog) => {
    if (e.type === 'StateExited' && CHECK_STATES.has(e.state.name) && e.state.output) {
      const out = e.state.output as Partial<CheckResult>;
      if (typeof out.message === 'string') onCheck?.(out as CheckResult);
    }
  };
  return runLocally({ target: target.name }, localHandlers(config, process.env, telemetry), onEvent);
}
