/**
 * The fleet's tick on AWS: one schedule per distinct interval starts the plan, which lists the interval's targets,
 * each with its start in this tick and whether it is a full run. Pure: a function of the targets, the interval and
 * the tick's time, so that every tick of a target lands on the same place in its period (./schedule.ts).
 */
import { fnv1a } from '../contract/hash.ts';
import { executionInput } from '../contract/workflow.ts';
import { currentSlot, startOffsetMs } from './schedule.ts';

/**
 * A target as the plan sees it: its name, its period, every how many runs a full run comes, and the wait before a
 * confirmation (its confirmDelayMs).
 */
export interface FleetTarget {
  name: string;
  periodMs: number;
  fullRunEvery?: number | undefined;
  confirmDelayMs?: number | undefined;
}

/** One run the tick starts: the per-target workflow's input (ExecutionInput), and when. */
export interface PlannedRun {
  target: string;
  /** ISO 8601: the Map's Wait state waits until then (TimestampPath). */
  startAt: string;
  allLayers: boolean;
  confirmWaitSeconds: number;
}

/** The tick's slot number: run k of every target of this interval starts in [k × period, (k + 1) × period). */
export const slotOf = (tickMs: number, periodMs: number) => Math.floor(tickMs / periodMs);

/**
 * Whether slot `slot` of the target is a full run: every `fullRunEvery`-th slot, at a phase of its own (from its
 * name), so that the full runs of a fleet do not all fall on one tick. Derived from the slot number, not a counter:
 * nothing to keep, nothing lost by a missed tick.
 */
export function isFullRun(t: Pick<FleetTarget, 'name' | 'fullRunEvery'>, slot: number): boolean {
  const n = t.fullRunEvery;
  if (!n || n <= 1) return n === 1;
  return (slot + (fnv1a(t.name) % n)) % n === 0;
}

/**
 * The runs of the tick at `tickMs` for the targets whose period is `periodMs`, in the order they start: each at the
 * tick plus its stable offset, spread over the first `spreadMs` of the period (at most the period). From the tick,
 * not from the slot's start: a cron aligned to the clock ticks at the slot's start anyway, but a rate schedule
 * (7 minutes, 90) ticks at the phase it was created with, and a start before the tick would not wait at all.
 */
export function planTick(
  targets: readonly FleetTarget[],
  periodMs: number,
  tickMs: number,
  spreadMs: number,
): PlannedRun[] {
  const slot = slotOf(tickMs, periodMs);
  const spread = Math.min(1, spreadMs / periodMs);
  return targets
    .filter((t) => t.periodMs === periodMs)
    .map((t) => ({ t, at: tickMs + startOffsetMs(t.name, periodMs, spread) }))
    .sort((a, b) => a.at - b.at || a.t.name.localeCompare(b.t.name))
    .map(({ t, at }) => {
      const { confirmWaitSeconds = 0 } = executionInput(t);
      return {
        target: t.name,
        startAt: new Date(at).toISOString(),
        allLayers: isFullRun(t, slot),
        confirmWaitSeconds,
      };
    });
}

/**
 * The start of the slot a run of the target stands for, from when it started (`atMs`): the planned start of that
 * slot in planTick (the tick's slot plus the target's offset), at or before `atMs`. Every location plans a target
 * alike (the same name, period and spread), so the home and each probe name a slot the same way.
 */
export function slotStartOf(name: string, periodMs: number, spreadMs: number, atMs: number): number {
  return currentSlot(atMs, periodMs, startOffsetMs(name, periodMs, Math.min(1, spreadMs / periodMs)));
}
