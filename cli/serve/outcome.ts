/**
 * How a run of `serve` came out, best first: a verdict's status, or `error` when the run itself produced none.
 * The store ranks its history by this order and the views show it: neither owns it. Pure.
 */
import { STATUSES } from '../../functions/contract/names.ts';

export const RUN_OUTCOMES = [...STATUSES, 'error'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** A slice of the history: its worst run, and how many ran. */
export interface HistorySlice {
  start: Date;
  worst: RunOutcome;
  runs: number;
}
