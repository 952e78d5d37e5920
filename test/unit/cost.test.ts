import { describe, expect, it } from 'vitest';
import { measureShapes, monthlyCost, RUNS_PER_MONTH } from '../../scripts/cost.ts';

describe('cost model', () => {
  it('counts transitions and invocations from the real definition on the engine', async () => {
    const { healthy, failing } = await measureShapes();
    // Healthy: stage 1 (Parallel), End-to-end, App, the Choice, Diagnose, Report. Failing adds stage 2, Storage, Proxy.
    expect(healthy).toEqual({ transitions: 6, checkInvocations: 2, diagnoseInvocations: 2 });
    expect(failing).toEqual({ transitions: 9, checkInvocations: 4, diagnoseInvocations: 2 });
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
