/**
 * The plan's answer is the tick's runs: nothing about one target's state (a write the table throttles, an item that
 * no longer parses, a table that does not answer) may keep the interval's other targets from running.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Deployment } from '../../functions/alerting/deployment.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import { newTargetState } from '../../functions/alerting/target-state.ts';
import { planHandler } from '../../functions/handlers/plan.ts';
import { memoryStore } from '../fixtures/memory-store.ts';

const PERIOD = 5 * 60_000;
const TICK = '2026-12-01T10:05:00.000Z';
const deployment: Deployment = {
  targets: ['a', 'b', 'c'].map((name) => ({ name, periodMs: PERIOD })),
  rules: [...TARGET_ALARMS],
  metrics: 'summary',
  spreadMs: { [String(PERIOD)]: 30_000 },
  graceMs: 330_000,
};
const names = instanceNames('plan');

describe('the plan handler', () => {
  it('answers every run of the tick when the table fails for one target, and logs which', async () => {
    const { store } = memoryStore();
    const write = store.write.bind(store);
    store.write = async (target, next) => {
      if (target === 'b') throw new Error('ProvisionedThroughputExceededException');
      return write(target, next);
    };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const plan = planHandler({ deployment, names, store, publish: async () => {} });
    const { runs } = await plan({ periodMs: PERIOD, tick: TICK });
    expect(runs.map((r) => r.target).sort()).toEqual(['a', 'b', 'c']);
    expect(errors.mock.calls.flat().join('\n')).toMatch(/"target":"b".*ProvisionedThroughputExceeded/);
    vi.restoreAllMocks();
  });

  it('answers every run of the tick when the states cannot be read at all', async () => {
    const { store } = memoryStore();
    store.readMany = async () => {
      throw new Error('the state of "a" is malformed');
    };
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const plan = planHandler({ deployment, names, store, publish: async () => {} });
    expect((await plan({ periodMs: PERIOD, tick: TICK })).runs).toHaveLength(3);
    vi.restoreAllMocks();
  });

  it('steps a silent target to no-data, and the others still run', async () => {
    const { store, states } = memoryStore();
    for (const t of ['a', 'b', 'c'])
      states.set(t, { ...newTargetState(new Date('2026-12-01T09:00:00Z')), version: 1 });
    const published: string[] = [];
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const plan = planHandler({ deployment, names, store, publish: async (m) => void published.push(m) });
    // Two periods and more without a run: silent. The first no-data period is stepped, not yet an alarm (2 of 3).
    const { runs } = await plan({ periodMs: PERIOD, tick: TICK });
    expect(runs).toHaveLength(3);
    expect(states.get('a')?.version).toBe(2);
    vi.restoreAllMocks();
  });

  it('does not count a target silent when a run ended between the batch read and the write', async () => {
    const { store, states } = memoryStore();
    const stale = { ...newTargetState(new Date('2026-12-01T09:00:00Z')), version: 1 };
    for (const t of ['a', 'b', 'c']) states.set(t, stale);
    // The batch read is eventually consistent: it still sees the old state of "a", whose run has just ended.
    const readMany = store.readMany.bind(store);
    store.readMany = async (targets) => {
      const out = await readMany(targets);
      states.set('a', { ...stale, version: 2, lastRunAt: '2026-12-01T10:04:59.000Z' });
      return out;
    };
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const plan = planHandler({ deployment, names, store, publish: async () => {} });
    await plan({ periodMs: PERIOD, tick: TICK });
    expect(states.get('a')?.alarms).toEqual({});
    expect(states.get('b')?.alarms['no-data']?.periods).toEqual([0]);
    vi.restoreAllMocks();
  });
});
