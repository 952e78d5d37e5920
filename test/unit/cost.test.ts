import { describe, expect, it } from 'vitest';
import { fixedMonthlyCost, measureShapes, PRICES, perRunCost, RUNS_PER_MONTH } from '../../scripts/cost.ts';

describe('cost model', () => {
  it('counts transitions, invocations, metric data and log bytes from the real definition on the engine', async () => {
    const { healthy, flapped, failing } = await measureShapes();
    // Healthy: stage 1 (Parallel), End-to-end, App, the Choice, Diagnose, Report.
    const counts = { transitions: 6, checkInvocations: 2, confirmInvocations: 0, diagnoseInvocations: 2 };
    expect(healthy).toMatchObject(counts);
    // Flapped adds the confirmation (Parallel; per check a Choice, then the check again or kept) and its Choice.
    expect(flapped).toMatchObject({ ...counts, transitions: 12, checkInvocations: 3, confirmInvocations: 1 });
    // Failing adds stage 2, Storage and Proxy to that.
    expect(failing).toMatchObject({ ...counts, transitions: 15, checkInvocations: 5, confirmInvocations: 1 });
    // Healthy, Degraded, Flapped; per layer CheckSuccess, CheckDuration, CheckFirstByte, TlsDaysLeft (HTTPS);
    // TlsDaysLeft for the target; and when storage and proxy ran, MonitorWarning.
    expect(healthy.metricData).toBe(3 + 2 * 4 + 1);
    expect(failing.metricData).toBe(3 + 3 * 4 + 3 + 1 + 1);
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
    expect(fixed.alarms).toBe(20);
    expect(fixed.metrics).toBe(20);
    // The confirmation's wait is billed Lambda time: a flapped run costs more than a healthy one.
    expect(perRunCost('express', shapes.flapped, 'flapped').lambda).toBeGreaterThan(
      perRunCost('express', shapes.healthy, 'healthy').lambda,
    );
  });
});
