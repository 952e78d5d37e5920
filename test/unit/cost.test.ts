import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ASSUMPTIONS,
  fixedMonthlyCost,
  measureShapes,
  PRICES,
  perRunCost,
  perTargetMonthly,
  RUNS_PER_MONTH,
  spreadShare,
} from '../../scripts/cost.ts';
import {
  homeExtraPerSlot,
  locationResultBytes,
  locationsMonths,
  locationsRow,
  probeRegionPerSlot,
  slotItemBytes,
} from '../../scripts/cost-locations.ts';

describe('cost model', () => {
  it('counts transitions, invocations, log bytes and the state item from the real definition on the engine', async () => {
    const { healthy, flapped, failing } = await measureShapes();
    // Healthy: stage 1 (Parallel), End-to-end, App, the Choice, Diagnose, Report.
    const counts = { transitions: 6, checkInvocations: 2, confirmInvocations: 0, diagnoseInvocations: 1 };
    expect(healthy).toMatchObject({ ...counts, reportInvocations: 1 });
    // Flapped adds the wait (a Choice, the Wait, the Pass of the seconds waited), the confirmation (Parallel; per
    // check a Choice, then the check again or kept) and its Choice.
    expect(flapped).toMatchObject({ ...counts, transitions: 15, checkInvocations: 3, confirmInvocations: 1 });
    // Failing adds stage 2, Storage and Proxy to that.
    expect(failing).toMatchObject({ ...counts, transitions: 18, checkInvocations: 5, confirmInvocations: 1 });
    expect(failing.workflowLogBytesAll).toBeGreaterThan(healthy.workflowLogBytesAll);
    // The report's EMF line, and its state item: one write unit (1 KB) for a healthy target.
    expect(healthy.handlerLogBytes).toBeGreaterThan(200);
    expect(healthy.stateItemBytes).toBeGreaterThan(200);
    expect(healthy.stateItemBytes).toBeLessThanOrEqual(1024);
    // A failing target keeps an open incident (its summary) in its item.
    expect(failing.stateItemBytes).toBeGreaterThan(healthy.stateItemBytes);
  });

  it('meets the goals: at most $1.00 a target-month at 5 minutes, $1.50 at 1 minute, $6 fixed', async () => {
    const shapes = await measureShapes();
    const month = (every: keyof typeof RUNS_PER_MONTH, state: keyof typeof shapes, tracing = false) =>
      perTargetMonthly() +
      RUNS_PER_MONTH[every] *
        (perRunCost('express', shapes[state], state, { tracing }).total + spreadShare());
    for (const state of ['healthy', 'flapped', 'failing'] as const)
      expect(month('5 min', state)).toBeLessThan(1);
    expect(month('1 min', 'healthy')).toBeLessThan(1.5);
    expect(month('1 min', 'flapped')).toBeLessThan(1.5);
    expect(month('1 min', 'failing')).toBeLessThan(1.5);
    // X-Ray is off by default: it would cost $5 a million runs, $0.22 a month at 1 minute.
    expect(month('1 min', 'healthy', true) - month('1 min', 'healthy')).toBeCloseTo(43_200 * 5e-6, 6);
    // Two series a target: $0.60, the largest single charge of a healthy target.
    expect(perTargetMonthly()).toBeCloseTo(0.6, 6);
    expect(fixedMonthlyCost(16, RUNS_PER_MONTH['5 min']).total).toBeLessThan(6);
    expect(fixedMonthlyCost(16, RUNS_PER_MONTH['1 min']).total).toBeLessThan(6);
  });

  it('prices every per-run charge, and makes Express the cheaper default', async () => {
    const shapes = await measureShapes();
    const runs = RUNS_PER_MONTH['5 min'];
    const standard = perRunCost('standard', shapes.healthy, 'healthy');
    expect(runs * standard.workflow).toBeCloseTo(8640 * 6 * 0.000025, 6); // $1.30
    const express = perRunCost('express', shapes.healthy, 'healthy');
    expect(express.total).toBeLessThan(standard.total / 2);
    expect(express.xray).toBe(0);
    expect(perRunCost('express', shapes.healthy, 'healthy', { tracing: true }).xray).toBe(
      PRICES.xrayPerTraceRecorded,
    );
    // Level ALL with payloads costs more logs than the default ERROR.
    expect(perRunCost('express', shapes.failing, 'failing', { logging: 'all' }).logs).toBeGreaterThan(
      perRunCost('express', shapes.failing, 'failing').logs,
    );
    // The confirmation's default 2 s are waited by the workflow, not in a check function: a flapped run's Lambda
    // charge is one more check's (0.3 s at 256 MB and a request), not 2 s more of it.
    const lambda = (state: 'healthy' | 'flapped') => perRunCost('express', shapes[state], state).lambda;
    const { checkSeconds, checkGb } = ASSUMPTIONS;
    expect(lambda('flapped') - lambda('healthy')).toBeCloseTo(
      PRICES.lambdaPerRequest + checkSeconds * checkGb * PRICES.lambdaArmPerGbSecond,
      12,
    );
    expect(ASSUMPTIONS.confirmLambdaWaitSeconds).toBe(0);
  });
});

describe('the cost of several locations', () => {
  it('prices a probe Region below the home per target, and docs/cost.md shows the figures npm run cost prints', async () => {
    const shapes = await measureShapes();
    const rows = await locationsMonths(shapes);
    const at = (every: string, state: string) => rows.find((r) => r.every === every && r.state === state);
    // A probe Region runs one check, not the workflow: under a tenth of a dollar a target-month at 5 minutes.
    expect(at('5 min', 'healthy')?.perProbeRegion).toBeLessThan(0.1);
    expect(at('5 min', 'healthy')?.homeExtra).toBeLessThan(0.1);
    // A failing probe waits its confirmation in its function: it costs more than a healthy one.
    expect(at('5 min', 'failing')?.perProbeRegion).toBeGreaterThan(
      at('5 min', 'healthy')?.perProbeRegion ?? 0,
    );
    // The slot's item holds every location's result: a probe's write counts its write units, not its own result's.
    const bytes = await locationResultBytes('healthy');
    expect(slotItemBytes(shapes.healthy.reportBytes, bytes, 3)).toBeGreaterThan(
      2 * bytes + shapes.healthy.reportBytes,
    );
    expect(
      probeRegionPerSlot(shapes.healthy, bytes, 3, 'healthy').dynamodb /
        homeExtraPerSlot(shapes.healthy, bytes, 3).dynamodb,
    ).toBeGreaterThan(0.5);
    const doc = readFileSync(new URL('../../docs/cost.md', import.meta.url), 'utf8');
    for (const row of rows) expect(doc).toContain(locationsRow(row));
  });
});
