/** What a home and its probes must agree on (infra/pairing.ts), from plain facts. */
import { describe, expect, it } from 'vitest';
import { pairingProblems, type SlotFacts } from '../../infra/pairing.ts';

const home: SlotFacts = {
  instance: 'Shop',
  home: 'paris',
  others: ['virginia', 'mumbai'],
  periods: { a: 300_000, b: 300_000 },
  spreadMs: { '300000': 30_000 },
};

describe('a probe and its home', () => {
  it('agree when they resolved the same facts', () => {
    expect(pairingProblems(home, { ...home }, 'virginia')).toEqual([]);
  });

  it('name each target whose period differs, and one that only one of them has', () => {
    const probe = { ...home, periods: { a: 600_000, c: 300_000 } };
    expect(pairingProblems(home, probe, 'virginia')).toEqual([
      expect.stringMatching(/^schedules\.a: every 10 min here, every 5 min at the home: /),
      `targets: "b" is in the home's config, not this one: give both the same config`,
      `targets: "c" is in this config, not the home's: give both the same config`,
    ]);
  });

  it('name the spread when the periods agree, and a location the home does not count', () => {
    const probe = { ...home, spreadMs: { '300000': 90_000 } };
    expect(pairingProblems(home, probe, 'tokyo')).toEqual([
      'location: "tokyo" is not one of the home\'s other locations (virginia, mumbai): give both the same config',
      'startSpread: 90 s here for the 5 min interval, 30 s at the home: give both the same startSpread',
    ]);
  });
});
