/**
 * What download-doctor costs on AWS: `npm run cost`. Per target-month (1- and 5-minute schedules; healthy, flapped,
 * failing), and the fixed cost of an instance, beside a CloudWatch Synthetics canary at the same schedule.
 *
 * Counted from the real definitions: a run's transitions, invocations and log bytes by running the workflow on the
 * local engine with the report function's AWS telemetry (its EMF line, its state item, whose size is the DynamoDB
 * write it costs); the instance's alarms, by synthesizing the construct (bench/scale-synth.ts). Every per-run
 * charge (Step Functions, Lambda, CloudWatch Logs, DynamoDB, X-Ray when on) and every fixed one (custom metrics per
 * target, alarms, the KMS key, the dashboard, the fleet's ticks: Express, the plan function, the Scheduler).
 * Prices: AWS list prices, us-east-1, as published in 2026. Free tiers are left out (they are per account).
 */
import { measureScale } from '../bench/scale-synth.ts';
import { type EventLog, runLocally } from '../cli/local-engine.ts';
import type { Deployment } from '../functions/alerting/deployment.ts';
import { seriesPerTarget } from '../functions/alerting/metrics.ts';
import { instanceNames } from '../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../functions/alerting/rules.ts';
import type { TargetState } from '../functions/alerting/target-state.ts';
import { DEFAULT_CONFIRM_DELAY_MS } from '../functions/config/schema.ts';
import type { FailureKind } from '../functions/contract/names.ts';
import type { HandlerName } from '../functions/contract/workflow.ts';
import { confirmWaitSecondsOf, TASK_STATES } from '../functions/contract/workflow.ts';
import { awsRecorder } from '../functions/handlers/aws-report.ts';
import type { Handler } from '../functions/handlers/handlers.ts';
import { makeHandlers } from '../functions/handlers/handlers.ts';
import type { TargetStore } from '../functions/probes/target-store.ts';
import { FIXED } from '../infra/props.ts';

export const PRICES = {
  standardPerTransition: 0.025 / 1000,
  expressPerRequest: 1.0 / 1_000_000,
  /** Express duration, per GB-second; memory is billed in 64 MB steps, 64 MB at least. */
  expressPerGbSecond: 0.00001667,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** Lambda on arm64, per GB-second. */
  lambdaArmPerGbSecond: 0.0000133334,
  logsPerGbIngested: 0.5,
  /** DynamoDB on demand: a write request unit (1 KB), a read request unit (4 KB, strongly consistent; half eventually). */
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  dynamoPerReadUnit: 0.125 / 1_000_000,
  s3PutPerRequest: 0.005 / 1000,
  xrayPerTraceRecorded: 5 / 1_000_000,
  schedulerPerInvocation: 1 / 1_000_000,
  alarmPerMonth: 0.1,
  /** A custom metric series (an EMF metric is one), per month, for the first 10,000 of an account. */
  customMetricPerMonth: 0.3,
  kmsKeyPerMonth: 1,
  dashboardPerMonth: 3,
  syntheticsPerCanaryRun: 0.0012,
} as const;

/** What a run costs in resources, besides what is counted from the definition (stated in docs/cost.md). */
export const ASSUMPTIONS = {
  /**
   * Express run duration, seconds: healthy (stage 1), flapped (stage 1, then its confirmation, after the Wait state's
   * default 2 s), failing (stage 1, its confirmation, stage 2).
   */
  runSeconds: { healthy: 1, flapped: 3.5, failing: 4.5 },
  /**
   * What of the default confirmDelayMs a confirming check function still waits, billed Lambda time: the part under
   * a whole second (a scheduled run's workflow waits the whole seconds in a Wait state, billed as Express time).
   */
  confirmLambdaWaitSeconds:
    (DEFAULT_CONFIRM_DELAY_MS - 1000 * confirmWaitSecondsOf(DEFAULT_CONFIRM_DELAY_MS)) / 1000,
  /** Billed Lambda seconds per invocation: a check (256 MB), diagnose (128 MB), report (128 MB: a read, a write). */
  checkSeconds: 0.3,
  diagnoseSeconds: 0.05,
  reportSeconds: 0.1,
  checkGb: 0.25,
  smallGb: 0.125,
  expressGb: 0.0625,
  /** Lambda's own lines per invocation in JSON (platform.start, platform.report...), in bytes. */
  platformLogBytesPerInvocation: 600,
  /** The plan's view of a target each tick: one item of a BatchGetItem, eventually consistent (half a unit). */
  planReadUnitsPerTarget: 0.5,
  /** A tick of the fleet: the plan (a batch read, 0.3 s at 128 MB), then the Map until the last start. */
  planSeconds: 0.3,
  tickOverheadSeconds: 1,
};

