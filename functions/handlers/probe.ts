/**
 * The probe function of a location other than the home on AWS (its own Region's stack, infra/probes.ts): the plan of
 * its fleet's tick, as the home's plan function makes it (functions/config/fleet.ts: the same targets, offsets and
 * slots), and each target's run at that location: the end-to-end check, confirmed when it is not healthy
 * (./location-run.ts), written into the item of its slot in the home's slots table (across Regions); when that
 * write completes the slot (or comes after the home's wait: late), a message to the home's decide queue has it decided at once (or recorded as heard from). The home decides and
 * pages; nothing here steps an alarm.
 */
import * as z from 'zod/mini';
import { type Deployment, slotOfRun, slotRuleOf, spreadOf } from '../alerting/deployment.ts';
import { type DecideMessage, locationAttribute, readiness, slotFromItem } from '../alerting/slots.ts';
import { type PlannedRun, planTick } from '../config/fleet.ts';
import type { DecideQueue } from '../probes/decide-queue.ts';
import type { SlotStore } from '../probes/slot-store.ts';
import { parseEvent } from './events.ts';
import { locationRun } from './location-run.ts';

/** The schedule's tick (as the plan function's), or one run: a target, and when the fleet planned it. */
export const probeEventSchema = z.union([
  z.object({ periodMs: z.int().check(z.positive()), tick: z.optional(z.string()) }),
  z.object({ target: z.string().check(z.minLength(1)), startAt: z.optional(z.string()) }),
]);

export interface ProbeDeps {
  deployment: Deployment;
  /** This location's name (its Region's, in the config's `locations`). */
  location: string;
  /** The end-to-end check (functions/handlers/check.ts). */
  endToEnd: (event: { target: string; confirm?: boolean }) => Promise<unknown>;
  /** The home's slots table and decide queue, in the home's Region. */
  slots: SlotStore;
  queue: DecideQueue;
  now?: () => Date;
}

const dateOr = (text: string | undefined, fallback: Date) => {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? fallback : new Date(ms);
};

export function probeHandler(
  deps: ProbeDeps,
): (event: unknown) => Promise<{ runs: PlannedRun[] } | { slot: string; outcome: string }> {
  const { deployment, location } = deps;
  return async (event) => {
    const e = parseEvent(probeEventSchema, event, 'probe');
    const now = deps.now?.() ?? new Date();
    if ('periodMs' in e) {
      const tick = dateOr(e.tick, now);
      const runs = planTick(deployment.targets, e.periodMs, tick.getTime(), spreadOf(deployment, e.periodMs));
      console.log(
        JSON.stringify({ location, tick: tick.toISOString(), periodMs: e.periodMs, runs: runs.length }),
      );
      return { runs };
    }
    const slot = slotOfRun(deployment, e.target, dateOr(e.startAt, now));
    const result = await locationRun(deps, { location, target: e.target, slot, at: now, full: false });
    const item = await deps.slots.put(
      e.target,
      slot,
      locationAttribute(location),
      JSON.stringify(result),
      now,
    );
    const rule = slotRuleOf(deployment, e.target);
    // Complete: decided at once. Due: the home's wait is over, the slot decided (or about to be) without this
    // result; the home still hears from this location (not silent, only late).
    const ready = rule && readiness(slotFromItem(item, rule).slot, rule, now);
    if (ready === 'complete' || ready === 'due') {
      const message: DecideMessage = { target: e.target, slot };
      await deps.queue.send(JSON.stringify(message), 0);
    }
    const e2e = result.results.find((r) => r.layer === 'end-to-end');
    const outcome = result.error
      ? `error: ${result.error}`
      : e2e
        ? e2e.ok
          ? e2e.slow
            ? 'slow'
            : 'pass'
          : `fail [${e2e.kind}]`
        : 'no result';
    console.log(
      JSON.stringify({
        location,
        target: e.target,
        slot,
        outcome,
        completed: ready === 'complete',
        ...(ready === 'due' ? { late: true } : {}),
      }),
    );
    return { slot, outcome };
  };
}
