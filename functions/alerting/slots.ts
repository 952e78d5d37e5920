/**
 * One slot of a target checked from several locations, as the home collects it: the home's run and each other
 * location's result, when it is ready to be decided, and the decision (functions/verdict/consensus.ts). Pure: the
 * same for `serve` (in memory) and AWS (the item of the slot in the home's table), so that the two decide alike.
 *
 * A slot is decided once: when every location's result is in, or when the home's run has waited `waitMs` (a share
 * of the period) for the others; a location that has not answered by then is unknown. Without the home's run there
 * is nothing to decide: the home's own silence is `no-data`'s.
 */
import * as z from 'zod/mini';
import type { LocationResult, Report } from '../contract/types.ts';
import { locationResultSchema, reportSchema, wireProblems } from '../contract/wire.ts';
import { type Decision, decide } from '../verdict/consensus.ts';

/** The results of a slot so far: the home's run (when it ended) and the others' by location. */
export interface SlotResults {
  home?: { report: Report; at: Date } | undefined;
  others: ReadonlyMap<string, LocationResult>;
}

/** Who the locations are, and the rule: what deciding a slot needs beside its results. */
export interface SlotRule {
  home: string;
  /** Every location but the home. */
  others: readonly string[];
  /** K. */
  quorum: number;
  /** How long the home waits for the others once its own run is done. */
  waitMs: number;
}

/** `complete`: every location is in; `due`: the wait is over; `waiting`; `no-home`: the home's run is not in. */
export type Readiness = 'complete' | 'due' | 'waiting' | 'no-home';

export function readiness(slot: SlotResults, rule: SlotRule, now: Date): Readiness {
  if (!slot.home) return 'no-home';
  if (rule.others.every((o) => slot.others.has(o))) return 'complete';
  return now.getTime() - slot.home.at.getTime() >= rule.waitMs ? 'due' : 'waiting';
}

/** When a slot whose home run ended at `homeAt` is due at the latest. */
export const dueAt = (homeAt: Date, rule: Pick<SlotRule, 'waitMs'>) =>
  new Date(homeAt.getTime() + rule.waitMs);

/** The slot's decision, with what has come (a location without a result is unknown). */
export function decideSlot(slot: SlotResults & { home: { report: Report } }, rule: SlotRule): Decision {
  return decide({
    home: { location: rule.home, report: slot.home.report },
    others: rule.others.map((location) => ({ location, result: slot.others.get(location) })),
    quorum: rule.quorum,
  });
}

/** The home's entry of a stored slot: its run's report and when it ended. */
export const homeEntrySchema = z.object({ report: reportSchema, at: z.string() });
export type HomeEntry = z.output<typeof homeEntrySchema>;

/** A slot's item on AWS: the home's run under `home`, each other location's result under `loc:NAME`. */
export const HOME_ATTRIBUTE = 'home';
export const locationAttribute = (location: string) => `loc:${location}`;

/**
 * A stored slot's attributes read back with the wire contract: the home's run and each location's result. An entry
 * that breaks the contract is left out (its location then counts as unknown) and named in `problems`: one bad
 * sender never holds a decision back.
 */
export function slotFromItem(
  item: Readonly<Record<string, string>>,
  rule: Pick<SlotRule, 'others'>,
): { slot: SlotResults; problems: string[] } {
  const problems: string[] = [];
  const read = <T>(schema: z.ZodMiniType<T>, text: string | undefined, what: string): T | undefined => {
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      problems.push(`${what}: not JSON`);
      return undefined;
    }
    const parsed = wireProblems(schema, json);
    if (parsed.ok) return parsed.data as T;
    problems.push(`${what}: ${parsed.problems.join('; ')}`);
    return undefined;
  };
  const home = read(homeEntrySchema, item[HOME_ATTRIBUTE], 'the home');
  const others = new Map<string, LocationResult>();
  for (const location of rule.others) {
    const r = read(locationResultSchema, item[locationAttribute(location)], location);
    if (r && r.location === location) others.set(location, r);
    else if (r) problems.push(`${location}: the result names another location (${r.location})`);
  }
  return {
    slot: { home: home && { report: home.report, at: new Date(home.at) }, others },
    problems,
  };
}

/** The message of the decide queue: a slot of a target to decide. */
export const decideMessageSchema = z.object({ target: z.string().check(z.minLength(1)), slot: z.string() });
export type DecideMessage = z.output<typeof decideMessageSchema>;

/**
 * The slot of a run: the start of the slot the run stands for (ISO 8601). Every location runs a target at the same
 * slots (functions/config/schedule.ts), so the slot names the same period at each.
 */
export const slotKey = (slotMs: number): string => new Date(slotMs).toISOString();
