/**
 * A home (DownloadHealthchecks with several locations) and its probes (DownloadProbes) in one CDK app must agree on
 * what matches a probe's result with the home's run: the instance (the probes write to its table and queue, by
 * name), the locations, each target's period and each interval's spread (the slots come from them). Each construct
 * registers what it resolved with its app, and each refuses a disagreement with what the app already holds
 * (whichever is made second says so); a probe's instanceName that names no home there is refused once the whole app
 * exists (at synth). Probes of a home in another app are not seen (nothing to compare).
 */
import type { IConstruct } from 'constructs';
import type { Resolved } from './props.ts';

/** What a home and each of its probes must agree on. */
export interface SlotFacts {
  instance: string;
  home: string;
  others: readonly string[];
  /** Each target's period, in milliseconds. */
  periods: Readonly<Record<string, number>>;
  /** Each interval's spread of starts, in milliseconds. */
  spreadMs: Readonly<Record<string, number>>;
}

export const slotFactsOf = (r: Pick<Resolved, 'names' | 'deployment'>): SlotFacts | undefined => {
  const l = r.deployment.locations;
  if (!l) return undefined;
  return {
    instance: r.names.instance,
    home: l.home,
    others: l.others,
    periods: Object.fromEntries(r.deployment.targets.map((t) => [t.name, t.periodMs])),
    spreadMs: r.deployment.spreadMs,
  };
};

const minutes = (ms: number | undefined) => (ms === undefined ? 'none' : `${ms / 60_000} min`);
const seconds = (ms: number | undefined) => (ms === undefined ? 'none' : `${ms / 1000} s`);

/** How a probe's facts disagree with its home's, each by the probe's prop or field that must change. */
export function pairingProblems(home: SlotFacts, probe: SlotFacts, location: string): string[] {
  const problems: string[] = [];
  if (!home.others.includes(location))
    problems.push(
      `location: "${location}" is not one of the home's other locations (${home.others.join(', ')}): give both the same config`,
    );
  const targets = new Set([...Object.keys(home.periods), ...Object.keys(probe.periods)]);
  const periods = [...targets].filter((t) => home.periods[t] !== probe.periods[t]);
  for (const t of periods.slice(0, 5))
    problems.push(
      home.periods[t] === undefined || probe.periods[t] === undefined
        ? `targets: "${t}" is in ${home.periods[t] === undefined ? "this config, not the home's" : "the home's config, not this one"}: give both the same config`
        : `schedules.${t}: every ${minutes(probe.periods[t])} here, every ${minutes(home.periods[t])} at the home: ` +
            'give both the same config, defaultSchedule and schedules (a probe is matched with the home by its slot)',
    );
  if (periods.length > 5) problems.push(`schedules: ${periods.length - 5} more targets disagree likewise`);
  if (!periods.length) {
    for (const [interval, ms] of Object.entries(home.spreadMs))
      if (probe.spreadMs[interval] !== ms)
        problems.push(
          `startSpread: ${seconds(probe.spreadMs[interval])} here for the ${minutes(Number(interval))} interval, ` +
            `${seconds(ms)} at the home: give both the same startSpread`,
        );
  }
  return problems;
}

interface Registered {
  homes: SlotFacts[];
  probes: { location: string; facts: SlotFacts }[];
}

const apps = new WeakMap<IConstruct, Registered>();
const registryOf = (scope: IConstruct): Registered => {
  const root = scope.node.root;
  let r = apps.get(root);
  if (!r) {
    r = { homes: [], probes: [] };
    apps.set(root, r);
  }
  return r;
};

/**
 * Registers a home; the problems of the probes of its instance already in its app (a probe of another instance is
 * that instance's: two instances of the same locations may share an app).
 */
export function registerHome(scope: IConstruct, facts: SlotFacts): string[] {
  const r = registryOf(scope);
  r.homes.push(facts);
  return r.probes
    .filter((p) => p.facts.instance === facts.instance)
    .flatMap((p) =>
      pairingProblems(facts, p.facts, p.location).map((m) => `DownloadProbes at ${p.location}: ${m}`),
    );
}

/** Registers a probe; its problems with the home of its instance, when that home is already in its app. */
export function registerProbe(scope: IConstruct, location: string, facts: SlotFacts): string[] {
  const r = registryOf(scope);
  r.probes.push({ location, facts });
  const home = r.homes.find((h) => h.instance === facts.instance);
  return home ? pairingProblems(home, facts, location) : [];
}

/**
 * Once the whole app exists (a construct's validation, at synth): a probe whose instanceName names no home in its
 * app while one home there counts its location among its others. None when its home is in another app.
 */
export function unhomedProblems(scope: IConstruct, location: string, facts: SlotFacts): string[] {
  const { homes } = registryOf(scope);
  if (homes.some((h) => h.instance === facts.instance)) return [];
  const theirs = homes.filter((h) => h.others.includes(location) && h.home === facts.home);
  if (theirs.length !== 1) return [];
  return [
    `instanceName: "${facts.instance}" names no DownloadHealthchecks in this app; the home of ${location} here is "${theirs[0]?.instance}": give the home's instanceName`,
  ];
}
