/**
 * The diagnose handler: the stages' results (a crashed check's Catch output included, and the confirmation of
 * stage 1), the rules' verdict, and the target's maintenance window from the config.
 */
// zod/mini, as the config schema (functions/config/schema.ts).
import * as z from 'zod/mini';
import { crashedResult } from '../checks/conditions.ts';
import { whereOf } from '../checks/where.ts';
import { activeWindow } from '../config/maintenance.ts';
import type { Config } from '../config/schema.ts';
import { InvalidEventError } from '../contract/errors.ts';
import { SCHEMA_VERSION } from '../contract/names.ts';
import { safeText } from '../contract/text.ts';
import type { CheckResult, Confirmation, Report, StageResults } from '../contract/types.ts';
import { caughtCheckSchema, checkResultSchema, keptCheckSchema, wireProblems } from '../contract/wire.ts';
import { type Again, confirmStage1, withConfirmation } from '../verdict/confirm.ts';
import { diagnose } from '../verdict/diagnose.ts';
import { parseEvent, targetEvent } from './events.ts';

/**
 * The diagnose event: the target and each stage's two results. A result is a CheckResult, or what the
 * workflow's Catch put in its place when a check crashed (`{ layer, ok: false, kind: 'check-error', error }`),
 * which becomes a full check-error result here. `confirmation`, when stage 1 was checked again: per check, its
 * new result, a crash, or `{ kept: true }` for a check that passed the first time.
 */
const diagnoseEvent = z.extend(targetEvent, {
  stage1: z.tuple([z.unknown(), z.unknown()]),
  confirmation: z.optional(z.tuple([z.unknown(), z.unknown()])),
  stage2: z.optional(z.tuple([z.unknown(), z.unknown()])),
});

/** What a crashed check's error says, safe to print (its message may hold what a server answered), cut at 500. */
const causeOf = (error: { Error?: string | undefined; Cause?: string | undefined }) =>
  safeText([error.Error, error.Cause].filter(Boolean).join(': ') || 'no result', 500);

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

export function diagnoseHandler(deps: {
  config: Config;
  now?: () => Date;
}): (event: unknown) => Promise<Report> {
  return async (event) => {
    const e = parseEvent(diagnoseEvent, event, 'diagnose');
    const now = deps.now?.() ?? new Date();
    const { confirmation, ...stages } = stageResults(e, now);
    // The checks have found the target already; the rules themselves need nothing of it.
    const target = deps.config.targets.find((t) => t.name === e.target);
    const maintenance = activeWindow(target?.maintenance, now);
    return {
      schemaVersion: SCHEMA_VERSION,
      target: e.target,
      verdict: withConfirmation(diagnose(stages), confirmation),
      results: [...stages.stage1, ...(stages.stage2 ?? [])],
      ...(confirmation ? { confirmation } : {}),
      ...(maintenance
        ? { maintenance: { window: maintenance.name, until: maintenance.until.toISOString() } }
        : {}),
      ...(target ? { where: whereOf(target) } : {}),
    };
  };
}
