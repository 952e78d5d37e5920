/**
 * Where `download-doctor report` reads the history (functions/alerting/history.ts's HistorySource): `serve`'s
 * database, or the history a deployed instance keeps on AWS.
 *
 * The AWS source is the seam left for issue 20, whose instance stores per-day counts and incidents on AWS: an
 * `instanceSource` that lists the instance's targets, sums its per-day time by state over the span, and reads its
 * incidents, fills the same interface, and the report is computed and printed as it is for `serve`.
 */
import type { HistorySource } from '../functions/alerting/history.ts';
import { UsageError } from '../functions/contract/errors.ts';
import type { Store } from './serve/store.ts';

/** serve's database: its daily and hourly rollups (to the hour) and its incidents. */
export function localSource(store: Store, path: string): HistorySource {
  return {
    name: `serve's database at ${path}`,
    targets: async () => store.targets(),
    totals: async (target, from, to) => store.totals(target, from, to).time,
    incidents: async (target, from, to) => store.incidents(target, from, to).reverse(),
  };
}

/** A deployed instance's stored history: not built yet (see the module's comment). */
export function instanceSource(instance: string): HistorySource {
  throw new UsageError(
    `report --instance ${instance}: reading a deployed instance's history is not built yet (its per-day history ` +
      "and incidents are stored on AWS by issue 20's work); read serve's history with --data-dir or --db",
  );
}
