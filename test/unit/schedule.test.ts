/** When targets run: a stable offset per target, spread over the period, slots aligned to the epoch. */
import { describe, expect, it } from 'vitest';
import { currentSlot, nextSlot, periodMs, startOffsetMs } from '../../functions/config/schedule.ts';

describe('schedule', () => {
  it.each([
    [{}, 300_000],
    [{ schedule: '30s' }, 30_000],
    [{ schedule: '1h' }, 3_600_000],
  ])('period of %o is %i ms', (t, ms) => {
    expect(periodMs(t)).toBe(ms);
  });

  it('gives a target the same offset every time, within the spread', () => {
    const a = startOffsetMs('shop-eu-1', 60_000);
    expect(startOffsetMs('shop-eu-1', 60_000)).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(60_000);
    expect(startOffsetMs('shop-eu-1', 60_000, 0.5)).toBeLessThan(30_000);
  });

  it('spreads 500 targets of one period over it: no second holds more than a few starts', () => {
    const perSecond = new Map<number, number>();
    for (let i = 0; i < 500; i++) {
      const s = Math.floor(startOffsetMs(`target-${i}`, 60_000) / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    // 500 over 60 seconds is about 8 a second; a hash that clusters would put dozens in one.
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(20);
    expect(perSecond.size).toBeGreaterThanOrEqual(55);
  });

  it('aligns slots to the epoch', () => {
    expect(nextSlot(1_000_000, 60_000, 5_000)).toBe(1_025_000);
    expect(nextSlot(1_025_000, 60_000, 5_000)).toBe(1_025_000);
    expect(currentSlot(1_024_999, 60_000, 5_000)).toBe(965_000);
  });
});
