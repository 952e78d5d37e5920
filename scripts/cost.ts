/**
 * Monthly cost of one target: `npm run cost`. Every per-run charge (Step Functions, Lambda, CloudWatch Logs,
 * PutMetricData, the report's S3 PUTs, X-Ray, the Scheduler) and every fixed one (alarms, custom metrics, the
 * KMS key, the dashboard). What a run does is counted from the real definition, by running it on the local
 * engine (healthy: stage 1 only; flapped: stage 1 fails once and passes on its confirmation; failing: stage 1,
 * its confirmation and stage 2): its transitions, its invocations, the metrics and the log bytes its handlers and
 * the workflow write. A change of the workflow follows.
 * Prices: AWS list prices, us-east-1, as published in 2026. Free tiers are left out (they are per account).
 */
import { type EventLog, runLocally } from '../cli/local-engine.ts';
import { metricData } from '../functions/alerting/metrics.ts';
import { TARGET_ALARMS } from '../functions/alerting/rules.ts';
import type { FailureKind } from '../functions/contract/names.ts';
import type { Report } from '../functions/contract/types.ts';
import type { HandlerName } from '../functions/contract/workflow.ts';
import { HANDLER_NAMES, TASK_STATES } from '../functions/contract/workflow.ts';
import type { Handler } from '../functions/handlers/handlers.ts';
import { makeHandlers } from '../functions/handlers/handlers.ts';

export const PRICES = {
  standardPerTransition: 0.025 / 1000,
  expressPerRequest: 1.0 / 1_000_000,
  /** Express duration, per GB-second; memory is billed in 64 MB steps, 64 MB at least. */
  expressPerGbSecond: 0.00001667,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** Lambda on arm64, per GB-second. */
  lambdaArmPerGbSecond: 0.0000133334,
  logsPerGbIngested: 0.5,
  putMetricDataPerRequest: 0.01 / 1000,
  s3PutPerRequest: 0.005 / 1000,
  xrayPerTraceRecorded: 5 / 1_000_000,
  schedulerPerInvocation: 1 / 1_000_000,
  alarmPerMonth: 0.1,
  customMetricPerMonth: 0.3,
  kmsKeyPerMonth: 1,
  dashboardPerMonth: 3,
  syntheticsPerCanaryRun: 0.0012,
} as const;

/** What a run costs in resources, besides what is counted from the definition (stated in docs/cost.md). */
export const ASSUMPTIONS = {
  /**
   * Express run duration, seconds: healthy (stage 1), flapped (stage 1, then its confirmation, which waits the
   * default confirmDelayMs of 2 s), failing (stage 1, its confirmation, stage 2).
   */
  runSeconds: { healthy: 1, flapped: 3.5, failing: 4.5 },
  /** The confirmation's wait inside the check function (the default confirmDelayMs): billed Lambda time. */
  confirmWaitSeconds: 2,
  /** Billed Lambda seconds per invocation: a check (256 MB), and diagnose or report (128 MB). */
  checkSeconds: 0.3,
  diagnoseSeconds: 0.05,
  checkGb: 0.25,
  diagnoseGb: 0.125,
  expressGb: 0.0625,
  /** Lambda's own lines per invocation (START, END, REPORT, and the X-Ray trace line), in bytes. */
  platformLogBytesPerInvocation: 450,
  /** Objects the report function writes per run: the JSON report and its HTML page. */
  s3PutsPerRun: 2,
  /** One trace per run (Step Functions and its Lambda segments); one scheduler invocation per run. */
  tracesPerRun: 1,
};

/** The runs priced: healthy; flapped (end to end fails once, then passes on the confirmation); failing. */
export type RunState = 'healthy' | 'flapped' | 'failing';
export const RUN_STATES: readonly RunState[] = ['healthy', 'flapped', 'failing'];

export interface RunShape {
  transitions: number;
  checkInvocations: number;
  /** Of the check invocations, the confirmation's (each waits confirmWaitSeconds before it checks). */
  confirmInvocations: number;
  diagnoseInvocations: number;
  /** What the handlers logged, in bytes (Lambda's own lines are added per invocation). */
  handlerLogBytes: number;
  /** The workflow's event log with payloads: what level ALL with execution data writes, in bytes. */
  workflowLogBytesAll: number;
  /** Custom metric data published, and the distinct metrics among them. */
  metricData: number;
  metrics: string[];
}

