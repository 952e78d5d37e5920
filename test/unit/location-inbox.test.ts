/**
 * The home's inbox of the other locations' results (cli/serve/locations.ts LocationInbox): which slots it takes
 * (the target's own, current or previous, give or take the skew), that it stays bounded, and that a late result is
 * heard from and logged once. Plain data and a clock the test moves.
 */
import { describe, expect, it } from 'vitest';
import {
  LocationInbox,
  SLOT_SKEW_MS,
  SLOTS_PER_TARGET,
  scheduledSlotKey,
  slotRefusal,
} from '../../cli/serve/locations.ts';
import { currentSlot, periodMs, startOffsetMs } from '../../functions/config/schedule.ts';
import type { Config, Target } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import type { LocationResult } from '../../functions/contract/types.ts';
import { targetInput } from '../fixtures/config.ts';
import { result } from '../fixtures/results.ts';

const PERIOD = 60_000;
function configOf(targets = 1): Config {
  const v = validateConfig({
    locations: [{ name: 'paris', home: true }, { name: 'tokyo' }, { name: 'lima' }],
    targets: Array.from({ length: targets }, (_, i) => ({ ...targetInput(), name: `t${i}`, schedule: '1m' })),
  });
  if (!v.ok) throw new Error('the config must be valid');
  return v.config;
}
const config = configOf();
const t = config.targets[0] as Target;
const offset = startOffsetMs(t.name, periodMs(t));
/** The start of the target's slot k periods after an arbitrary one. */
const slotAt = (k: number) => currentSlot(Date.parse('2026-11-24T00:00:00Z'), PERIOD, offset) + k * PERIOD;
const key = (ms: number) => new Date(ms).toISOString();

const sent = (location: string, slot: string, target = t.name): LocationResult => ({
  location,
  target,
  slot,
  at: slot,
  results: [result('end-to-end', 'ok')],
});

