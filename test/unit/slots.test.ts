/** One slot of a target checked from several locations (functions/alerting/slots.ts): plain data in and out. */

import { describe, expect, it } from 'vitest';
import { slotRuleOf } from '../../functions/alerting/deployment.ts';
import {
  decideSlot,
  dueAt,
  HOME_ATTRIBUTE,
  locationAttribute,
  readiness,
  type SlotResults,
  type SlotRule,
  slotFromItem,
  slotKey,
} from '../../functions/alerting/slots.ts';
import type { LocationResult } from '../../functions/contract/types.ts';
import { reportOf, result, stages } from '../fixtures/results.ts';

const rule: SlotRule = { home: 'eu-west-1', others: ['us-east-1', 'ap-south-1'], quorum: 2, waitMs: 75_000 };
const homeAt = new Date('2026-11-24T00:00:20.000Z');
const later = (ms: number) => new Date(homeAt.getTime() + ms);
const SLOT = slotKey(Date.parse('2026-11-24T00:00:00.000Z'));

const sent = (location: string, ok = true): LocationResult => ({
  location,
  target: 'prod',
  slot: SLOT,
  at: '2026-11-24T00:00:01.000Z',
  results: [result('end-to-end', ok ? 'ok' : 'connect-refused')],
});
const home = () => ({ report: reportOf(stages('ok', 'ok', 'ok', 'ok')), at: homeAt });
const slotOf = (withHome: boolean, ...others: LocationResult[]): SlotResults => ({
  ...(withHome ? { home: home() } : {}),
  others: new Map(others.map((o) => [o.location, o])),
});

describe("a slot's readiness", () => {
  it('is complete once every location is in, whenever that is', () => {
    expect(readiness(slotOf(true, sent('us-east-1'), sent('ap-south-1')), rule, homeAt)).toBe('complete');
  });

  it('waits for the others until waitMs after the home’s run, then is due', () => {
    const slot = slotOf(true, sent('us-east-1'));
    expect(readiness(slot, rule, later(0))).toBe('waiting');
    expect(readiness(slot, rule, later(74_999))).toBe('waiting');
    expect(readiness(slot, rule, later(75_000))).toBe('due');
    expect(dueAt(homeAt, rule)).toEqual(later(75_000));
  });

  it('is nothing to decide without the home’s run, even with every other location in', () => {
    const slot = slotOf(false, sent('us-east-1'), sent('ap-south-1'));
    expect(readiness(slot, rule, later(3_600_000))).toBe('no-home');
  });

  it('is complete at once for a single location (no others)', () => {
    expect(readiness(slotOf(true), { ...rule, others: [] }, homeAt)).toBe('complete');
  });
});

describe('deciding a slot', () => {
  it('counts a location that has not answered as unknown', () => {
    const d = decideSlot({ home: home(), others: new Map([['us-east-1', sent('us-east-1', false)]]) }, rule);
    expect(d.agreement.locations.map((s) => [s.location, s.outcome])).toEqual([
      ['eu-west-1', 'pass'],
      ['us-east-1', 'fail'],
      ['ap-south-1', 'unknown'],
    ]);
    expect(d.agreement).toMatchObject({ quorum: 2, of: 3, confirmed: false });
  });
});

describe("a stored slot's item (AWS)", () => {
  const item = (over: Record<string, string> = {}) => ({
    [HOME_ATTRIBUTE]: JSON.stringify({ report: home().report, at: homeAt.toISOString() }),
    [locationAttribute('us-east-1')]: JSON.stringify(sent('us-east-1')),
    [locationAttribute('ap-south-1')]: JSON.stringify(sent('ap-south-1')),
    ...over,
  });

  it('reads the home’s run and each location’s result back', () => {
    const { slot, problems } = slotFromItem(item(), rule);
    expect(problems).toEqual([]);
    expect(slot.home?.at).toEqual(homeAt);
    expect(slot.home?.report.target).toBe('prod');
    expect([...slot.others.keys()]).toEqual(['us-east-1', 'ap-south-1']);
    expect(readiness(slot, rule, homeAt)).toBe('complete');
  });

  it('leaves out an entry that is not JSON, naming it; its location is then unknown', () => {
    const { slot, problems } = slotFromItem(item({ [locationAttribute('us-east-1')]: '{"location":' }), rule);
    expect(problems).toEqual(['us-east-1: not JSON']);
    expect(slot.others.has('us-east-1')).toBe(false);
    expect(slot.others.has('ap-south-1')).toBe(true);
    expect(readiness(slot, rule, later(0))).toBe('waiting');
  });

  it('leaves out a result that breaks the wire contract, naming the field', () => {
    const bad = { ...sent('ap-south-1'), results: 'none' };
    const { slot, problems } = slotFromItem(
      item({ [locationAttribute('ap-south-1')]: JSON.stringify(bad) }),
      rule,
    );
    expect(slot.others.has('ap-south-1')).toBe(false);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ap-south-1: .*results/);
  });

  it('leaves out a result that names another location', () => {
    const { slot, problems } = slotFromItem(
      item({ [locationAttribute('us-east-1')]: JSON.stringify(sent('ap-south-1')) }),
      rule,
    );
    expect(slot.others.has('us-east-1')).toBe(false);
    expect(problems).toEqual(['us-east-1: the result names another location (ap-south-1)']);
  });

  it('ignores attributes of locations the rule does not know, and reads a slot without the home’s run', () => {
    const { slot, problems } = slotFromItem(
      {
        [locationAttribute('us-east-1')]: JSON.stringify(sent('us-east-1')),
        [locationAttribute('paris')]: JSON.stringify(sent('paris')),
      },
      rule,
    );
    expect(problems).toEqual([]);
    expect(slot.home).toBeUndefined();
    expect([...slot.others.keys()]).toEqual(['us-east-1']);
    expect(readiness(slot, rule, later(0))).toBe('no-home');
  });

  it('names a home entry that is not JSON', () => {
    const { slot, problems } = slotFromItem(item({ [HOME_ATTRIBUTE]: 'nope' }), rule);
    expect(slot.home).toBeUndefined();
    expect(problems).toEqual(['the home: not JSON']);
  });
});

describe('the slot key', () => {
  it('is the slot’s start in ISO 8601, so that keys sort as time does', () => {
    expect(SLOT).toBe('2026-11-24T00:00:00.000Z');
    expect(slotKey(Date.parse('2026-11-24T00:05:00Z')) > SLOT).toBe(true);
  });
});

describe('a slot rule on AWS, from the deployment', () => {
  it('waits for a location whose path times out: the locationRunMs the construct wrote, within half the period', () => {
    const deployment = {
      targets: [
        { name: 'shop', periodMs: 60_000, quorum: 2, locationRunMs: 23_000 },
        { name: 'fast', periodMs: 60_000, quorum: 2 },
      ],
      rules: [],
      metrics: 'summary' as const,
      spreadMs: {},
      graceMs: 0,
      locations: { home: 'paris', others: ['tokyo', 'lima'], waitShare: 0.25 },
    };
    expect(slotRuleOf(deployment, 'shop')?.waitMs).toBe(23_000);
    expect(slotRuleOf(deployment, 'fast')?.waitMs).toBe(15_000);
  });
});