/** Counts from an execution's event log: every state entered is a transition; Task states invoke a Lambda. */
export function shapeOf(events: readonly EventLog[], report: Report, handlerLogBytes: number): RunShape {
  const entered = events
    .filter((e) => e.type === 'StateEntered')
    .map((e) => (e as { state: { name: string } }).state.name);
  const tasks = entered.filter((n): n is keyof typeof TASK_STATES => n in TASK_STATES);
  const isCheck = (n: keyof typeof TASK_STATES) =>
    TASK_STATES[n] !== 'diagnose' && TASK_STATES[n] !== 'report';
  const data = metricData(report, new Date());
  return {
    transitions: entered.length,
    checkInvocations: tasks.filter(isCheck).length,
    // The confirmation's states are the stage-1 checks' names followed by " again" (functions/contract/workflow.ts).
    confirmInvocations: tasks.filter((n) => n.endsWith(' again')).length,
    // Diagnose and report: small functions (128 MB), counted apart.
    diagnoseInvocations: tasks.filter((n) => !isCheck(n)).length,
    handlerLogBytes,
    workflowLogBytesAll: events.reduce((n, e) => n + JSON.stringify(e).length, 0),
    metricData: data.length,
    metrics: data.map((d) => `${d.MetricName} ${d.Dimensions.map((x) => x.Value).join('/')}`),
  };
}

/**
 * Runs the real definition with canned check results (every HTTPS check with its certificate): healthy; end to
 * end failing once (its confirmation passes); end to end failing every time (the confirmation, then stage 2).
 */
export async function measureShapes(): Promise<Record<RunState, RunShape>> {
  const result = (layer: string, ok: boolean) => ({
    layer,
    ok,
    slow: false,
    ...(ok ? {} : { kind: 'status' as FailureKind }),
    message: ok ? 'fine' : '[STATUS] 502, expected 200',
    target: `https://www.example.com/${layer}/`,
    expected: { status: 200, bytes: 25, sha256: 'a'.repeat(64) },
    observed: { status: ok ? 200 : 502, bytes: 25, sha256: 'a'.repeat(64) },
    conditions: [
      { subject: '[STATUS]', kind: 'status', pass: ok, expected: '200', observed: ok ? '200' : '502' },
    ],
    timings: { dnsMs: 1, connectMs: 2, tlsMs: 5, firstByteMs: 20, transferMs: 1, totalMs: 30 },
    ...(layer === 'storage' ? {} : { tls: { notAfter: '2027-01-01T00:00:00.000Z', daysLeft: 60 } }),
    startedAt: '2026-11-24T00:00:00.000Z',
  });
  let logged = 0;
  const counting =
    (handler: Handler): Handler =>
    async (event) => {
      const log = console.log;
      console.log = (...args: unknown[]) => {
        logged += `${args.join(' ')}\n`.length;
      };
      try {
        return await handler(event);
      } finally {
        console.log = log;
      }
    };
  const { diagnose, report } = makeHandlers({
    config: { targets: [] } as never,
    probes: {} as never,
    secrets: async () => '',
    telemetry: { publish: async () => {}, store: async () => {}, heartbeat: async () => 'heartbeat sent' },
  });
  /** End to end passes from its `passFrom`-th call on (1: always; 2: on the confirmation; never: Infinity). */
  const handlers = (passFrom: number): Record<HandlerName, Handler> => {
    let calls = 0;
    return {
      'end-to-end': async () => result('end-to-end', ++calls >= passFrom),
      app: async () => result('app', true),
      storage: async () => result('storage', true),
      proxy: async () => result('proxy', true),
      diagnose: counting(diagnose),
      report: counting(report),
    };
  };
  const shape = async (passFrom: number) => {
    logged = 0;
    const run = await runLocally({ target: 't' }, handlers(passFrom));
    return shapeOf(run.events, run.report, logged);
  };
  return { healthy: await shape(1), flapped: await shape(2), failing: await shape(Number.POSITIVE_INFINITY) };
}

export type Workflow = 'standard' | 'express';
export type Logging = 'errors' | 'all';

export interface RunCost {
  workflow: number;
  lambda: number;
  logs: number;
  metrics: number;
  s3: number;
  xray: number;
  scheduler: number;
  total: number;
}

/** The cost of one run. */
export function perRunCost(
  type: Workflow,
  shape: RunShape,
  state: RunState,
  logging: Logging = 'errors',
): RunCost {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const workflow =
    type === 'standard'
      ? shape.transitions * p.standardPerTransition
      : p.expressPerRequest + a.runSeconds[state] * a.expressGb * p.expressPerGbSecond;
  const invocations = shape.checkInvocations + shape.diagnoseInvocations;
  const gbSeconds =
    shape.checkInvocations * a.checkSeconds * a.checkGb +
    shape.confirmInvocations * a.confirmWaitSeconds * a.checkGb +
    shape.diagnoseInvocations * a.diagnoseSeconds * a.diagnoseGb;
  const lambda = invocations * p.lambdaPerRequest + gbSeconds * p.lambdaArmPerGbSecond;
  // At level ERROR a run that completes logs nothing of the workflow: a failed check is a result, not an error.
  const logBytes =
    shape.handlerLogBytes +
    invocations * a.platformLogBytesPerInvocation +
    (logging === 'all' ? shape.workflowLogBytesAll : 0);
  const logs = (logBytes / 1e9) * p.logsPerGbIngested;
  const metrics = Math.ceil(shape.metricData / 1000) * p.putMetricDataPerRequest;
  const s3 = a.s3PutsPerRun * p.s3PutPerRequest;
  const xray = a.tracesPerRun * p.xrayPerTraceRecorded;
  const scheduler = p.schedulerPerInvocation;
  return {
    workflow,
    lambda,
    logs,
    metrics,
    s3,
    xray,
    scheduler,
    total: workflow + lambda + logs + metrics + s3 + xray + scheduler,
  };
}

