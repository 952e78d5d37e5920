/**
 * The orchestration, defined once. The AWS stack deploys this chain; `download-doctor run` executes the ASL
 * rendered from it (infra/workflow.asl.json) with the local engine. There is no other definition.
 *
 *   Stage 1 (parallel): end-to-end, app
 *   healthy and fast? ── yes ─────────────────────────────────────────────────────────────► Diagnose ─► Report
 *                      └─ no ─► Wait (the input's confirmWaitSeconds) ─► Confirm (parallel): each failing check once more
 *                               healthy and fast? ── yes (it flapped) ───────────────────► Diagnose ─► Report
 *                                                  └─ no ─► Stage 2 (parallel): storage, proxy ─► Diagnose ─► Report
 *
 * A full run (`{"target": NAME, "allLayers": true}`, `run --all-layers`) goes on to stage 2 whatever stage 1 says
 * (straight from a healthy stage 1, after the confirmation from a failing one), so that the storage and proxy
 * checks' own settings are proven before an incident needs them.
 *
 * The confirmation waits the target's `confirmDelayMs` first. A scheduled or local run's input carries its whole
 * seconds (`confirmWaitSeconds`, from the plan, which reads the deployed config): a Wait state waits them, which
 * bills no Lambda time. The confirmation then runs the same check functions with `confirm: true` and the seconds
 * waited in their event; each waits what is left (all of it for an execution started by hand, whose input does not
 * say). A check that passed the first time is kept as it was (`{ kept: true }`).
 *
 * Report is the run's telemetry: locally its metrics (`run --publish`); on AWS its metrics as EMF lines, the target's
 * alarms stepped in the instance's table and their transitions sent to the notifier, and the report stored when it
 * changed. It has no Catch: when telemetry cannot be written the execution fails, and the monitor's own alarm says so.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { HandlerName } from '../functions/contract/workflow.ts';
import {
  CONFIRM_WAIT_STATES,
  STAGE_STATES,
  TASK_STATES,
  type TaskState,
} from '../functions/contract/workflow.ts';

/**
 * Only infrastructure errors are retried, with the names Lambda reports. A failed check is a result (ok: false),
 * so it is never retried; a crashed check is caught and becomes a `check-error` result for the verdict.
 */
export const RETRIED_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** The retry policy of every Task (full jitter: each delay is at most the nominal one). */
export const RETRY = { intervalSeconds: 1, maxAttempts: 2, backoffRate: 2 } as const;

/**
 * The longest a Task can take, every attempt timing out: the first attempt and each retry, plus the nominal
 * delays between them. The construct bounds a run with it (Express workflows stop at 5 minutes).
 */
export function worstTaskSeconds(lambdaTimeoutSeconds: number): number {
  let delays = 0;
  for (let i = 0; i < RETRY.maxAttempts; i++) delays += RETRY.intervalSeconds * RETRY.backoffRate ** i;
  return (RETRY.maxAttempts + 1) * lambdaTimeoutSeconds + delays;
}

/**
 * The longest a run can take: stage 1, the wait before its confirmation (the longest confirmWaitSeconds of the
 * instance's targets), the confirmation (one attempt: no infrastructure retry), stage 2 (each a parallel pair of
 * checks), then diagnose and report.
 */
export function worstRunSeconds(
  checkTimeoutSeconds: number,
  diagnoseTimeoutSeconds: number,
  confirmWaitSeconds: number,
): number {
  return (
    2 * worstTaskSeconds(checkTimeoutSeconds) +
    confirmWaitSeconds +
    checkTimeoutSeconds +
    2 * worstTaskSeconds(diagnoseTimeoutSeconds)
  );
}

