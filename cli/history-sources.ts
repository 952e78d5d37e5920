/**
 * Where `download-doctor report` reads the history (functions/alerting/history.ts's HistorySource): `serve`'s
 * database, or the table a deployed instance keeps on AWS. Both fill the same model; the report is computed and
 * printed once. Each says which definition of uptime its figures follow (see history.ts): serve's are
 * time-weighted from its runs, to the hour; the instance's are run-weighted from its per-day counts, by whole days.
 */
import {
  dayOf,
  dayTotals,
  type HistorySource,
  incidentOfStored,
  incidentsIn,
} from '../functions/alerting/history.ts';
import { instanceNames } from '../functions/alerting/names.ts';
import type { TargetState } from '../functions/alerting/target-state.ts';
import type { HistoryTable } from '../functions/probes/target-store.ts';
import type { Store } from './serve/store.ts';

/** serve's database: its daily and hourly rollups (to the hour) and its incidents. */
export function localSource(store: Store, path: string): HistorySource {
  return {
    name: `serve's database at ${path} (uptime time-weighted from each run, to the hour)`,
    targets: async () => store.targets(),
    totals: async (target, from, to) => store.totals(target, from, to).time,
    incidents: async (target, from, to) => store.incidents(target, from, to).reverse(),
  };
}

/**
 * A deployed instance's table: each target's days that ended (day items) and today's runs (its state item), its
 * closed incidents (incident items) and its open ones (its state item).
 */
export function instanceSource(instance: string, table: string, read: HistoryTable): HistorySource {
  const names = instanceNames(instance);
  // totals and incidents both read a target's state: once per report.
  const states = new Map<string, Promise<TargetState | undefined>>();
  const stateOf = (target: string) => {
    const known = states.get(target);
    if (known) return known;
    const s = read.state(target);
    states.set(target, s);
    return s;
  };
  return {
    name: `instance ${instance} on AWS, table ${table} (uptime run-weighted from per-day counts, by whole UTC days)`,
    targets: () => read.targets(),
    async totals(target, from, to) {
      const last = new Date(Math.max(from.getTime(), to.getTime() - 1));
      const [ended, state] = await Promise.all([
        read.days(target, dayOf(from), dayOf(last)),
        stateOf(target),
      ]);
      // Today's runs are still in the state; a day item of the same date (a retried write) is the same day.
      const byDate = new Map(ended.map((d) => [d.date, d]));
      if (state?.day) byDate.set(state.day.date, state.day);
      return dayTotals([...byDate.values()], from, to);
    },
    async incidents(target, from, to) {
      const [closed, state] = await Promise.all([read.closedIncidents(target, to), stateOf(target)]);
      const all = [...closed, ...Object.values(state?.incidents ?? {})].map((s) =>
        incidentOfStored(target, names.alarm(target, { id: s.rule }), s),
      );
      return incidentsIn(all, from, to);
    },
  };
}
