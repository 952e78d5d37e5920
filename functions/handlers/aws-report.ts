/**
 * The report function's telemetry on AWS: the run's metrics as EMF lines in its own log (no PutMetricData: no
 * request charge, no IAM grant), its alarms stepped in the instance's table (functions/alerting/target-state.ts,
 * settled by ./settle.ts), each transition sent to the alarm topic for the notifier, and the report stored in S3
 * only when its verdict or evidence changed.
 */

import { type Deployment, periodOf } from '../alerting/deployment.ts';
import { emfRecords } from '../alerting/metrics.ts';
import type { InstanceNames } from '../alerting/names.ts';
import { type StateStep, type StepContext, stepRun, type TargetState } from '../alerting/target-state.ts';
import { transitionMessage } from '../alerting/transition-message.ts';
import type { Report } from '../contract/types.ts';
import type { TargetStore } from '../probes/target-store.ts';
import type { Telemetry } from './report.ts';
import { settle } from './settle.ts';

export interface AwsReportDeps {
  deployment: Deployment;
  names: InstanceNames;
  store: TargetStore;
  /** Stores the report (JSON and its HTML page). */
  storeReport: (report: Report) => Promise<void>;
  /** Publishes one message to the alarm topic. */
  publish: (message: string) => Promise<void>;
  /** Writes one log line as it is (EMF must not be wrapped by Lambda's JSON log format). */
  emit: (line: string) => void;
}

/** The period a target not in the deployment (a hand-made execution) is counted with. */
const FALLBACK_PERIOD_MS = 300_000;

export function awsRecorder(deps: AwsReportDeps): NonNullable<Telemetry['record']> {
  return async (report, at) => {
    await recordStep(deps, report, at, (state, ctx) => stepRun(state, report, at, ctx));
  };
}

/**
 * A report recorded as a run of its target: its metrics (EMF), the target's state stepped by `step` (a run, or the
 * decision of a slot of several locations) and settled, the transitions sent, the report stored when it changed.
 * Answers the step settled: undefined when `step` found nothing to do (a slot decided already), `late` when it only
 * recorded late locations as heard from (not a run: no metrics).
 */
export async function recordStep(
  deps: AwsReportDeps,
  report: Report,
  at: Date,
  step: (state: TargetState, ctx: StepContext) => StateStep | undefined,
): Promise<StateStep | undefined> {
  const { deployment, names } = deps;
  const ctx: StepContext = {
    names,
    rules: deployment.rules,
    periodMs: periodOf(deployment, report.target) ?? FALLBACK_PERIOD_MS,
  };
  const settled = await settle(
    deps.store,
    report.target,
    at,
    (state) => step(state, ctx),
    (t) => deps.publish(transitionMessage(names.instance, t.transition, report, t.incidentSince)),
    async (s) => {
      if (s.store) await deps.storeReport(report);
    },
  );
  // Its metrics once it is stepped: a slot decided already (by another writer) publishes nothing twice, nor does a
  // late location's result recorded on it.
  if (settled.step && !settled.step.late)
    for (const record of emfRecords(report, at, names.namespace, deployment.metrics))
      deps.emit(JSON.stringify(record));
  for (const t of settled.step?.transitions ?? [])
    console.log(
      JSON.stringify({
        target: report.target,
        alarm: t.transition.alarmName,
        state: t.transition.state,
        ...(t.delivery.send ? { sent: settled.sent.includes(t) } : { held: t.delivery.reason }),
      }),
    );
  if (settled.failed.length)
    throw new Error(
      `${settled.failed.length} transition(s) of "${report.target}" could not be sent, and will be evaluated again: ` +
        settled.failed.map((f) => `${f.transition.transition.alarmName}: ${f.error}`).join('; '),
    );
  return settled.step;
}