/** What one target costs a month whatever its runs: its alarms, its custom metrics, and the instance's parts. */
export function fixedMonthlyCost(shapes: Record<RunState, RunShape>) {
  // Per target: its rules; the monitor (an instance's, shared by its targets): runs (3), each function's errors
  // (six Task functions and the notifier), the paging path (5).
  const alarms = TARGET_ALARMS.length + 3 + HANDLER_NAMES.length + 1 + 5;
  const metrics = new Set(RUN_STATES.flatMap((state) => shapes[state].metrics)).size;
  const p = PRICES;
  return {
    alarms,
    metrics,
    cost: {
      alarms: alarms * p.alarmPerMonth,
      metrics: metrics * p.customMetricPerMonth,
      kmsKey: p.kmsKeyPerMonth,
      dashboard: p.dashboardPerMonth,
    },
  };
}

export const RUNS_PER_MONTH = { '1 min': 30 * 24 * 60, '5 min': 30 * 24 * 12 } as const;

if (import.meta.url === `file://${process.argv[1]}`) {
  const shapes = await measureShapes();
  const usd = (n: number) => `$${n < 0.01 ? n.toPrecision(2) : n.toFixed(2)}`;
  const micro = (n: number) => `$${(n * 1e6).toFixed(2)}/M`;
  for (const state of RUN_STATES) {
    const s = shapes[state];
    console.log(
      `${state} run, counted from the definition: ${s.transitions} transitions, ` +
        `${s.checkInvocations + s.diagnoseInvocations} Lambda invocations (${s.confirmInvocations} confirming), ${s.metricData} metric data, ` +
        `${s.handlerLogBytes} bytes logged by the handlers, ${s.workflowLogBytesAll} bytes of workflow events with payloads`,
    );
  }
  console.log('\nPer run (Express, logs at level ERROR, the default), by charge:');
  for (const state of RUN_STATES) {
    const c = perRunCost('express', shapes[state], state);
    console.log(
      `  ${state}: ${micro(c.total)} = workflow ${micro(c.workflow)} + Lambda ${micro(c.lambda)} + logs ${micro(c.logs)} + ` +
        `PutMetricData ${micro(c.metrics)} + S3 PUT ${micro(c.s3)} + X-Ray ${micro(c.xray)} + Scheduler ${micro(c.scheduler)}`,
    );
  }
  const fixed = fixedMonthlyCost(shapes);
  const fixedTotal = Object.values(fixed.cost).reduce((a, b) => a + b, 0);
  console.log(
    `\nFixed, a month: ${fixed.alarms} alarms ${usd(fixed.cost.alarms)}, ${fixed.metrics} custom metrics ` +
      `${usd(fixed.cost.metrics)}, KMS key ${usd(fixed.cost.kmsKey)}, dashboard ${usd(fixed.cost.dashboard)}: ${usd(fixedTotal)}\n`,
  );
  console.log(
    '| schedule | runs/month | state | Express, logs ERROR (default) | Express, logs ALL | Standard, logs ERROR | CloudWatch Synthetics canary |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [every, runs] of Object.entries(RUNS_PER_MONTH)) {
    for (const state of RUN_STATES) {
      const month = (t: Workflow, l: Logging) => runs * perRunCost(t, shapes[state], state, l).total;
      console.log(
        `| every ${every} | ${runs} | ${state} | ${usd(month('express', 'errors'))} | ${usd(month('express', 'all'))} | ` +
          `${usd(month('standard', 'errors'))} | ${usd(runs * PRICES.syntheticsPerCanaryRun)} + its Lambda |`,
      );
    }
  }
  const ratio = (state: RunState) =>
    perRunCost('express', shapes[state], state).total / perRunCost('standard', shapes[state], state).total;
  console.log(
    `\nExpress costs ${(100 * ratio('healthy')).toFixed(0)}% (healthy) to ${(100 * ratio('failing')).toFixed(0)}% (failing) of Standard, per run.`,
  );
  console.log(
    `plus the fixed ${usd(fixedTotal)} a month (one target; the monitor's alarms, key and dashboard are shared by an instance's targets)`,
  );
}
