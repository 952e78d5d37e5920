/**
 * When targets run: each target's period, and its place in that period. Pure.
 *
 * A fleet must not start every target at the same second: a target runs at a stable offset in its period, derived
 * from its name (as Grafana's agent starts each scraper at its own offset), so that N targets of one period spread
 * evenly over it, and each keeps its place across restarts and deploys. Slots are aligned to the epoch: run k of a
 * target starts at `k × period + offset`. `serve` and the construct's schedule use the same slots.
 */

import { fnv1a } from '../contract/hash.ts';
import { parseDuration } from './duration.ts';

/**
 * How often a target runs when its config does not say (`serve`; the construct's `defaultSchedule`). Here, not in
 * ./schema.ts, so that what plans runs (the plan, report and probe functions) never loads the config's schema.
 */
export const DEFAULT_SCHEDULE = '5m';

/** How often the target runs, in milliseconds: its `schedule`, else `fallback` (DEFAULT_SCHEDULE). */
export function periodMs(t: { schedule?: string | undefined }, fallback: string = DEFAULT_SCHEDULE): number {
  return parseDuration(t.schedule ?? fallback) ?? parseDuration(DEFAULT_SCHEDULE) ?? 300_000;
}

/**
 * The target's offset in its period, in whole milliseconds in [0, period × spread): `spread` (0 to 1) is the share
 * of the period the starts spread over (1: the whole period; less leaves the end of the period for the runs to
 * finish, as a run bounded in time needs).
 */
export function startOffsetMs(name: string, period: number, spread = 1): number {
  const span = Math.max(1, Math.floor(period * Math.min(1, Math.max(0, spread))));
  return fnv1a(name) % span;
}

/** The start of the target's slot at or after `now` (epoch milliseconds). */
export function nextSlot(now: number, period: number, offset: number): number {
  const k = Math.ceil((now - offset) / period);
  return k * period + offset;
}

/** The start of the target's latest slot at or before `now`. */
export function currentSlot(now: number, period: number, offset: number): number {
  const k = Math.floor((now - offset) / period);
  return k * period + offset;
}
