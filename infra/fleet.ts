/**
 * The fleet on AWS: one EventBridge Scheduler schedule per distinct interval (not per target), each starting the
 * small fleet workflow with the interval and the tick's scheduled time. The fleet workflow is Express:
 *
 *   Plan (Lambda: the tick's targets, each with its start and whether it is a full run; no-data of silent ones)
 *   └─► Each target (inline Map, MaxConcurrency bounded): Wait until its start ─► Start its run (states:startExecution,
 *       fire and forget: the per-target workflow of infra/workflow.ts, unchanged, as the CLI and a manual run start it)
 *
 * Why: a slow or timing-out target never delays another (each run is an execution of its own, with its own
 * 5-minute limit); every target keeps its place in its period; the template has the same resources for 1 or 1,000
 * targets; and a tick costs the same whatever the number of targets (Express bills an execution's duration, not
 * its branches).
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { RETRIED_ERRORS, RETRY } from './workflow.ts';

/** The fleet workflow's state names. */
export const FLEET_STATES = {
  plan: 'Plan',
  each: 'Each target',
  wait: 'Wait for its start',
  start: 'Start its run',
  notStarted: 'Not started',
} as const;

/** Errors of states:startExecution worth a retry: throttling and the service's own. */
export const START_RETRIED_ERRORS = ['StepFunctions.SdkClientException', 'StepFunctions.ThrottlingException'];

/**
 * A fleet chain: the plan, then each planned run at its start. A run that cannot be started is caught (its item ends
 * "Not started"), so that one failure does not stop the other targets' starts; the target's next tick starts it
 * again, and the plan's no-data step names it if it stays silent.
 */
