/** Several locations in the config (functions/config/locations.ts), through the real validateConfig. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WAIT_SHARE,
  defaultQuorum,
  hasLocations,
  layersAt,
  locationRunMs,
  locationsOf,
  MAX_WAIT_MS,
  quorumOf,
  waitMsOf,
} from '../../functions/config/locations.ts';
import type { Config } from '../../functions/config/schema.ts';
import { formatProblems, validateConfig } from '../../functions/config/validate.ts';
import { LAYERS } from '../../functions/contract/names.ts';
import { targetInput } from '../fixtures/config.ts';

const THREE = [{ name: 'eu-west-1', region: 'eu-west-1' }, { name: 'us-east-1' }, { name: 'ap-south-1' }];

function valid(input: Record<string, unknown>): Config {
  const v = validateConfig({ targets: [targetInput()], ...input });
  if (!v.ok) throw new Error(formatProblems(v.problems));
  return v.config;
}

/** Every problem of an invalid config, one line each, as the CLI prints them. */
function problemLines(input: Record<string, unknown>): string[] {
  const v = validateConfig({ targets: [targetInput()], ...input });
  if (v.ok) throw new Error('expected the config to be invalid');
  return formatProblems(v.problems).split('\n');
}

describe('locations in the config: what is refused, with the field path', () => {
  it.each([
    [
      'a duplicate name',
      { locations: [{ name: 'paris' }, { name: 'tokyo' }, { name: 'paris' }] },
      'locations[2].name: duplicates locations[0].name (got "paris")',
    ],
    [
      'two homes',
      {
        locations: [
          { name: 'paris', home: true },
          { name: 'tokyo', home: true },
        ],
      },
      'locations[1].home: only one location may be the home (locations[0] is) (got true)',
    ],
    [
      'a consensus rule with one location',
      { locations: [{ name: 'paris' }], consensus: { quorum: 1 } },
      'consensus: needs two locations or more in `locations`: there is nothing to agree on (got {"quorum":1})',
    ],
    [
      "a target's consensus rule without locations",
      { targets: [targetInput({ consensus: { quorum: 2 } })] },
      'targets[0].consensus: needs two locations or more in `locations`: there is nothing to agree on (got {"quorum":2})',
    ],
    [
      'a quorum above M',
      { locations: THREE, consensus: { quorum: 4 } },
      'consensus.quorum: must be at most the number of locations (3) (got 4)',
    ],
    [
      "a target's quorum above M",
      { locations: THREE, targets: [targetInput({ consensus: { quorum: 5 } })] },
      'targets[0].consensus.quorum: must be at most the number of locations (3) (got 5)',
    ],
    [
      'a quorum that is not a whole number',
      { locations: THREE, consensus: { quorum: 1.5 } },
      'consensus.quorum: must be a whole number of locations, 1 to 100 (got 1.5)',
    ],
    [
      'a wait share of nothing',
      { locations: THREE, consensus: { waitShare: 0 } },
      'consensus.waitShare: must be a share of the period: above 0, at most 1 (got 0)',
    ],
    [
      'an unknown private location',
      { locations: THREE, targets: [targetInput({ privateLocations: ['us-east-1', 'paris'] })] },
      'targets[0].privateLocations[1]: is not a location (one of eu-west-1, us-east-1, ap-south-1) (got "paris")',
    ],
    [
      'a private location without locations',
      { targets: [targetInput({ privateLocations: ['paris'] })] },
      'targets[0].privateLocations[0]: is not a location: the config names none (got "paris")',
    ],
    [
      'a name that is not a slug',
      { locations: [{ name: 'Paris 1' }, { name: 'tokyo' }] },
      'locations[0].name: must be a short slug: 2-32 characters, a-z, 0-9 and "-" (got "Paris 1")',
    ],
    [
      'a region that is not one',
      { locations: [{ name: 'paris', region: 'europe' }, { name: 'tokyo' }] },
      'locations[0].region: must be an AWS region such as eu-west-1 (got "europe")',
    ],
    ['an empty list', { locations: [] }, 'locations: must list at least one location (got [])'],
  ])('refuses %s', (_name, input, line) => {
    expect(problemLines(input)).toEqual([line]);
  });

  it('collects the problems of locations beside those of targets', () => {
    const lines = problemLines({
      locations: [{ name: 'paris' }, { name: 'paris', home: true }],
      consensus: { quorum: 3 },
      targets: [targetInput({ sentinel: { sha256: 'no', size: 1 } })],
    });
    expect(lines.map((l) => l.split(':')[0])).toEqual(
      expect.arrayContaining(['locations[1].name', 'consensus.quorum', 'targets[0].sentinel.sha256']),
    );
  });

  it('accepts the fields, and a config without them is one location, the home', () => {
    const c = valid({
      locations: [
        { name: 'paris' },
        { name: 'frankfurt', region: 'eu-central-1', home: true },
        { name: 'tokyo' },
      ],
      consensus: { quorum: 3, waitShare: 0.5 },
      targets: [targetInput({ consensus: { quorum: 2 }, privateLocations: ['paris'] })],
    });
    expect(locationsOf(c).home.name).toBe('frankfurt');
    expect(locationsOf(c).all.map((l) => l.name)).toEqual(['frankfurt', 'paris', 'tokyo']);
    expect(hasLocations(c)).toBe(true);
    const single = valid({});
    expect(locationsOf(single)).toMatchObject({ home: { name: 'home' }, others: [] });
    expect(hasLocations(single)).toBe(false);
    expect(quorumOf(single, single.targets[0] as Config['targets'][0])).toEqual({ k: 1, m: 1 });
  });

  it('makes the first location the home when none says', () => {
    expect(locationsOf(valid({ locations: THREE })).home.name).toBe('eu-west-1');
  });
});

