/** The handler of a check's Task state: the target by name from the config, then the check. */
// zod/mini, as the config schema (functions/config/schema.ts).
import * as z from 'zod/mini';
import { type CheckDeps, runCheck } from '../checks/run.ts';
import type { Config } from '../config/schema.ts';
import { findTarget } from '../config/targets.ts';
import type { Layer } from '../contract/names.ts';
import type { CheckResult } from '../contract/types.ts';
import { parseEvent, targetEvent } from './events.ts';

/**
 * A check's event; `confirm`: the confirmation of a stage-1 check, which first waits the target's confirmDelayMs,
 * less the `waitedSeconds` the workflow already waited (ExecutionInput's confirmWaitSeconds).
 */
const checkRunEvent = z.extend(targetEvent, {
  confirm: z.optional(z.boolean()),
  waitedSeconds: z.optional(z.number().check(z.nonnegative())),
});

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function checkHandler(
  layer: Layer,
  deps: CheckDeps & {
    config: Config;
    /** How a confirmation waits. @default a timer */
    sleep?: (ms: number) => Promise<void>;
  },
): (event: unknown) => Promise<CheckResult> {
  return async (event) => {
    const { target: name, confirm, waitedSeconds = 0 } = parseEvent(checkRunEvent, event, layer);
    const target = findTarget(deps.config, name);
    const rest = target.confirmDelayMs - waitedSeconds * 1000;
    if (confirm && rest > 0) await (deps.sleep ?? pause)(rest);
    return runCheck(layer, target, deps);
  };
}
