/**
 * The handlers behind the workflow's Task states, one per check layer plus diagnose. They are thin: parse the
 * event, run the check or the rules, return the result. The same functions run on Lambda and in the local engine.
 */
// A namespace import, not { z }: bundlers then keep only the parts of zod in use (a fifth of it, and its load time).
import * as z from 'zod';
import { type CheckDeps, runCheck } from '../checks.ts';
import { crashedResult } from '../core/assess.ts';
import { type Config, findTarget } from '../core/config.ts';
import { type Again, confirmStage1, withConfirmation } from '../core/confirm.ts';
import { diagnose } from '../core/diagnose.ts';
import { InvalidEventError, WireFormatError } from '../core/errors.ts';
import { activeWindow } from '../core/maintenance.ts';
import { type LAYERS, SCHEMA_VERSION } from '../core/names.ts';
import {
  caughtCheckSchema,
  checkResultSchema,
  keptCheckSchema,
  parseWire,
  reportSchema,
  wireProblems,
} from '../core/report.ts';
import { type Datum, metricData } from '../core/telemetry.ts';
import type { CheckResult, Confirmation, Report, StageResults } from '../core/types.ts';
import type { HandlerName } from '../core/workflow.ts';

const checkEvent = z.object({ target: z.string().min(1) });
/** A check's event; `confirm`: the confirmation of a stage-1 check, which first waits the target's confirmDelayMs. */
const checkRunEvent = checkEvent.extend({ confirm: z.boolean().optional() });

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
 * which becomes a full check-error result here. `confirmation`, when stage 1 was checked again: per check, its
 * new result, a crash, or `{ kept: true }` for a check that passed the first time.
 */
const diagnoseEvent = checkEvent.extend({
  stage1: z.tuple([z.unknown(), z.unknown()]),
  confirmation: z.tuple([z.unknown(), z.unknown()]).optional(),
  stage2: z.tuple([z.unknown(), z.unknown()]).optional(),
});

const causeOf = (error: { Error?: string | undefined; Cause?: string | undefined }) =>
  ([error.Error, error.Cause].filter(Boolean).join(': ') || 'no result').slice(0, 500);

function stageResults(
  e: z.infer<typeof diagnoseEvent>,
  now: Date,
): StageResults & { confirmation?: Confirmation } {
  const problems: string[] = [];
  const read = (value: unknown, path: [string, number]): CheckResult | undefined => {
    const caught = caughtCheckSchema.safeParse(value);
    if (caught.success)
      return crashedResult(caught.data.layer, e.target, causeOf(caught.data.error), now.toISOString());
    const out = wireProblems(checkResultSchema, value, path);
    if (out.ok) return out.data;
    problems.push(...out.problems);
    return undefined;
  };
  const readAgain = (value: unknown, i: 0 | 1): Again | undefined => {
    if (keptCheckSchema.safeParse(value).success) return { kept: true };
    const caught = caughtCheckSchema.safeParse(value);
    if (caught.success) return { crashed: causeOf(caught.data.error) };
    const ran = read(value, ['confirmation', i]);
    return ran && { ran };
  };
  const [a, b] = [read(e.stage1[0], ['stage1', 0]), read(e.stage1[1], ['stage1', 1])];
  const again = e.confirmation && [readAgain(e.confirmation[0], 0), readAgain(e.confirmation[1], 1)];
  const [c, d] = e.stage2 ? [read(e.stage2[0], ['stage2', 0]), read(e.stage2[1], ['stage2', 1])] : [];
  if (problems.length || !a || !b || again?.some((x) => !x))
    throw new InvalidEventError('the diagnose event', problems);
  const confirmed = again ? confirmStage1([a, b], again as [Again, Again]) : { stage1: [a, b] as const };
  return {
    ...confirmed,
    stage1: [...confirmed.stage1],
    ...(c && d ? { stage2: [c, d] as [CheckResult, CheckResult] } : {}),
  };
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

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function makeHandlers(
  deps: CheckDeps & {
    config: Config;
    telemetry?: Telemetry;
    /** How a confirmation waits. @default a timer */
    sleep?: (ms: number) => Promise<void>;
  },
): Record<HandlerName, Handler> {
  const check = (layer: (typeof LAYERS)[number]) => async (event: unknown) => {
    const { target: name, confirm } = parseEvent(checkRunEvent, event, layer);
    const target = findTarget(deps.config, name);
    if (confirm && target.confirmDelayMs > 0) await (deps.sleep ?? pause)(target.confirmDelayMs);
    return runCheck(layer, target, deps);
  };
  return {
    'end-to-end': check('end-to-end'),
    app: check('app'),
    storage: check('storage'),
    proxy: check('proxy'),
    diagnose: async (event: unknown): Promise<Report> => {
      const e = parseEvent(diagnoseEvent, event, 'diagnose');
      const now = deps.now?.() ?? new Date();
      const { confirmation, ...stages } = stageResults(e, now);
      // The checks have found the target already; the rules themselves need nothing of it.
      const windows = deps.config.targets.find((t) => t.name === e.target)?.maintenance;
      const maintenance = activeWindow(windows, now);
      return {
        schemaVersion: SCHEMA_VERSION,
        target: e.target,
        verdict: withConfirmation(diagnose(stages), confirmation),
        results: [...stages.stage1, ...(stages.stage2 ?? [])],
        ...(confirmation ? { confirmation } : {}),
        ...(maintenance
          ? { maintenance: { window: maintenance.name, until: maintenance.until.toISOString() } }
          : {}),
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