describe('the consensus rule: K of M', () => {
  it('is a majority by default, and never fewer than 2 when there are 2 or more', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(defaultQuorum)).toEqual([1, 2, 2, 3, 3, 4, 4]);
    for (const m of [2, 3, 4, 5]) {
      const locations = Array.from({ length: m }, (_, i) => ({ name: `loc-${i}` }));
      const c = valid({ locations });
      expect(quorumOf(c, c.targets[0] as Config['targets'][0]), `M=${m}`).toEqual({
        k: { 2: 2, 3: 2, 4: 3, 5: 3 }[m],
        m,
      });
    }
  });

  it("takes the target's K over the config's, and the config's over the default", () => {
    const c = valid({
      locations: [...THREE, { name: 'sa-east-1' }],
      consensus: { quorum: 4 },
      targets: [targetInput(), targetInput({ name: 'staging', consensus: { quorum: 2 } })],
    });
    const [prod, staging] = c.targets as [Config['targets'][0], Config['targets'][0]];
    expect(quorumOf(c, prod)).toEqual({ k: 4, m: 4 });
    expect(quorumOf(c, staging)).toEqual({ k: 2, m: 4 });
  });
});

describe('which checks run where', () => {
  const c = valid({ locations: THREE, targets: [targetInput({ privateLocations: ['ap-south-1'] })] });
  const t = c.targets[0] as Config['targets'][0];

  it('runs every check at the home and at the private locations, end to end only elsewhere', () => {
    expect(layersAt(c, t, 'eu-west-1')).toEqual(LAYERS);
    expect(layersAt(c, t, 'ap-south-1')).toEqual(LAYERS);
    expect(layersAt(c, t, 'us-east-1')).toEqual(['end-to-end']);
  });

  it('runs every check at the only location of a config without locations', () => {
    const single = valid({});
    expect(layersAt(single, single.targets[0] as Config['targets'][0], 'home')).toEqual(LAYERS);
  });
});

describe('how long the home waits for the others', () => {
  it('waits a share of the period, a quarter by default, 15 minutes at most', () => {
    const c = valid({ locations: THREE });
    expect(DEFAULT_WAIT_SHARE).toBe(0.25);
    expect(waitMsOf(c, 300_000)).toBe(75_000);
    expect(waitMsOf(valid({ locations: THREE, consensus: { waitShare: 0.1 } }), 300_000)).toBe(30_000);
    expect(waitMsOf(c, 86_400_000)).toBe(MAX_WAIT_MS);
    expect(MAX_WAIT_MS).toBe(15 * 60_000);
  });
});

describe("the home's wait for the other locations", () => {
  const target = { endToEnd: { timeoutMs: 10_000 }, confirmDelayMs: 2_000 };

  it('lasts at least a location’s run whose path times out: the check twice, the confirmation’s delay, the send', () => {
    expect(locationRunMs(target)).toBe(23_000);
    // Every minute, a quarter (15 s) would decide before a timing-out location could answer.
    expect(waitMsOf({}, 60_000, locationRunMs(target))).toBe(23_000);
    // Every 5 minutes, the share is longer already.
    expect(waitMsOf({}, 300_000, locationRunMs(target))).toBe(75_000);
  });

  it('stretches to half the period at most, keeps a longer share as configured, and 15 minutes at the most', () => {
    expect(waitMsOf({}, 30_000, locationRunMs(target))).toBe(15_000);
    expect(waitMsOf({ consensus: { waitShare: 0.8 } }, 30_000, locationRunMs(target))).toBe(24_000);
    expect(waitMsOf({ consensus: { waitShare: 1 } }, 86_400_000, locationRunMs(target))).toBe(MAX_WAIT_MS);
  });
});