describe("the slot a location's result names", () => {
  const s0 = slotAt(0);
  it('is taken when it is the target’s current or previous slot, give or take the skew', () => {
    expect(scheduledSlotKey(t, s0 + 10_000)).toBe(key(s0));
    expect(slotRefusal(t, key(s0), s0 + 10_000)).toBeUndefined();
    expect(slotRefusal(t, key(s0 - PERIOD), s0 + 10_000)).toBeUndefined();
    // The location's clock a little ahead: the next slot, by the home's clock not begun yet.
    expect(slotRefusal(t, key(s0 + PERIOD), s0 + PERIOD - SLOT_SKEW_MS + 1)).toBeUndefined();
    // A little behind: the slot before the previous, just after a slot began.
    expect(slotRefusal(t, key(s0 - PERIOD), s0 + PERIOD + SLOT_SKEW_MS - 1)).toBeUndefined();
  });

  it.each([
    ['off the grid', key(s0 + 1_000), /is not one of t0's scheduled slots \(every 1m/],
    ['not a time', 'yesterday', /slot "yesterday" is not one of t0's scheduled slots/],
    ['not the canonical key', new Date(s0).toUTCString(), /is not one of t0's scheduled slots/],
    ['in the future', key(s0 + 2 * PERIOD), /has not begun by the home's clock .*check the location's clock/],
    ['two slots ago (a replay)', key(s0 - 2 * PERIOD), /older than the previous slot .*a replay/],
  ])('is refused %s', (_what, slot, why) => {
    // Past the skew into slot 0: slot -1 is the previous, and the location's clock cannot be behind by a slot.
    expect(slotRefusal(t, slot, s0 + SLOT_SKEW_MS + 10_000)).toMatch(why);
  });
});

describe('the inbox', () => {
  it('refuses a result that is not its token’s location, and a slot off the schedule, keeping nothing', () => {
    const now = slotAt(0) + 5_000;
    const inbox = new LocationInbox(config, () => new Date(now));
    expect(inbox.ingest(sent('lima', key(slotAt(0))), 'tokyo')).toMatchObject({
      ok: false,
      status: 403,
      error: expect.stringMatching(/this token is tokyo's, and the result says "lima"/),
    });
    expect(inbox.ingest(sent('tokyo', key(slotAt(5))), 'tokyo')).toMatchObject({ ok: false, status: 422 });
    expect(inbox.size).toBe(0);
    expect(inbox.lastSeen('tokyo')).toBeUndefined();
  });

  it('takes a result that could not check (a missing secret) but does not count it as heard from', async () => {
    const now = slotAt(0) + 5_000;
    const inbox = new LocationInbox(config, () => new Date(now));
    const blind = { ...sent('tokyo', key(slotAt(0))), results: [result('end-to-end', 'secret-missing')] };
    expect(inbox.ingest(blind, 'tokyo')).toMatchObject({ ok: true });
    // Counted as silent, so that the location-silent notice names it; a result that checks is heard from.
    expect(inbox.lastSeen('tokyo')).toBeUndefined();
    const failing = { ...sent('lima', key(slotAt(0))), results: [result('end-to-end', 'timeout')] };
    expect(inbox.ingest(failing, 'lima')).toMatchObject({ ok: true });
    expect(inbox.lastSeen('lima')).toBe(now);
  });

  it('takes a late result (its slot decided) as heard from, logs it once, and does not count it', async () => {
    let now = slotAt(0) + 5_000;
    const lines: string[] = [];
    const inbox = new LocationInbox(
      config,
      () => new Date(now),
      (l) => lines.push(l),
    );
    const slot = key(slotAt(0));
    expect(inbox.ingest(sent('tokyo', slot), 'tokyo')).toMatchObject({ ok: true, late: false });
    const others = await inbox.collect(t, slot, 0);
    expect([...others.keys()]).toEqual(['tokyo']);
    now += 20_000;
    expect(inbox.ingest(sent('lima', slot), 'lima')).toMatchObject({ ok: true, late: true });
    expect(inbox.ingest(sent('lima', slot), 'lima')).toMatchObject({ ok: true, late: true });
    expect(inbox.lastSeen('lima')).toBe(now);
    expect(lines).toEqual([
      `t0: lima's result for slot ${slot} came after the home decided it: late, not counted`,
    ]);
  });

  it('stays bounded: slots older than 2 periods go, decided or not, and at most SLOTS_PER_TARGET per target', async () => {
    const many = configOf(3);
    let now = slotAt(0);
    const inbox = new LocationInbox(many, () => new Date(now));
    // A day of 1-minute slots, each target's results in, none collected (a home that never decides).
    for (let k = 0; k < 1_440; k++) {
      now = slotAt(k) + 1_000;
      for (const target of many.targets) {
        const s = scheduledSlotKey(target, now);
        expect(inbox.ingest(sent('tokyo', s, target.name), 'tokyo')).toMatchObject({ ok: true });
      }
      expect(inbox.size).toBeLessThanOrEqual(SLOTS_PER_TARGET * many.targets.length);
    }
    // Each target's last 2 periods at most (their slots' offsets differ).
    expect(inbox.size).toBeLessThanOrEqual(3 * many.targets.length);
  });
});

describe('the inbox when serve stops', () => {
  it('stops a slot’s wait at once, with what has come (a stop must not wait half a period)', async () => {
    const now = slotAt(0) + 5_000;
    const inbox = new LocationInbox(config, () => new Date(now));
    const slot = key(slotAt(0));
    expect(inbox.ingest(sent('tokyo', slot), 'tokyo')).toMatchObject({ ok: true });
    const started = performance.now();
    const collected = inbox.collect(t, slot, 60_000);
    setTimeout(() => inbox.stop(), 20);
    const others = await collected;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect([...others.keys()]).toEqual(['tokyo']);
    // A slot collected after the stop does not wait either.
    const next = key(slotAt(1));
    const quick = performance.now();
    expect((await inbox.collect(t, next, 60_000)).size).toBe(0);
    expect(performance.now() - quick).toBeLessThan(5_000);
  });
});
