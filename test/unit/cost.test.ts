import { describe, expect, it } from 'vitest';
import { measureShapes, monthlyCost, RUNS_PER_MONTH } from '../../scripts/cost.ts';

describe('cost model', () => {
  it('counts transitions and invocations from the real definition on the engine', async () => {
    const { healthy, flapped, failing } = await measureShapes();
    // Healthy: stage 1 (Parallel), End-to-end, App, the Choice, Diagnose, Report.
    expect(healthy).toEqual({
      transitions: 6,
      checkInvocations: 2,
      confirmInvocations: 0,
      diagnoseInvocations: 2,
    });
    // Flapped adds the confirmation (Parallel; per check a Choice, then the check again or kept) and its Choice.
    expect(flapped).toEqual({
      transitions: 12,
      checkInvocations: 3,
      confirmInvocations: 1,
      diagnoseInvocations: 2,
    });
    // Failing adds stage 2, Storage and Proxy to that.
    expect(failing).toEqual({
      transitions: 15,
      checkInvocations: 5,
      confirmInvocations: 1,
      diagnoseInvocations: 2,
    });
  });

  it('prices Standard per transition and makes Express the cheaper default', async () => {
    const { healthy } = await measureShapes();
    const runs = RUNS_PER_MONTH['5 min'];
    const standard = monthlyCost('standard', healthy, runs, 'healthy');
    expect(standard.workflow).toBeCloseTo(8640 * 6 * 0.000025, 6); // $1.30
    const express = monthlyCost('express', healthy, runs, 'healthy');
    expect(express.total).toBeLessThan(standard.total / 5);
  });
});
