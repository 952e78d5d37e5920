import {
  type FailureKind,
  type Fault,
  INCONCLUSIVE_KINDS,
  type Layer,
  type Status,
} from '../contract/names.ts';
import type { CheckResult } from '../contract/types.ts';

/** How one check came out, as the rules see it. */
export type Outcome = 'fast' | 'slow' | 'fail' | 'inconclusive' | 'not-run';

export function outcomeOf(r: CheckResult | undefined): Outcome {
  if (!r) return 'not-run';
  if (r.ok) return r.slow ? 'slow' : 'fast';
  return r.kind && INCONCLUSIVE_KINDS.has(r.kind) ? 'inconclusive' : 'fail';
}

/**
 * A cell of the table: one outcome, several, `ok` (fast or slow), `not-offloaded` (the app's silent fallback),
 * `readable` (storage read the sentinel's bytes; what the object carries beside them may be wrong), or the
 * failure kind (one of several).
 */
export type Match =
  | Outcome
  | 'ok'
  | 'not-offloaded'
  | 'readable'
  | readonly Outcome[]
  | { kind: FailureKind | readonly FailureKind[] };

export type Results = Partial<Record<Layer, CheckResult>>;

export interface Rule {
  id: string;
  when: Partial<Record<Layer, Match>>;
  /** A condition across layers that the cells cannot say (the same wrong header at two layers, say). */
  also?: (r: Results) => boolean;
  status: Status;
  fault: Fault | null;
  /** One line for a person paged at night. */
  summary: (r: Results) => string;
}

/** Storage failures that mean the sentinel's bytes could not be read (not what the object carries beside them). */
export const isReadFailure = (r: CheckResult | undefined) =>
  outcomeOf(r) === 'fail' && r?.kind !== 'metadata-mismatch';
