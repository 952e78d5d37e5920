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
import { InvalidEventError } from '../core/errors.ts';
import { LAYERS, SCHEMA_VERSION, STATUSES } from '../core/names.ts';
import { type Datum, metricData } from '../core/telemetry.ts';
import type { CheckResult, Report, StageResults } from '../core/types.ts';
import type { HandlerName } from '../core/workflow.ts';

const checkEvent = z.object({ target: z.string().min(1) });

/**
 * A stage result: a CheckResult, or what the workflow's Catch put in its place when a check crashed
 * (`{ layer, ok: false, kind: 'check-error', error: { Error, Cause } }`).
 */
const stageResult = z.looseObject({ layer: z.enum(LAYERS), ok: z.boolean() });
const diagnoseEvent = checkEvent.extend({
  stage1: z.tuple([stageResult, stageResult]),
  stage2: z.tuple([stageResult, stageResult]).optional(),
});

function parse<T>(schema: z.ZodType<T>, event: unknown): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEventError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

/** Turns what the workflow's Catch produced for a crashed check into a full CheckResult. */
function complete(r: z.infer<typeof stageResult>, target: string, now: Date): CheckResult {
  if (typeof r.message === 'string' && r.expected && r.observed && r.timings)
    return r as unknown as CheckResult;
  const error = r.error as { Error?: string; Cause?: string } | undefined;
  const cause = [error?.Error, error?.Cause].filter(Boolean).join(': ') || 'no result';
  return crashedResult(r.layer, target, cause.slice(0, 500), now.toISOString());
}

export type Handler = (event: unknown) => Promise<unknown>;

/** Where a run's telemetry goes: metrics (CloudWatch), and the latest report (for the notifier, on AWS). */
export interface Telemetry {
  publish?: (data: Datum[]) => Promise<void>;
  store?: (report: Report) => Promise<void>;
}

const reportEvent = z.looseObject({
  schemaVersion: z.number(),
  target: z.string().min(1),
  verdict: z.looseObject({ status: z.enum(STATUSES) }),
  results: z.array(stageResult),
});

export function makeHandlers(
  deps: CheckDeps & { config: Config; telemetry?: Telemetry },
): Record<HandlerName, Handler> {
  const check = (layer: (typeof LAYERS)[number]) => async (event: unknown) => {
    const { target } = parse(checkEvent, event);
    return runCheck(layer, findTarget(deps.config, target), deps);
  };
  return {
    'end-to-end': check('end-to-end'),
    app: check('app'),
    storage: check('storage'),
    proxy: check('proxy'),
    diagnose: async (event: unknown): Promise<Report> => {
      const e = parse(diagnoseEvent, event);
      const now = deps.now?.() ?? new Date();
      const stages: StageResults = {
        stage1: [complete(e.stage1[0], e.target, now), complete(e.stage1[1], e.target, now)],
      };
      if (e.stage2)
        stages.stage2 = [complete(e.stage2[0], e.target, now), complete(e.stage2[1], e.target, now)];
      return {
        schemaVersion: SCHEMA_VERSION,
        target: e.target,
        verdict: diagnose(stages),
        results: [...stages.stage1, ...(stages.stage2 ?? [])],
      };
    },
    report: async (event: unknown): Promise<Report> => {
      const report = parse(reportEvent, event) as unknown as Report;
      const at = deps.now?.() ?? new Date();
      await Promise.all([deps.telemetry?.publish?.(metricData(report, at)), deps.telemetry?.store?.(report)]);
      return report;
    },
  };
}
