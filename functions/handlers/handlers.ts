/**
 * The handlers behind the workflow's Task states, one per check layer plus diagnose. They are thin: parse the
 * event, run the check or the rules, return the result. The same functions run on Lambda and in the local engine.
 */
// A namespace import, not { z }: bundlers then keep only the parts of zod in use (a fifth of it, and its load time).
import * as z from 'zod';
import { type CheckDeps, runCheck } from '../checks.ts';
import { crashedResult } from '../core/assess.ts';
import { type Config, findTarget } from '../core/config.ts';
import { diagnose } from '../core/diagnose.ts';
import { InvalidEventError, WireFormatError } from '../core/errors.ts';
import { type LAYERS, SCHEMA_VERSION } from '../core/names.ts';
import {
  caughtCheckSchema,
  checkResultSchema,
  parseWire,
  reportSchema,
  wireProblems,
} from '../core/report.ts';
import { type Datum, metricData } from '../core/telemetry.ts';
import type { CheckResult, Report, StageResults } from '../core/types.ts';
import type { HandlerName } from '../core/workflow.ts';

const checkEvent = z.object({ target: z.string().min(1) });

/** Reads a handler's event with the wire contract's parse; a bad one names every bad field. */
function parseEvent<S extends z.ZodType>(schema: S, event: unknown, handler: HandlerName): z.output<S> {
  try {
    return parseWire(schema, event, `the ${handler} event`);
  } catch (err) {
    if (err instanceof WireFormatError) throw new InvalidEventError(err.what, err.problems);
    throw err;
  }
}

/**
 * The diagnose event: the target and each stage's two results. A result is a CheckResult, or what the
 * workflow's Catch put in its place when a check crashed (`{ layer, ok: false, kind: 'check-error', error }`),
 * which becomes a full check-error result here.
 */
const diagnoseEvent = checkEvent.extend({
  stage1: z.tuple([z.unknown(), z.unknown()]),
  stage2: z.tuple([z.unknown(), z.unknown()]).optional(),
});

function stageResults(e: z.infer<typeof diagnoseEvent>, now: Date): StageResults {
  const problems: string[] = [];
  const read = (value: unknown, path: [string, number]): CheckResult | undefined => {
    const caught = caughtCheckSchema.safeParse(value);
    if (caught.success) {
      const { error } = caught.data;
      const cause = [error.Error, error.Cause].filter(Boolean).join(': ') || 'no result';
      return crashedResult(caught.data.layer, e.target, cause.slice(0, 500), now.toISOString());
    }
    const out = wireProblems(checkResultSchema, value, path);
    if (out.ok) return out.data;
    problems.push(...out.problems);
    return undefined;
  };
  const [a, b] = [read(e.stage1[0], ['stage1', 0]), read(e.stage1[1], ['stage1', 1])];
  const [c, d] = e.stage2 ? [read(e.stage2[0], ['stage2', 0]), read(e.stage2[1], ['stage2', 1])] : [];
  if (problems.length || !a || !b) throw new InvalidEventError('the diagnose event', problems);
  return { stage1: [a, b], ...(c && d ? { stage2: [c, d] as [CheckResult, CheckResult] } : {}) };
}

export type Handler = (event: unknown) => Promise<unknown>;

/**
 * Where a run's telemetry goes: metrics (CloudWatch), the latest report (for the notifier, on AWS), and the
 * heartbeat, pinged once both are written (it never throws: it says what happened, and that is logged).
 */
export interface Telemetry {
  publish?: (data: Datum[]) => Promise<void>;
  store?: (report: Report) => Promise<void>;
  heartbeat?: () => Promise<string>;
}

export function makeHandlers(
  deps: CheckDeps & { config: Config; telemetry?: Telemetry },
): Record<HandlerName, Handler> {
  const check = (layer: (typeof LAYERS)[number]) => async (event: unknown) => {
    const { target } = parseEvent(checkEvent, event, layer);
    return runCheck(layer, findTarget(deps.config, target), deps);
  };
  return {
    'end-to-end': check('end-to-end'),
    app: check('app'),
    storage: check('storage'),
    proxy: check('proxy'),
    diagnose: async (event: unknown): Promise<Report> => {
      const e = parseEvent(diagnoseEvent, event, 'diagnose');
      const stages = stageResults(e, deps.now?.() ?? new Date());
      return {
        schemaVersion: SCHEMA_VERSION,
        target: e.target,
        verdict: diagnose(stages),
        results: [...stages.stage1, ...(stages.stage2 ?? [])],
      };
    },
    report: async (event: unknown): Promise<Report> => {
      const report = parseEvent(reportSchema, event, 'report');
      const at = deps.now?.() ?? new Date();
      await Promise.all([deps.telemetry?.publish?.(metricData(report, at)), deps.telemetry?.store?.(report)]);
      const beat = await deps.telemetry?.heartbeat?.();
      if (beat) console.log(JSON.stringify({ heartbeat: beat }));
      return report;
    },
  };
}
