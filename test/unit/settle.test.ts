/**
 * History never stands between a transition and its page (functions/handlers/settle.ts): a day that cannot be
 * written leaves the state as it was (the next run closes the day again, and evaluates the transition again); an
 * incident that cannot be written is reported after the transitions went out; an incident whose recovery notice
 * could not be sent is not written closed.
 */
import { describe, expect, it } from 'vitest';
import type { DayStats, StoredIncident } from '../../functions/alerting/history.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import { newTargetState, type StateStep, type TargetState } from '../../functions/alerting/target-state.ts';
import { settle } from '../../functions/handlers/settle.ts';
import { memoryStore } from '../fixtures/memory-store.ts';

const AT = new Date('2026-12-02T00:00:30Z');
const down = TARGET_ALARMS.find((r) => r.id === 'down');
if (!down) throw new Error('no down rule');
const day: DayStats = {
  date: '2026-12-01',
  healthy: 280,
  degraded: 0,
  failed: 8,
  maintenance: 0,
  flapped: 0,
  periodMs: 300_000,
};
const incident: StoredIncident = {
  rule: 'down',
  start: '2026-12-01T23:00:00.000Z',
  end: AT.toISOString(),
  status: 'failed',
  faults: ['proxy'],
  summary: 'the proxy cannot serve from storage',
  evidence: [],
};

/** A step that closes the day and the incident, with one transition of `down` (ALARM → OK) to send. */
const stepping =
  (to: 'OK' | 'ALARM') =>
  (state: TargetState): StateStep => ({
    next: { ...state, version: state.version + 1, alarms: { down: { periods: [1, 1], state: to } } },
    transitions: [
      {
        step: {
          name: 'download-doctor-x-prod-down',
          rule: down,
          periods: [1, 1],
          previous: 'ALARM',
          state: to,
        },
        transition: {
          alarmName: 'download-doctor-x-prod-down',
          target: 'prod',
          rule: down,
          state: to,
          at: AT,
        },
        delivery: { send: true },
      },
    ],
    store: false,
    closedDay: day,
    closedIncidents: to === 'OK' ? [incident] : [],
  });

const seeded = () => {
  const m = memoryStore();
  m.states.set('prod', {
    ...newTargetState(),
    version: 3,
    alarms: { down: { periods: [0, 0], state: 'ALARM' } },
  });
  return m;
};

describe('settle', () => {
  it('writes the closed day before the state: when it fails, nothing is remembered and nothing is sent', async () => {
    const { store, states } = seeded();
    store.putDay = async () => {
      throw new Error('ThrottlingException');
    };
    const sent: string[] = [];
    await expect(
      settle(store, 'prod', AT, stepping('OK'), async (t) => void sent.push(t.transition.state)),
    ).rejects.toThrow('ThrottlingException');
    expect(sent).toEqual([]);
    expect(states.get('prod')?.version).toBe(3);
  });

  it('sends the transitions before it writes the incidents; a failed incident write is thrown after', async () => {
    const { store } = seeded();
    store.putIncident = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const sent: string[] = [];
    await expect(
      settle(store, 'prod', AT, stepping('OK'), async (t) => void sent.push(t.transition.state)),
    ).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(sent).toEqual(['OK']);
  });

  it('does not write an incident closed when its recovery notice could not be sent', async () => {
    const { store, incidents, days } = seeded();
    const out = await settle(store, 'prod', AT, stepping('OK'), async () => {
      throw new Error('SNS is down');
    });
    expect(out.failed).toHaveLength(1);
    expect([...incidents.values()]).toEqual([]);
    expect([...days.values()]).toEqual([day]);
  });

  it('writes the day and the closed incident when every transition went out', async () => {
    const { store, incidents, days } = seeded();
    await settle(store, 'prod', AT, stepping('OK'), async () => {});
    expect([...incidents.values()]).toEqual([incident]);
    expect([...days.values()]).toEqual([day]);
  });
});
