import { describe, expect, it } from 'vitest';
import { fixedMonthlyCost, measureShapes, PRICES, perRunCost, RUNS_PER_MONTH } from '../../scripts/cost.ts';

describe('cost model', () => {
  it('counts transitions, invocations, metric data and log bytes from the real definition on the engine', async () => {
    const { healthy, failing } = await measureShapes();
    // Healthy: stage 1 (Parallel), End-to-end, App, the Choice, Diagnose, Report. Failing adds stage 2, Storage, Proxy.
    expect(healthy).toMatchObject({ transitions: 6, checkInvocations: 2, diagnoseInvocations: 2 });
    expect(failing).toMatchObject({ transitions: 9, checkInvocations: 4, diagnoseInvocations: 2 });
    // Healthy, Degraded; per layer CheckSuccess, CheckDuration, CheckFirstByte, TlsDaysLeft (HTTPS); TlsDaysLeft.
    expect(healthy.metricData).toBe(2 + 2 * 4 + 1);
    expect(failing.metricData).toBe(2 + 3 * 4 + 3 + 1);
    expect(failing.workflowLogBytesAll).toBeGreaterThan(healthy.workflowLogBytesAll);
    expect(healthy.handlerLogBytes).toBeGreaterThan(0); // the report's heartbeat line
  });

  it('prices every per-run charge, and makes Express the cheaper default', async () => {
    const shapes = await measureShapes();
    const runs = RUNS_PER_MONTH['5 min'];
    const standard = perRunCost('standard', shapes.healthy, 'healthy');
    expect(runs * standard.workflow).toBeCloseTo(8640 * 6 * 0.000025, 6); // $1.30
    const express = perRunCost('express', shapes.healthy, 'healthy');
    expect(express.total).toBeLessThan(standard.total / 5);
    expect(express).toMatchObject({
      metrics: PRICES.putMetricDataPerRequest,
      s3: 2 * PRICES.s3PutPerRequest,
      xray: PRICES.xrayPerTraceRecorded,
      scheduler: PRICES.schedulerPerInvocation,
    });
    // Level ALL with payloads costs more logs than the default ERROR.
    expect(perRunCost('express', shapes.failing, 'failing', 'all').logs).toBeGreaterThan(
      perRunCost('express', shapes.failing, 'failing').logs,
    );
    const fixed = fixedMonthlyCost(shapes);
    expect(fixed.alarms).toBe(19);
    expect(fixed.metrics).toBe(18);
  });
});
