/** Uptime and incidents as data (functions/alerting/history.ts): plain numbers, no store. */
import { describe, expect, it } from 'vitest';
import {
  availability,
  coveredSpan,
  emptyTotals,
  errorBudget,
  humanDuration,
  meetsObjective,
  percent,
  SLO_CONCURRENCY,
  sloReport,
  splitByBucket,
  timeStateOf,
} from '../../functions/alerting/history.ts';

const H = 3_600_000;

describe('availability', () => {
  it.each([
    [{ healthy: 90, degraded: 5, failed: 5 }, 0.95],
    [{ healthy: 0, degraded: 10, failed: 0 }, 1],
    [{ healthy: 10, failed: 0, noVerdict: 1000, maintenance: 1000 }, 1],
    [{ failed: 10 }, 0],
    [{ noVerdict: 10, maintenance: 10 }, undefined],
  ])('%j → %s (no verdict and maintenance count neither way)', (time, share) => {
    expect(availability({ ...emptyTotals(), ...time })).toBe(share);
  });

  it.each([
    [undefined, 'no data'],
    [1, '100%'],
    [0.99999, '99.99%'],
    [0.9995, '99.95%'],
    [0.5, '50.00%'],
  ])('%s is shown as %s, never rounded up', (share, text) => {
    expect(percent(share)).toBe(text);
  });

  it('counts a run until the next, at most two intervals', () => {
    expect(coveredSpan(0, 60_000, 60_000)).toEqual({ from: 0, to: 60_000 });
    expect(coveredSpan(0, 10 * 60_000, 60_000)).toEqual({ from: 0, to: 120_000 });
    expect(coveredSpan(60_000, 0, 60_000)).toEqual({ from: 60_000, to: 60_000 });
    expect(timeStateOf({ status: 'failed', maintenance: true })).toBe('maintenance');
    expect(timeStateOf({})).toBe('noVerdict');
  });

  it('splits a span at the buckets it crosses', () => {
    expect(splitByBucket(0.5 * H, 2.25 * H, H)).toEqual([
      { start: 0, ms: 0.5 * H },
      { start: H, ms: H },
      { start: 2 * H, ms: 0.25 * H },
    ]);
    expect(splitByBucket(H, H, H)).toEqual([]);
  });
});

describe('durations and budgets', () => {
  it.each([
    [0, '0 s'],
    [45_000, '45 s'],
    [65 * 60_000 + 20_000, '1 h 5 min'],
    [3 * H, '3 h'],
    [26 * H + 60_000, '1 d 2 h'],
  ])('%i ms reads %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('gives the error budget of an objective over the time observed', () => {
    const t = { target: 'prod', time: { ...emptyTotals(), healthy: 999 * H, failed: H }, incidents: [] };
    expect(errorBudget({ ...t, availability: 0.999 }, 0.999)).toEqual({
      budgetMs: expect.closeTo(H, 3),
      leftMs: expect.closeTo(0, 3),
    });
    expect(meetsObjective({ ...t, availability: 0.999 }, 0.9995)).toBe(false);
    expect(meetsObjective({ ...t, availability: undefined }, 0.9995)).toBe(true);
  });
});

describe('the SLO report of a fleet', () => {
  it('reads a few targets at once, not all of them (each read has its deadline from when it is sent)', async () => {
    let inFlight = 0;
    let most = 0;
    const wait = async <T>(value: T) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return value;
    };
    const names = Array.from({ length: 300 }, (_, i) => `t${i}`);
    const report = await sloReport(
      {
        name: 'a fleet',
        targets: async () => names,
        totals: () => wait({ ...emptyTotals(), healthy: H }),
        incidents: () => wait([]),
      },
      new Date(0),
      new Date(H),
    );
    expect(report.targets.map((t) => t.target)).toEqual(names);
    expect(most).toBeLessThanOrEqual(SLO_CONCURRENCY);
  });
});
