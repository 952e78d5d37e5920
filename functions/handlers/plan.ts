/**
 * The plan handler, the fleet workflow's first state at each tick of an interval: the interval's targets, each with
 * its start in this tick and whether it is a full run (functions/config/fleet.ts), for the Map state that starts
 * them; and, from the targets' states (one batch read), a `no-data` step for each target that has been silent, so
 * that the monitor's owners hear which target stopped running. A target seen for the first time gets a state, from
 * which its silence counts.
 */
import * as z from 'zod/mini';
import { type Deployment, spreadOf } from '../alerting/deployment.ts';
import type { InstanceNames } from '../alerting/names.ts';
import {
  isSilent,
  newTargetState,
  stepLocationState,
  stepSilence,
  type TargetState,
  unchanged,
} from '../alerting/target-state.ts';
import { transitionMessage } from '../alerting/transition-message.ts';
import { type PlannedRun, planTick } from '../config/fleet.ts';
import { waitMsOf } from '../config/locations.ts';
import { mapLimit } from '../contract/concurrency.ts';
import { StateConflictError, type TargetStore } from '../probes/target-store.ts';
import { parseEvent } from './events.ts';
import { settle } from './settle.ts';

/** The schedule's input: the interval, and the tick's time (EventBridge Scheduler's scheduled time). */
export const planEventSchema = z.object({
  periodMs: z.int().check(z.positive()),
  tick: z.optional(z.string()),
});

/** Writes to the table at once, at most: the plan of a thousand targets stays within its seconds. */
export const PLAN_CONCURRENCY = 16;

export interface PlanDeps {
  deployment: Deployment;
  names: InstanceNames;
  store: TargetStore;
  publish: (message: string) => Promise<void>;
  now?: () => Date;
}

export function planHandler(deps: PlanDeps): (event: unknown) => Promise<{ runs: PlannedRun[] }> {
  const { deployment, names } = deps;
  return async (event) => {
    const e = parseEvent(planEventSchema, event, 'plan');
    const given = e.tick === undefined ? Number.NaN : Date.parse(e.tick);
    const tick = new Date(Number.isNaN(given) ? (deps.now?.() ?? new Date()).getTime() : given);
    const runs = planTick(deployment.targets, e.periodMs, tick.getTime(), spreadOf(deployment, e.periodMs));
    // The runs are the plan's answer: nothing about one target's state (a throttled write, an item that no longer
    // parses, a table that does not answer) may keep the interval's other targets from running. Such a failure is
    // logged, and the silence of that target is looked at again at the next tick.
    const states = await deps.store.readMany(runs.map((r) => r.target)).catch((err: unknown) => {
      console.error(JSON.stringify({ statesUnreadable: String(err) }));
      return undefined;
    });
    const ctx = { names, rules: deployment.rules, periodMs: e.periodMs };
    const silent: string[] = [];
    const failed: { target: string; error: string }[] = [];
    await mapLimit(states ? runs : [], PLAN_CONCURRENCY, async ({ target }) => {
      try {
        const state = states?.get(target);
        if (!state) {
          // Its silence counts from now; a run that wrote first wins (the conflict is nothing to retry).
          await deps.store.write(target, { ...newTargetState(tick), version: 1 }).catch((err: unknown) => {
            if (!(err instanceof StateConflictError)) throw err;
          });
          return;
        }
        if (!isSilent(state, tick, e.periodMs, deployment.graceMs)) return;
        silent.push(target);
        const settled = await settle(
          deps.store,
          target,
          tick,
          // Silent again on the state read for the write: a run that ended since the batch read counts.
          (s) =>
            isSilent(s, tick, e.periodMs, deployment.graceMs)
              ? stepSilence(s, target, tick, ctx)
              : unchanged(s),
          (t) => deps.publish(transitionMessage(names.instance, t.transition, undefined)),
        );
        if (settled.failed.length)
          console.error(JSON.stringify({ target, notSent: settled.failed.map((f) => f.error) }));
      } catch (err) {
        failed.push({ target, error: String(err) });
      }
    });
    if (failed.length) console.error(JSON.stringify({ stateNotStepped: failed }));
    // The locations' silence is read from the targets' states: none when they could not be read (no step, rather than
    // a silence that is only the table's), and a failure to step them, like a target's, never withholds the runs.
    const silentLocations = states
      ? await stepLocations(deps, e.periodMs, tick, states).catch((err: unknown) => {
          console.error(JSON.stringify({ locationsNotStepped: String(err) }));
          return [];
        })
      : [];
    console.log(
      JSON.stringify({
        tick: tick.toISOString(),
        periodMs: e.periodMs,
        runs: runs.length,
        silent,
        ...(silentLocations.length ? { silentLocations } : {}),
      }),
    );
    return { runs };
  };
}

/** A location's item in the table: beside the targets' (a target's name is a slug: it never holds `#`). */
export const locationKey = (location: string) => `location#${location}`;

/**
 * With several locations, at the ticks of the shortest interval: each other location's silence stepped, from
 * whether any target of the interval heard from it within the period, the grace and the home's wait
 * (functions/alerting/target-state.ts stepLocationState). Its notice goes to the monitor's topic, through the
 * notifier, as a target's no-data does. A location is counted from the first tick that knows it.
 */
async function stepLocations(
  deps: PlanDeps,
  periodMs: number,
  tick: Date,
  states: ReadonlyMap<string, TargetState>,
): Promise<string[]> {
  const { deployment, names } = deps;
  const l = deployment.locations;
  const shortest = Math.min(...deployment.targets.map((t) => t.periodMs));
  if (!l || periodMs !== shortest) return [];
  const window =
    periodMs +
    deployment.graceMs +
    waitMsOf(
      { consensus: { waitShare: l.waitShare } },
      periodMs,
      Math.max(0, ...deployment.targets.map((t) => t.locationRunMs ?? 0)),
    );
  const silent: string[] = [];
  for (const location of l.others) {
    const key = locationKey(location);
    const heard = [...states.values()].some((s) => {
      const at = s.seen?.[location];
      return at !== undefined && tick.getTime() - Date.parse(at) <= window;
    });
    const settled = await settle(
      deps.store,
      key,
      tick,
      (s) => {
        // A location's silence counts from the first tick that knows it, after a window.
        if (s.version === 0)
          return {
            next: { ...s, version: 1, since: tick.toISOString() },
            transitions: [],
            store: false,
            closedIncidents: [],
          };
        if (s.since !== undefined && tick.getTime() - Date.parse(s.since) < window) return undefined;
        return stepLocationState(s, location, heard, tick, names);
      },
      (t) => deps.publish(transitionMessage(names.instance, t.transition, undefined)),
    );
    if (!heard) silent.push(location);
    if (settled.failed.length)
      console.error(JSON.stringify({ location, notSent: settled.failed.map((f) => f.error) }));
  }
  return silent;
}
