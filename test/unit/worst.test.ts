/** The one reduction behind every "worst status" (functions/contract/names.ts). */
import { describe, expect, it } from 'vitest';
import { RUN_OUTCOMES } from '../../cli/serve/outcome.ts';
import { STATUSES, worstOf } from '../../functions/contract/names.ts';

describe('worstOf', () => {
  it.each([
    [[], 'healthy'],
    [['healthy'], 'healthy'],
    [['healthy', 'degraded', 'healthy'], 'degraded'],
    [['failed', 'degraded'], 'failed'],
    [['degraded', 'failed', 'healthy'], 'failed'],
  ] as const)('of the statuses %j is %s', (values, worst) => {
    expect(worstOf(STATUSES, values)).toBe(worst);
  });

  it("takes any order, best first: a run's outcome, where no verdict is worse than a failed one", () => {
    expect(worstOf(RUN_OUTCOMES, ['failed', 'error', 'healthy'])).toBe('error');
    expect(worstOf(['pass', 'warn', 'fail'] as const, ['warn', 'pass'])).toBe('warn');
  });

  it('refuses a value its order does not hold (a bug, not a status)', () => {
    expect(() => worstOf(STATUSES, ['broken' as never])).toThrow(
      'broken is not one of healthy, degraded, failed',
    );
  });
});