/** The runs priced: healthy; flapped (end to end fails once, then passes on the confirmation); failing. */
export type RunState = 'healthy' | 'flapped' | 'failing';
export const RUN_STATES: readonly RunState[] = ['healthy', 'flapped', 'failing'];

export interface RunShape {
  transitions: number;
  checkInvocations: number;
  /** Of the check invocations, the confirmation's (each waits confirmLambdaWaitSeconds before it checks). */
  confirmInvocations: number;
  diagnoseInvocations: number;
  reportInvocations: number;
  /** What the handlers logged and wrote (the report's EMF line), in bytes; Lambda's own lines are added apart. */
  handlerLogBytes: number;
  /** The workflow's event log with payloads: what level ALL with execution data writes, in bytes. */
  workflowLogBytesAll: number;
  /** The target's state item as written by this run (its DynamoDB write units: 1 KB each). */
  stateItemBytes: number;
  /** The run's report as JSON (with several locations, the home's entry in its slot's item). */
  reportBytes: number;
}

/** Counts from an execution's event log: every state entered is a transition; Task states invoke a Lambda. */
export function shapeOf(
  events: readonly EventLog[],
  handlerLogBytes: number,
  stateItemBytes: number,
  reportBytes = 0,
): RunShape {
  const entered = events
    .filter((e) => e.type === 'StateEntered')
    .map((e) => (e as { state: { name: string } }).state.name);
  const tasks = entered.filter((n): n is keyof typeof TASK_STATES => n in TASK_STATES);
  const handler = (n: keyof typeof TASK_STATES) => TASK_STATES[n];
  const isCheck = (n: keyof typeof TASK_STATES) => handler(n) !== 'diagnose' && handler(n) !== 'report';
  return {
    transitions: entered.length,
    checkInvocations: tasks.filter(isCheck).length,
    // The confirmation's states are the stage-1 checks' names followed by " again" (functions/contract/workflow.ts).
    confirmInvocations: tasks.filter((n) => n.endsWith(' again')).length,
    diagnoseInvocations: tasks.filter((n) => handler(n) === 'diagnose').length,
    reportInvocations: tasks.filter((n) => handler(n) === 'report').length,
    handlerLogBytes,
    workflowLogBytesAll: events.reduce((n, e) => n + JSON.stringify(e).length, 0),
    stateItemBytes,
    reportBytes,
  };
}

/** A table of one item, in memory: what the report function reads and writes, and how big the item is. */
function oneItemStore(): { store: TargetStore; bytes: () => number } {
  let state: TargetState | undefined;
  const store: TargetStore = {
    read: async () => state,
    write: async (_t, next) => {
      state = next;
    },
    readMany: async () => new Map(),
    putDay: async () => {},
    putIncident: async () => {},
  };
  // As target-store.ts writes it: keys, version, lastRunAt, and the state as JSON.
  const bytes = () => (state ? 60 + (state.lastRunAt?.length ?? 0) + JSON.stringify(state).length : 0);
  return { store, bytes };
}

