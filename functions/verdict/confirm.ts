/**
 * The confirmation of stage 1: when end-to-end or app is not healthy, the workflow waits the target's
 * `confirmDelayMs` and runs the failing ones once more before the diagnostics. Pure: which result each check
 * keeps, and whether the run flapped (stage 1 failed, then passed on the confirmation).
 */
import type { CheckResult, Confirmation, StageResults, Verdict } from '../contract/types.ts';

/** Stage 1 is healthy when both checks pass within their degraded thresholds (the workflow's Choice states). */
export const stageHealthy = (pair: readonly CheckResult[]): boolean => pair.every((r) => r.ok && !r.slow);

/** One check's confirmation: run again (its new result), kept (it passed the first time), or crashed. */
export type Again = { ran: CheckResult } | { kept: true } | { crashed: string };

/**
 * Stage 1 after its confirmation: each check's new result where it ran again. A confirmation that crashed is set
 * aside (the first attempt stands, with a note): a crash of the monitor says nothing about the target.
 */
export function confirmStage1(
  first: StageResults['stage1'],
  again: readonly [Again, Again],
): { stage1: StageResults['stage1']; confirmation: Confirmation } {
  const firstAttempt: CheckResult[] = [];
  const pick = (i: 0 | 1): CheckResult => {
    const a = again[i];
    const before = first[i];
    if ('ran' in a) {
      firstAttempt.push(before);
      return a.ran;
    }
    if ('kept' in a) return before;
    const note = `its confirmation could not run (${a.crashed}): this is the first attempt`;
    return { ...before, notes: [...(before.notes ?? []), note] };
  };
  const stage1: StageResults['stage1'] = [pick(0), pick(1)];
  return { stage1, confirmation: { firstAttempt, flapped: !stageHealthy(first) && stageHealthy(stage1) } };
}

/** The verdict of a run that flapped says so, with what the first attempt saw. */
export function withConfirmation(verdict: Verdict, confirmation: Confirmation | undefined): Verdict {
  if (!confirmation?.flapped) return verdict;
  const seen = confirmation.firstAttempt
    .map((r) => `${r.layer} ${r.ok ? 'was slow' : 'failed'} (${r.message})`)
    .join('; ');
  return { ...verdict, summary: `${verdict.summary}; flapped: ${seen}, then passed on the confirmation` };
}
