/**
 * When a failure was confirmed: stage 1's failing checks ran a second time (the confirmation) before the verdict,
 * and the report keeps both attempts (`confirmation.firstAttempt`, then `results`). Said in words for the report:
 * how many attempts, how far apart, and what the second one got. Pure.
 */
import type { Report } from '../contract/types.ts';

/** Seconds, as a person reads a gap between two attempts. */
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export interface ConfirmationFacts {
  layer: string;
  /** Both attempts failed: the failure is confirmed. */
  confirmed: boolean;
  /** From the first attempt's start to the second's, in ms; undefined when a start time does not parse. */
  apartMs: number | undefined;
  first: string;
  second: string | undefined;
}

/** Each check that ran twice: when, and whether the second attempt failed too. */
export function confirmationFacts(report: Report): ConfirmationFacts[] {
  return (report.confirmation?.firstAttempt ?? []).map((first) => {
    const again = report.results.find((r) => r.layer === first.layer);
    const apart = again ? Date.parse(again.startedAt) - Date.parse(first.startedAt) : Number.NaN;
    return {
      layer: first.layer,
      confirmed: again !== undefined && !again.ok,
      apartMs: Number.isFinite(apart) && apart >= 0 ? apart : undefined,
      first: first.startedAt,
      second: again?.startedAt,
    };
  });
}

/**
 * One sentence per run whose stage 1 ran twice: `end-to-end failed on both of 2 attempts, 2.1 s apart (…)`, or
 * that it passed on the second; undefined when nothing ran twice (a healthy first attempt).
 */
export function confirmationText(report: Report): string | undefined {
  const facts = confirmationFacts(report);
  if (facts.length === 0) return undefined;
  const parts = facts.map((f) => {
    const apart = f.apartMs === undefined ? '' : `, ${seconds(f.apartMs)} apart`;
    const when = f.second ? ` (${f.first}, then ${f.second})` : '';
    return f.confirmed
      ? `${f.layer} failed on both of 2 attempts${apart}${when}`
      : `${f.layer} failed on the first of 2 attempts and passed on the second${apart}${when}`;
  });
  const lead = facts.every((f) => f.confirmed)
    ? 'Confirmed'
    : facts.every((f) => !f.confirmed)
      ? 'Not confirmed (it flapped)'
      : 'Partly confirmed';
  return `${lead}: ${parts.join('; ')}.`;
}