/** A check's result as a run of www.example.com gets it (every HTTPS check with its certificate). */
export const cannedResult = (layer: string, ok: boolean) => ({
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

/**
 * Runs the real definition with canned check results (every HTTPS check with its certificate) and the report
 * function's AWS telemetry: healthy; end to end failing once (its confirmation passes); end to end failing every
 * time (the confirmation, then stage 2), each after a few runs in that state (the state item as it settles).
 */
export async function measureShapes(): Promise<Record<RunState, RunShape>> {
  let logged = 0;
  const count = (...args: unknown[]) => {
    logged += `${args.join(' ')}\n`.length;
  };
  const counting =
    (handler: Handler): Handler =>
    async (event) => {
      const log = console.log;
      console.log = count;
      try {
        return await handler(event);
      } finally {
        console.log = log;
      }
    };
  const deployment: Deployment = {
    targets: [{ name: 'www-example-com-production', periodMs: 300_000 }],
    rules: [...TARGET_ALARMS],
    metrics: 'summary',
    spreadMs: { '300000': 30_000 },
    graceMs: 330_000,
  };
  const shape = async (passFrom: number) => {
    const item = oneItemStore();
    let reportBytes = 0;
    const record = awsRecorder({
      deployment,
      names: instanceNames('DownloadDoctorHealthchecks'),
      store: item.store,
      storeReport: async () => {},
      publish: async () => {},
      emit: (line) => count(line),
    });
    const { diagnose, report } = makeHandlers({
      config: { targets: [] } as never,
      probes: {} as never,
      secrets: async () => '',
      telemetry: {
        record: (r, at) => {
          reportBytes = JSON.stringify(r).length;
          return record(r, at);
        },
      },
    });
    let last: { events: EventLog[]; bytes: number } | undefined;
    // A few runs in the state: the alarms' memory fills, an incident opens (what a month in that state keeps).
    for (let i = 0; i < 4; i++) {
      let calls = 0;
      const handlers: Record<HandlerName, Handler> = {
        'end-to-end': async () => cannedResult('end-to-end', ++calls >= passFrom),
        app: async () => cannedResult('app', true),
        storage: async () => cannedResult('storage', true),
        proxy: async () => cannedResult('proxy', true),
        diagnose: counting(diagnose),
        report: counting(report),
      };
      logged = 0;
      // A scheduled run's input, with its wait: its Wait state is entered (a transition); its seconds are priced by
      // ASSUMPTIONS.runSeconds, not waited here.
      const run = await runLocally({ target: 'www-example-com-production', confirmWaitSeconds: 0 }, handlers);
      last = { events: run.events, bytes: logged };
    }
    return shapeOf(last?.events ?? [], last?.bytes ?? 0, item.bytes(), reportBytes);
  };
  return { healthy: await shape(1), flapped: await shape(2), failing: await shape(Number.POSITIVE_INFINITY) };
}

export type Workflow = 'standard' | 'express';
export type Logging = 'errors' | 'all';

export interface RunCost {
  workflow: number;
  lambda: number;
  logs: number;
  dynamodb: number;
  xray: number;
  total: number;
}

/** The cost of one run of one target (its share of the fleet's tick is fixed: fixedMonthlyCost). */
export function perRunCost(
  type: Workflow,
  shape: RunShape,
  state: RunState,
  options: { logging?: Logging; tracing?: boolean } = {},
): RunCost {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const workflow =
    type === 'standard'
      ? shape.transitions * p.standardPerTransition
      : p.expressPerRequest + a.runSeconds[state] * a.expressGb * p.expressPerGbSecond;
  const invocations = shape.checkInvocations + shape.diagnoseInvocations + shape.reportInvocations;
  const gbSeconds =
    shape.checkInvocations * a.checkSeconds * a.checkGb +
    shape.confirmInvocations * a.confirmLambdaWaitSeconds * a.checkGb +
    shape.diagnoseInvocations * a.diagnoseSeconds * a.smallGb +
    shape.reportInvocations * a.reportSeconds * a.smallGb;
  const lambda = invocations * p.lambdaPerRequest + gbSeconds * p.lambdaArmPerGbSecond;
  // At level ERROR a run that completes logs nothing of the workflow: a failed check is a result, not an error.
  const logBytes =
    shape.handlerLogBytes +
    invocations * a.platformLogBytesPerInvocation +
    (options.logging === 'all' ? shape.workflowLogBytesAll : 0);
  const logs = (logBytes / 1e9) * p.logsPerGbIngested;
  // The report's strongly consistent read and its write of the state item; the plan's read of it at the tick.
  const dynamodb =
    Math.ceil(shape.stateItemBytes / 4096) * p.dynamoPerReadUnit +
    Math.ceil(shape.stateItemBytes / 1024) * p.dynamoPerWriteUnit +
    a.planReadUnitsPerTarget * p.dynamoPerReadUnit;
  const xray = options.tracing ? p.xrayPerTraceRecorded : 0;
  return { workflow, lambda, logs, dynamodb, xray, total: workflow + lambda + logs + dynamodb + xray };
}

/** The default spread of starts: a quarter of a second per target (infra/props.ts, FIXED.startsPerSecond). */
export const STARTS_PER_SECOND = FIXED.startsPerSecond;

/** What a target costs a month whatever its runs: its custom metric series. */
export const perTargetMonthly = (detail: 'summary' | 'full' = 'summary') =>
  seriesPerTarget(detail) * PRICES.customMetricPerMonth;

/**
 * A target's share of its interval's ticks: the default spread grows by 1 / STARTS_PER_SECOND seconds per target,
 * seconds the fleet's Express run waits, and bills, at each tick (one tick per run of the target).
 */
export const spreadShare = () => (1 / STARTS_PER_SECOND) * ASSUMPTIONS.expressGb * PRICES.expressPerGbSecond;

export const RUNS_PER_MONTH = { '1 min': 30 * 24 * 60, '5 min': 30 * 24 * 12 } as const;

/**
 * What an instance costs a month whatever its targets: its alarms (counted in the synthesized construct), the KMS
 * key, the dashboard, and for each interval its fleet ticks (the Express tick waits for the last start, `spread`
 * seconds; the plan function; the Scheduler).
 */
export function fixedMonthlyCost(
  alarms: number,
  ticksPerMonth: number,
  spreadSeconds = 1 / STARTS_PER_SECOND,
) {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const tick =
    p.expressPerRequest +
    (spreadSeconds + a.tickOverheadSeconds) * a.expressGb * p.expressPerGbSecond +
    p.lambdaPerRequest +
    a.planSeconds * a.smallGb * p.lambdaArmPerGbSecond +
    ((2 * a.platformLogBytesPerInvocation) / 1e9) * p.logsPerGbIngested +
    p.schedulerPerInvocation;
  const cost = {
    alarms: alarms * p.alarmPerMonth,
    kmsKey: p.kmsKeyPerMonth,
    dashboard: p.dashboardPerMonth,
    ticks: ticksPerMonth * tick,
  };
  return { alarms, cost, total: Object.values(cost).reduce((x, y) => x + y, 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shapes = await measureShapes();
  const scale = measureScale(1);
  scale.cleanup();
  const usd = (n: number) => `$${n < 0.01 ? n.toPrecision(2) : n.toFixed(2)}`;
  const micro = (n: number) => `$${(n * 1e6).toFixed(2)}/M`;
  for (const state of RUN_STATES) {
    const s = shapes[state];
    console.log(
      `${state} run, counted from the definition: ${s.transitions} transitions, ` +
        `${s.checkInvocations + s.diagnoseInvocations + s.reportInvocations} Lambda invocations (${s.confirmInvocations} confirming), ` +
        `${s.handlerLogBytes} bytes logged by the handlers (the EMF line included), a state item of ${s.stateItemBytes} bytes`,
    );
  }
  console.log('\nPer run (Express, logs at level ERROR, X-Ray off: the defaults), by charge:');
  for (const state of RUN_STATES) {
    const c = perRunCost('express', shapes[state], state);
    console.log(
      `  ${state}: ${micro(c.total)} = workflow ${micro(c.workflow)} + Lambda ${micro(c.lambda)} + logs ${micro(c.logs)} + ` +
        `DynamoDB ${micro(c.dynamodb)} (X-Ray, when on: + ${micro(PRICES.xrayPerTraceRecorded)})`,
    );
  }
  console.log(
    `\nPer target, a month, whatever its runs: ${seriesPerTarget('summary')} custom metric series (Healthy, Duration): ` +
      `${usd(perTargetMonthly())} (with detailedMetrics: ${seriesPerTarget('full')}, ${usd(perTargetMonthly('full'))})`,
  );
  console.log(
    '\n| schedule | runs/month | state | all in (default) | with X-Ray | logs ALL with payloads | Standard workflow | CloudWatch Synthetics canary |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [every, runs] of Object.entries(RUNS_PER_MONTH)) {
    for (const state of RUN_STATES) {
      const month = (t: Workflow, o: Parameters<typeof perRunCost>[3] = {}) =>
        perTargetMonthly() + runs * (perRunCost(t, shapes[state], state, o).total + spreadShare());
      console.log(
        `| every ${every} | ${runs} | ${state} | ${usd(month('express'))} | ${usd(month('express', { tracing: true }))} | ` +
          `${usd(month('express', { logging: 'all' }))} | ${usd(month('standard'))} | ${usd(runs * PRICES.syntheticsPerCanaryRun)} + its Lambda |`,
      );
    }
  }
  console.log(
    `\nA target's runs include its share of the fleet's ticks: the default spread of starts grows ${1 / STARTS_PER_SECOND} s a target ` +
      `(${micro(spreadShare())} a run).`,
  );
  console.log(
    `\nFixed, a month, per instance (${scale.alarms} alarms, counted in the synthesized construct):`,
  );
  console.log("| the instance's schedules | alarms | KMS key | dashboard | fleet ticks | total |");
  console.log('|---|---|---|---|---|---|');
  for (const [label, ticks] of [
    ['one interval, every 5 min', RUNS_PER_MONTH['5 min']],
    ['one interval, every 1 min', RUNS_PER_MONTH['1 min']],
    ['two intervals, 1 and 5 min', RUNS_PER_MONTH['1 min'] + RUNS_PER_MONTH['5 min']],
  ] as const) {
    const f = fixedMonthlyCost(scale.alarms, ticks);
    console.log(
      `| ${label} | ${usd(f.cost.alarms)} | ${usd(f.cost.kmsKey)} | ${usd(f.cost.dashboard)} | ${usd(f.cost.ticks)} | ${usd(f.total)} |`,
    );
  }
  console.log(
    `\nA startSpread set by hand: each second adds ${usd(RUNS_PER_MONTH['5 min'] * ASSUMPTIONS.expressGb * PRICES.expressPerGbSecond)} a month ` +
      `per 5-minute interval, ${usd(RUNS_PER_MONTH['1 min'] * ASSUMPTIONS.expressGb * PRICES.expressPerGbSecond)} per 1-minute one.`,
  );
}
