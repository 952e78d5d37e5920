/**
 * The names that tie the workflow definition (infra/workflow.ts) to the handlers: each Task state runs the
 * handler of the same name, on Lambda and in the local engine alike.
 */
import type { Layer } from './names.ts';

export type HandlerName = Layer | 'diagnose' | 'report';

export const TASK_STATES = {
  'End-to-end': 'end-to-end',
  App: 'app',
  Storage: 'storage',
  Proxy: 'proxy',
  Diagnose: 'diagnose',
  Report: 'report',
  // The confirmation of stage 1: the same functions, run once more (their event says `confirm: true`).
  'End-to-end again': 'end-to-end',
  'App again': 'app',
} as const satisfies Record<string, HandlerName>;
export type TaskState = keyof typeof TASK_STATES;

/** Every handler, once: one function each, whichever Task states run it. */
export const HANDLER_NAMES: readonly HandlerName[] = [...new Set(Object.values(TASK_STATES))];

/** The state names of the stages. */
export const STAGE_STATES = {
  stage1: 'Stage 1: end-to-end and app',
  confirm: 'Confirm stage 1: the failing checks again',
  stage2: 'Stage 2: storage and proxy',
} as const;

/** The states before the confirmation: the wait the execution's input gives, or none (the checks then wait). */
export const CONFIRM_WAIT_STATES = {
  given: 'Confirmation wait given?',
  wait: 'Wait before the confirmation',
  waited: 'Seconds waited before the confirmation',
  none: 'No confirmation wait given',
} as const;

/** Where the deployed config is, inside the construct's config layer (Lambda extracts layers under /opt). */
export const CONFIG_IN_LAYER = 'download-doctor/config.json';
/**
 * Beside it, each target's runbookUrl by target name, written by the construct from the validated config: the
 * notifier needs nothing else of the config, and so neither validates it nor loads its schema at cold start.
 */
export const RUNBOOKS_IN_LAYER = 'download-doctor/runbooks.json';
/**
 * Beside them, what the construct resolved for the report and plan functions (functions/alerting/deployment.ts):
 * each target's period, the alarm rules as deployed, the metrics' detail, the spread of starts.
 */
export const DEPLOYMENT_IN_LAYER = 'download-doctor/deployment.json';

/**
 * Execution input, on both engines: the target travels by name; the deployed config resolves it. `allLayers`:
 * a full run, stage 2 whatever stage 1 says. `confirmWaitSeconds`: how long the workflow waits before the
 * confirmation (a Wait state, which bills no Lambda time); the check functions wait the rest of the target's
 * confirmDelayMs, all of it when the input does not say (an execution started by hand).
 */
export interface ExecutionInput {
  target: string;
  allLayers?: boolean;
  confirmWaitSeconds?: number;
}

/** The whole seconds of a confirmDelayMs, which a Wait state can hold (the check functions wait the rest). */
export const confirmWaitSecondsOf = (confirmDelayMs: number) => Math.floor(confirmDelayMs / 1000);

/** The execution input of a scheduled or local run of a target: the whole seconds of its wait given. */
export const executionInput = (
  target: { name: string; confirmDelayMs?: number | undefined },
  allLayers = false,
): ExecutionInput => ({
  target: target.name,
  ...(allLayers ? { allLayers: true } : {}),
  confirmWaitSeconds: confirmWaitSecondsOf(target.confirmDelayMs ?? 0),
});
