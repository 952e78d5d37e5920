/**
 * Monthly cost of one target: `npm run cost`. The transitions and Lambda invocations per run are counted from
 * the real definition, by running it on the local engine (healthy: stage 1 only; failing: both stages).
 * Prices: AWS list prices, us-east-1, as published in 2026. Free tiers are left out (they are per account).
 */
import { type EventLog, runLocally } from '../cli/local-engine.ts';
import type { HandlerName } from '../functions/core/workflow.ts';
import { TASK_STATES } from '../functions/core/workflow.ts';
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
  syntheticsPerCanaryRun: 0.0012,
} as const;

/** What a run costs in resources, besides its transitions and invocations (assumptions, stated in the README). */
export const ASSUMPTIONS = {
  /**
   * Express run duration, seconds: healthy (stage 1), flapped (stage 1, the default 2 s confirmation delay and
   * one check again) and failing (stage 1, the confirmation, stage 2).
   */
  runSeconds: { healthy: 1, flapped: 3.5, failing: 4 },
  /** The confirmation's wait is spent in the check function: billed Lambda seconds, per check run again. */
  confirmDelaySeconds: 2,
  /** Billed Lambda seconds per invocation: a check (256 MB), and diagnose or report (128 MB). */
  checkSeconds: 0.3,
  diagnoseSeconds: 0.05,
  checkGb: 0.25,
  diagnoseGb: 0.125,
  expressGb: 0.0625,
  /**
   * CloudWatch Logs written per run by the workflow (level ALL) and the functions, in GB: about 3.3 KB per
   * transition (healthy 6, flapped 12, failing 15).
   */
  logGbPerRun: { healthy: 20e-6, flapped: 40e-6, failing: 50e-6 },
};

export interface RunShape {
  transitions: number;
  checkInvocations: number;
  /** Of the check invocations, those of the confirmation (each waits confirmDelayMs first). */
  confirmInvocations: number;
  diagnoseInvocations: number;
}

/** Counts from an execution's event log: every state entered is a transition; Task states invoke a Lambda. */
export function shapeOf(events: readonly EventLog[]): RunShape {
  const entered = events
    .filter((e) => e.type === 'StateEntered')
    .map((e) => (e as { state: { name: string } }).state.name);
  const tasks = entered.filter((n): n is keyof typeof TASK_STATES => n in TASK_STATES);
  const isCheck = (n: keyof typeof TASK_STATES) =>
    TASK_STATES[n] !== 'diagnose' && TASK_STATES[n] !== 'report';
  return {
    transitions: entered.length,
    checkInvocations: tasks.filter(isCheck).length,
    confirmInvocations: tasks.filter((n) => n.endsWith(' again')).length,
    // Diagnose and report: small functions (128 MB), counted apart.
    diagnoseInvocations: tasks.filter((n) => !isCheck(n)).length,
  };
}

/** The runs priced: healthy; flapped (end to end fails once, then passes on the confirmation); failing. */
export type RunState = 'healthy' | 'flapped' | 'failing';

/**
 * Runs the real definition with canned check results: healthy; end to end failing once (the confirmation runs
 * it again, and it passes); and end to end failing every time (the confirmation, then stage 2).
 */
export async function measureShapes(): Promise<Record<RunState, RunShape>> {
  const result = (layer: string, ok: boolean) => ({
    layer,
    ok,
    slow: false,
    ...(ok ? {} : { kind: 'status' }),
    message: '',
    target: '',
    expected: {},
    observed: {},
    timings: { totalMs: 1 },
    startedAt: '',
  });
  const { diagnose, report } = makeHandlers({
    config: { targets: [] } as never,
    probes: {} as never,
    secrets: async () => '',
  });
  /** End to end passes from its `passFrom`-th call on (1: always; 2: on the confirmation; never: Infinity). */
  const handlers = (passFrom: number): Record<HandlerName, Handler> => {
    let calls = 0;
    return {
      'end-to-end': async () => result('end-to-end', ++calls >= passFrom),
      app: async () => result('app', true),
      storage: async () => result('storage', true),
      proxy: async () => result('proxy', true),
      diagnose,
      report,
    };
  };
  const shape = async (passFrom: number) =>
    shapeOf((await runLocally({ target: 't' }, handlers(passFrom))).events);
  return { healthy: await shape(1), flapped: await shape(2), failing: await shape(Number.POSITIVE_INFINITY) };
}

export interface MonthlyCost {
  workflow: number;
  lambda: number;
  logs: number;
  total: number;
}

export function monthlyCost(
  type: 'standard' | 'express',
  shape: RunShape,
  runs: number,
  state: RunState,
): MonthlyCost {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const workflow =
    type === 'standard'
      ? runs * shape.transitions * p.standardPerTransition
      : runs * (p.expressPerRequest + a.runSeconds[state] * a.expressGb * p.expressPerGbSecond);
  const invocations = shape.checkInvocations + shape.diagnoseInvocations;
  const gbSeconds =
    shape.checkInvocations * a.checkSeconds * a.checkGb +
    shape.confirmInvocations * a.confirmDelaySeconds * a.checkGb +
    shape.diagnoseInvocations * a.diagnoseSeconds * a.diagnoseGb;
  const lambda = runs * (invocations * p.lambdaPerRequest + gbSeconds * p.lambdaArmPerGbSecond);
  const logs = runs * a.logGbPerRun[state] * p.logsPerGbIngested;
  return { workflow, lambda, logs, total: workflow + lambda + logs };
}

export const RUNS_PER_MONTH = { '1 min': 30 * 24 * 60, '5 min': 30 * 24 * 12 } as const;

if (import.meta.url === `file://${process.argv[1]}`) {
  const shapes = await measureShapes();
  const usd = (n: number) => `$${n < 0.1 ? n.toFixed(3) : n.toFixed(2)}`;
  const states = ['healthy', 'flapped', 'failing'] as const;
  console.log(
    `per run, counted from the definition: ${states
      .map((s) => {
        const sh = shapes[s];
        return `${s} ${sh.transitions} transitions, ${sh.checkInvocations + sh.diagnoseInvocations} Lambda invocations`;
      })
      .join('; ')}\n`,
  );
  console.log('| schedule | runs/month | state | Standard | Express | CloudWatch Synthetics canary |');
  console.log('|---|---|---|---|---|---|');
  for (const [every, runs] of Object.entries(RUNS_PER_MONTH)) {
    for (const state of states) {
      const std = monthlyCost('standard', shapes[state], runs, state);
      const exp = monthlyCost('express', shapes[state], runs, state);
      console.log(
        `| every ${every} | ${runs} | ${state} | ${usd(std.total)} (workflow ${usd(std.workflow)}) | ${usd(exp.total)} (workflow ${usd(exp.workflow)}) | ${usd(runs * PRICES.syntheticsPerCanaryRun)} + its Lambda |`,
      );
    }
  }
}