function task(
  scope: Construct,
  state: TaskState,
  fns: Record<HandlerName, IFunction>,
  options: { payload?: sfn.TaskInput; retry?: boolean } = {},
): tasks.LambdaInvoke {
  const t = new tasks.LambdaInvoke(scope, state, {
    stateName: state,
    lambdaFunction: fns[TASK_STATES[state]],
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    ...(options.payload ? { payload: options.payload } : {}),
  });
  if (options.retry === false) return t;
  t.addRetry({
    errors: RETRIED_ERRORS,
    interval: Duration.seconds(RETRY.intervalSeconds),
    maxAttempts: RETRY.maxAttempts,
    backoffRate: RETRY.backoffRate,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return t;
}

/** A check task whose crash is caught and turned into a `check-error` result, so the verdict still comes. */
function check(
  scope: Construct,
  state: TaskState,
  fns: Record<HandlerName, IFunction>,
  options: Parameters<typeof task>[3] = {},
): sfn.IChainable {
  const crashed = new sfn.Pass(scope, `${state} crashed`, {
    stateName: `${state} crashed`,
    parameters: {
      layer: TASK_STATES[state],
      ok: false,
      slow: false,
      kind: 'check-error',
      'error.$': '$.error',
    },
  });
  return task(scope, state, fns, options).addCatch(crashed, {
    errors: ['States.ALL'],
    resultPath: '$.error',
  });
}

/** Both checks of a stage's results (at `path`) passed within their degraded thresholds. */
const stageHealthy = (path: string) =>
  sfn.Condition.and(
    ...[0, 1].flatMap((i) => [
      sfn.Condition.booleanEquals(`${path}[${i}].ok`, true),
      sfn.Condition.booleanEquals(`${path}[${i}].slow`, false),
    ]),
  );

/**
 * One branch of the confirmation: the stage-1 check at `index` runs again when it was not healthy, else is kept.
 * No infrastructure retry (the confirmation is itself a second attempt); a crash is caught, and diagnose then
 * keeps the first attempt.
 */
function confirmBranch(
  scope: Construct,
  index: 0 | 1,
  state: 'End-to-end again' | 'App again',
  fns: Record<HandlerName, IFunction>,
): sfn.IChainable {
  const layer = state.replace(' again', '');
  const kept = new sfn.Pass(scope, `${layer} kept`, {
    stateName: `${layer} kept`,
    result: sfn.Result.fromObject({ kept: true, ok: true, slow: false }),
  });
  const again = check(scope, state, fns, {
    retry: false,
    payload: sfn.TaskInput.fromObject({
      target: sfn.JsonPath.stringAt('$.target'),
      confirm: true,
      waitedSeconds: sfn.JsonPath.numberAt('$.waited.seconds'),
    }),
  });
  return new sfn.Choice(scope, `${layer} passed?`, { stateName: `${layer} passed?` })
    .when(
      sfn.Condition.and(
        sfn.Condition.booleanEquals(`$.stage1[${index}].ok`, true),
        sfn.Condition.booleanEquals(`$.stage1[${index}].slow`, false),
      ),
      kept,
    )
    .otherwise(again);
}

export function buildWorkflow(scope: Construct, fns: Record<HandlerName, IFunction>): sfn.IChainable {
  const stage1 = new sfn.Parallel(scope, STAGE_STATES.stage1, {
    stateName: STAGE_STATES.stage1,
    resultPath: '$.stage1',
  })
    .branch(check(scope, 'End-to-end', fns))
    .branch(check(scope, 'App', fns));
  const stage2 = new sfn.Parallel(scope, STAGE_STATES.stage2, {
    stateName: STAGE_STATES.stage2,
    resultPath: '$.stage2',
  })
    .branch(check(scope, 'Storage', fns))
    .branch(check(scope, 'Proxy', fns));
  const diagnose = task(scope, 'Diagnose', fns).next(task(scope, 'Report', fns));
  const confirm = new sfn.Parallel(scope, STAGE_STATES.confirm, {
    stateName: STAGE_STATES.confirm,
    resultPath: '$.confirmation',
  })
    .branch(confirmBranch(scope, 0, 'End-to-end again', fns))
    .branch(confirmBranch(scope, 1, 'App again', fns));

  // Not(IsPresent), rather than IsPresent false: the local engine reads the latter as always false.
  const partialRun = sfn.Condition.or(
    sfn.Condition.not(sfn.Condition.isPresent('$.allLayers')),
    sfn.Condition.booleanEquals('$.allLayers', false),
  );
  const toStage2 = stage2.next(diagnose);
  // The wait the input gives, before the confirmation, and what was waited (`$.waited.seconds`, the confirmation's
  // event); none given (a run started by hand): 0 waited, and the checks wait. (A Pass's Result of 0 would do for the
  // latter on AWS, but the local engine reads a falsy Result as none: an object works on both.)
  const wait = new sfn.Wait(scope, CONFIRM_WAIT_STATES.wait, {
    stateName: CONFIRM_WAIT_STATES.wait,
    time: sfn.WaitTime.secondsPath('$.confirmWaitSeconds'),
  });
  const waited = new sfn.Pass(scope, CONFIRM_WAIT_STATES.waited, {
    stateName: CONFIRM_WAIT_STATES.waited,
    parameters: { 'seconds.$': '$.confirmWaitSeconds' },
    resultPath: '$.waited',
  });
  const noWait = new sfn.Pass(scope, CONFIRM_WAIT_STATES.none, {
    stateName: CONFIRM_WAIT_STATES.none,
    result: sfn.Result.fromObject({ seconds: 0 }),
    resultPath: '$.waited',
  });
  const waitGiven = new sfn.Choice(scope, CONFIRM_WAIT_STATES.given, { stateName: CONFIRM_WAIT_STATES.given })
    .when(sfn.Condition.isPresent('$.confirmWaitSeconds'), wait.next(waited))
    .otherwise(noWait);
  // Stage 1 is healthy when both checks pass within their degraded thresholds; otherwise it is confirmed, and
  // diagnosed further when the confirmation is not healthy either. A full run always ends with stage 2.
  const confirmed = new sfn.Choice(scope, 'Confirmed healthy?', { stateName: 'Confirmed healthy?' })
    .when(sfn.Condition.and(partialRun, stageHealthy('$.confirmation')), diagnose)
    .otherwise(toStage2);
  const route = new sfn.Choice(scope, 'Stage 1 healthy?', { stateName: 'Stage 1 healthy?' })
    .when(sfn.Condition.and(partialRun, stageHealthy('$.stage1')), diagnose)
    .when(stageHealthy('$.stage1'), toStage2)
    .otherwise(waitGiven);
  waited.next(confirm);
  noWait.next(confirm);
  confirm.next(confirmed);
  return stage1.next(route);
}
