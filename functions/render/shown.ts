/** How a check came out, in the words, marks and classes of the pages. Pure. */
import type { CheckResult } from '../contract/types.ts';
import { outcomeOf } from '../verdict/diagnose.ts';

/** How a check came out, in the words and classes of the page. */
export type Shown = 'pass' | 'slow' | 'fail' | 'inconclusive' | 'not-run';
export const SHOWN_LABEL: Record<Shown, string> = {
  pass: 'PASS',
  slow: 'SLOW',
  fail: 'FAIL',
  inconclusive: 'COULD NOT RUN',
  'not-run': 'NOT RUN',
};
export const SHOWN_MARK: Record<Shown, string> = {
  pass: '✓',
  slow: '◔',
  fail: '✗',
  inconclusive: '?',
  'not-run': '–',
};

export function shown(r: CheckResult | undefined): Shown {
  const o = outcomeOf(r);
  return o === 'fast' ? 'pass' : o;
}

export const ms = (n: number) => (n >= 100 ? `${Math.round(n)} ms` : `${Math.round(n * 10) / 10} ms`);