function fleetChain(
  scope: Construct,
  plan: IFunction,
  start: sfn.TaskStateBase,
  startRetried: string[],
  maxConcurrency: number,
): sfn.IChainable {
  const planTask = new tasks.LambdaInvoke(scope, FLEET_STATES.plan, {
    stateName: FLEET_STATES.plan,
    lambdaFunction: plan,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
  }).addRetry({
    errors: RETRIED_ERRORS,
    interval: Duration.seconds(RETRY.intervalSeconds),
    maxAttempts: RETRY.maxAttempts,
    backoffRate: RETRY.backoffRate,
    jitterStrategy: sfn.JitterType.FULL,
  });
  const wait = new sfn.Wait(scope, FLEET_STATES.wait, {
    stateName: FLEET_STATES.wait,
    time: sfn.WaitTime.timestampPath('$.startAt'),
  });
  const notStarted = new sfn.Pass(scope, FLEET_STATES.notStarted, {
    stateName: FLEET_STATES.notStarted,
    outputPath: sfn.JsonPath.DISCARD,
  });
  start
    .addRetry({
      errors: startRetried,
      interval: Duration.seconds(1),
      maxAttempts: 3,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    })
    .addCatch(notStarted, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  const each = new sfn.Map(scope, FLEET_STATES.each, {
    stateName: FLEET_STATES.each,
    itemsPath: '$.runs',
    maxConcurrency,
    resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(wait.next(start));
  return planTask.next(each);
}

/** The home's fleet: each planned run an execution of the per-target workflow. */
export function buildFleet(
  scope: Construct,
  plan: IFunction,
  workflow: sfn.IStateMachine,
  maxConcurrency: number,
): sfn.IChainable {
  const start = new tasks.StepFunctionsStartExecution(scope, FLEET_STATES.start, {
    stateName: FLEET_STATES.start,
    stateMachine: workflow,
    integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    input: sfn.TaskInput.fromObject({
      target: sfn.JsonPath.stringAt('$.target'),
      allLayers: sfn.JsonPath.stringAt('$.allLayers'),
      confirmWaitSeconds: sfn.JsonPath.numberAt('$.confirmWaitSeconds'),
    }),
    // Each item's output is nothing: a thousand results would only weigh on the Map's 256 KB.
    outputPath: sfn.JsonPath.DISCARD,
  });
  return fleetChain(scope, plan, start, START_RETRIED_ERRORS, maxConcurrency);
}

/**
 * A probe Region's fleet: the plan (the probe function, planning as the home's plan function does), then each
 * target, at its start, the probe function invoked asynchronously (fire and forget, as a run is started at the
 * home): its end-to-end check, written to the home's slots table.
 */
export function buildProbeFleet(scope: Construct, probe: IFunction, maxConcurrency: number): sfn.IChainable {
  const start = new tasks.LambdaInvoke(scope, FLEET_STATES.start, {
    stateName: FLEET_STATES.start,
    lambdaFunction: probe,
    invocationType: tasks.LambdaInvocationType.EVENT,
    payload: sfn.TaskInput.fromObject({
      target: sfn.JsonPath.stringAt('$.target'),
      startAt: sfn.JsonPath.stringAt('$.startAt'),
    }),
    retryOnServiceExceptions: false,
    outputPath: sfn.JsonPath.DISCARD,
  });
  return fleetChain(scope, probe, start, RETRIED_ERRORS, maxConcurrency);
}

/** An interval's short label: `5m`, `1h`, `90m`, `1d`. */
export function intervalLabel(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/**
 * Whether an interval ticks at the same instants wherever it is scheduled: it divides the hour or the day, so a cron
 * aligned to the clock expresses it. A rate ticks from when its schedule was created: two stacks (a home and a probe
 * Region) would tick minutes apart, and their runs of one slot could not be matched.
 */
export function isClockAligned(ms: number): boolean {
  const minutes = ms / 60_000;
  if (!Number.isInteger(minutes) || minutes < 1) return false;
  if (minutes < 60) return 60 % minutes === 0;
  const hours = minutes / 60;
  return Number.isInteger(hours) && hours <= 24 && 24 % hours === 0;
}

/**
 * The schedule of an interval: a cron aligned to the clock when the interval divides the hour or the day (every 5
 * minutes at :00, :05, ...), so that slots fall where people expect them; a rate otherwise.
 */
export function scheduleExpression(ms: number): scheduler.ScheduleExpression {
  const minutes = ms / 60_000;
  if (minutes === 1) return scheduler.ScheduleExpression.cron({ minute: '*' });
  if (minutes < 60 && 60 % minutes === 0)
    return scheduler.ScheduleExpression.cron({ minute: `0/${minutes}` });
  const hours = minutes / 60;
  if (hours === 1) return scheduler.ScheduleExpression.cron({ minute: '0' });
  if (Number.isInteger(hours) && hours < 24 && 24 % hours === 0)
    return scheduler.ScheduleExpression.cron({ minute: '0', hour: `0/${hours}` });
  if (hours === 24) return scheduler.ScheduleExpression.cron({ minute: '0', hour: '0' });
  return scheduler.ScheduleExpression.rate(Duration.minutes(minutes));
}

/** How many targets run at each interval (its milliseconds), for the schedules' descriptions. */
export function targetsPerInterval(intervals: Readonly<Record<string, Duration>>): (ms: number) => number {
  const counts = new Map<number, number>();
  for (const d of Object.values(intervals))
    counts.set(d.toMilliseconds(), (counts.get(d.toMilliseconds()) ?? 0) + 1);
  return (ms) => counts.get(ms) ?? 0;
}

/** One schedule per distinct interval, starting the fleet workflow with the interval and the tick's time. */
export function createIntervalSchedules(
  scope: Construct,
  fleet: sfn.IStateMachine,
  intervalsMs: readonly number[],
  scheduleName: (label: string) => string,
  description: (label: string, count: number) => string,
  countOf: (ms: number) => number,
): Record<string, scheduler.Schedule> {
  const schedules: Record<string, scheduler.Schedule> = {};
  for (const ms of intervalsMs) {
    const label = intervalLabel(ms);
    schedules[label] = new scheduler.Schedule(scope, `Schedule-every-${label}`, {
      scheduleName: scheduleName(`every-${label}`),
      description: description(label, countOf(ms)),
      schedule: scheduleExpression(ms),
      target: new targets.StepFunctionsStartExecution(fleet, {
        input: scheduler.ScheduleTargetInput.fromObject({
          periodMs: ms,
          tick: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 0, // the next tick comes soon enough; the no-data step names a target that stays silent
      }),
    });
  }
  return schedules;
}
