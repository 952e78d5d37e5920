/**
 * A location's run of a target, other than the home's: where the location reaches only the public download, the
 * end-to-end check and, when it is not healthy, its confirmation (the same check again after the target's
 * confirmDelayMs, as stage 1 of the workflow confirms); where it reaches the target's private network, the whole
 * workflow. Either way, a LocationResult for the home (functions/contract/wire.ts), which judges it. Thin: the
 * checks and the workflow are passed in (`serve --location` runs them on the local engine; on AWS the probe
 * function).
 */

import type { CheckResult, LocationResult, Report } from '../contract/types.ts';
import { checkResultSchema, parseWire } from '../contract/wire.ts';
import { stageHealthy } from '../verdict/confirm.ts';

export interface LocationRunDeps {
  /** The end-to-end check's handler: `{ target }`, and `{ target, confirm: true }` for the confirmation. */
  endToEnd: (event: { target: string; confirm?: boolean }) => Promise<unknown>;
  /** A whole run of the workflow (a location on the target's private network). */
  fullRun?: (target: string) => Promise<Report>;
}

/** The end-to-end check, confirmed when it is not healthy: what a location on the public side runs. */
export async function endToEndRun(
  deps: Pick<LocationRunDeps, 'endToEnd'>,
  target: string,
): Promise<Pick<LocationResult, 'results' | 'confirmation'>> {
  const check = async (confirm: boolean): Promise<CheckResult> =>
    parseWire(
      checkResultSchema,
      await deps.endToEnd(confirm ? { target, confirm } : { target }),
      'the end-to-end check',
    );
  const first = await check(false);
  if (stageHealthy([first])) return { results: [first] };
  const again = await check(true);
  return { results: [again], confirmation: { firstAttempt: [first], flapped: stageHealthy([again]) } };
}

/**
 * One run at a location, as the result the home receives: every check where the location reaches the private
 * network (`full`), else end to end; a run that could not complete is a result with its error (unknown at home).
 */
export async function locationRun(
  deps: LocationRunDeps,
  run: { location: string; target: string; slot?: string | undefined; at: Date; full: boolean },
): Promise<LocationResult> {
  const base = {
    location: run.location,
    target: run.target,
    ...(run.slot ? { slot: run.slot } : {}),
    at: run.at.toISOString(),
  };
  try {
    if (run.full && deps.fullRun) {
      const report = await deps.fullRun(run.target);
      return {
        ...base,
        results: report.results,
        ...(report.confirmation ? { confirmation: report.confirmation } : {}),
        verdict: report.verdict,
      };
    }
    return { ...base, ...(await endToEndRun(deps, run.target)) };
  } catch (err) {
    return { ...base, results: [], error: err instanceof Error ? err.message : String(err) };
  }
}
