/**
 * Several locations: where the checks run from, which one is the home (it runs every check, decides and pages), and
 * how many must agree before anyone is paged (the consensus rule, K of M). Pure and without zod: the
 * cross-field checks (each problem with its field path) and what a validated config implies for a target, which
 * the functions that never validate a config (the report, the plan, a probe Region's) read from the deployment
 * file; the schema's parts are in ./locations-schema.ts, which only the config schema loads.
 *
 * A config without `locations` has one location, the home, and behaves exactly as a single monitor does.
 */
import type { Layer } from '../contract/names.ts';
import { LAYERS } from '../contract/names.ts';

/** The home's default name, when a config names no locations (the monitor is its only location). */
export const HOME = 'home';

/** A location as the config names it (./locations-schema.ts validates it). */
export interface Location {
  /** A short slug: it names the location in pages, reports and the status page (`eu-west-1`, `paris`). */
  name: string;
  /** On AWS, the Region this location's stack deploys to. `serve` ignores it. */
  region?: string | undefined;
  /** The home runs every check, decides, keeps the history and pages. At most one; the first location if none says. */
  home?: boolean | undefined;
}

/** The share of its period the home waits, by default, for the other locations' results of the same slot. */
export const DEFAULT_WAIT_SHARE = 0.25;
/** The longest the home waits, whatever the period (SQS delays a message 15 minutes at most). */
export const MAX_WAIT_MS = 900_000;

/** What the cross-field checks read of a config as written. */
interface Written {
  locations?: readonly Location[] | undefined;
  consensus?: { quorum?: number | undefined } | undefined;
  targets: readonly {
    consensus?: { quorum?: number | undefined } | undefined;
    privateLocations?: readonly string[] | undefined;
  }[];
}

export interface LocationIssue {
  path: (string | number)[];
  input: unknown;
  message: string;
}

/**
 * The problems of a config's locations and consensus rules, each with its field path: duplicate names, more than
 * one home, a rule with no locations to agree, K above M, a private location that is not a location.
 */
export function locationIssues(c: Written): LocationIssue[] {
  const issues: LocationIssue[] = [];
  const locations = c.locations ?? [];
  const m = locations.length;
  const seen = new Map<string, number>();
  locations.forEach((l, i) => {
    const first = seen.get(l.name);
    if (first !== undefined)
      issues.push({
        path: ['locations', i, 'name'],
        input: l.name,
        message: `duplicates locations[${first}].name`,
      });
    else seen.set(l.name, i);
  });
  const homes = locations.flatMap((l, i) => (l.home ? [i] : []));
  for (const i of homes.slice(1))
    issues.push({
      path: ['locations', i, 'home'],
      input: true,
      message: `only one location may be the home (locations[${homes[0]}] is)`,
    });
  const needsLocations = (path: (string | number)[], input: unknown) =>
    issues.push({
      path,
      input,
      message: 'needs two locations or more in `locations`: there is nothing to agree on',
    });
  const atMostM = (k: number | undefined, path: (string | number)[]) => {
    if (k !== undefined && m >= 2 && k > m)
      issues.push({ path, input: k, message: `must be at most the number of locations (${m})` });
  };
  if (c.consensus !== undefined && m < 2) needsLocations(['consensus'], c.consensus);
  atMostM(c.consensus?.quorum, ['consensus', 'quorum']);
  c.targets.forEach((t, i) => {
    if (t.consensus !== undefined && m < 2) needsLocations(['targets', i, 'consensus'], t.consensus);
    atMostM(t.consensus?.quorum, ['targets', i, 'consensus', 'quorum']);
    t.privateLocations?.forEach((p, j) => {
      if (!seen.has(p))
        issues.push({
          path: ['targets', i, 'privateLocations', j],
          input: p,
          message: m
            ? `is not a location (one of ${locations.map((l) => l.name).join(', ')})`
            : 'is not a location: the config names none',
        });
    });
  });
  return issues;
}

/** A validated config, as far as locations go. */
export interface LocationsConfig {
  locations?: readonly Location[] | undefined;
  consensus?: { quorum?: number | undefined; waitShare?: number | undefined } | undefined;
}
export interface LocationsTarget {
  name: string;
  consensus?: { quorum?: number | undefined } | undefined;
  privateLocations?: readonly string[] | undefined;
}

/** The locations of a config, the home first; one location, the home, when it names none. */
export function locationsOf(c: LocationsConfig): { home: Location; others: Location[]; all: Location[] } {
  const list = c.locations?.length ? c.locations : [{ name: HOME }];
  const home = list.find((l) => l.home) ?? (list[0] as Location);
  const others = list.filter((l) => l !== home);
  return { home, others, all: [home, ...others] };
}

/** Whether the config has locations to agree: two or more. */
export const hasLocations = (c: LocationsConfig): boolean => (c.locations?.length ?? 0) >= 2;

/** K by default for M locations: a majority, and never fewer than 2 when there are 2 or more. */
export const defaultQuorum = (m: number): number => (m >= 2 ? Math.max(2, Math.floor(m / 2) + 1) : 1);

/** The target's consensus rule: K of M (its own K, else the config's, else a majority). */
export function quorumOf(c: LocationsConfig, t: LocationsTarget): { k: number; m: number } {
  const m = locationsOf(c).all.length;
  const k = t.consensus?.quorum ?? c.consensus?.quorum ?? defaultQuorum(m);
  return { k: Math.min(k, m), m };
}

/**
 * The checks a location runs for a target: every check at the home and at the locations the target names as
 * reaching its private network; elsewhere the end-to-end check only (the public download).
 */
export function layersAt(c: LocationsConfig, t: LocationsTarget, location: string): readonly Layer[] {
  const { home } = locationsOf(c);
  return location === home.name || t.privateLocations?.includes(location) ? LAYERS : ['end-to-end'];
}

/** How long a location has to send its result home (the POST to a home `serve`, the write into the home's table). */
export const LOCATION_SEND_MS = 5_000;

/** What a location's send home takes, as the wait counts it: its deadline is longer, but a send that needs it is late. */
export const SEND_ALLOWANCE_MS = 1_000;

/**
 * The longest a location's run of a target takes until its result is home: the end-to-end check, its
 * confirmation after confirmDelayMs (a failing path times out twice) and the send. The home's wait stretches to it
 * (up to half the period): a location whose path times out is the case the wait exists for.
 */
export function locationRunMs(t: {
  endToEnd?: { timeoutMs: number } | undefined;
  confirmDelayMs?: number | undefined;
}): number {
  return 2 * (t.endToEnd?.timeoutMs ?? 10_000) + (t.confirmDelayMs ?? 0) + SEND_ALLOWANCE_MS;
}

/**
 * How long the home waits for the other locations of a slot once its own run is done: the configured share of the
 * period, stretched to `leastMs` (locationRunMs: the locations start the slot when the home does) as long as that
 * stays within half the period (the home's run and its wait must end before its next slot), at most 15 minutes.
 */
export function waitMsOf(c: LocationsConfig, periodMs: number, leastMs = 0): number {
  const share = c.consensus?.waitShare ?? DEFAULT_WAIT_SHARE;
  const stretched = Math.min(leastMs, Math.round(periodMs / 2));
  return Math.min(MAX_WAIT_MS, Math.max(Math.round(share * periodMs), stretched));
}
