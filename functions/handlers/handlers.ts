/**
 * The handlers behind the workflow's Task states, one per check layer plus diagnose and report, by name: what the
 * local engine runs. They are thin: parse the event, run the check or the rules, return the result. Each lives in
 * its own module, so that a Lambda entry bundles only its own (the report function no config, no checks).
 */
import type { CheckDeps } from '../checks/run.ts';
import type { Config } from '../config/schema.ts';
import type { HandlerName } from '../contract/workflow.ts';
import { checkHandler } from './check.ts';
import { diagnoseHandler } from './diagnose.ts';
import type { Handler } from './events.ts';
import { reportHandler, type Telemetry } from './report.ts';

export type { Handler } from './events.ts';
export type { Telemetry } from './report.ts';

export function makeHandlers(
  deps: CheckDeps & {
    config: Config;
    telemetry?: Telemetry;
    /** How a confirmation waits. @default a timer */
    sleep?: (ms: number) => Promise<void>;
  },
): Record<HandlerName, Handler> {
  return {
    'end-to-end': checkHandler('end-to-end', deps),
    app: checkHandler('app', deps),
    storage: checkHandler('storage', deps),
    proxy: checkHandler('proxy', deps),
    diagnose: diagnoseHandler(deps),
    report: reportHandler(deps),
  };
}
