/**
 * `serve` with several locations (functions/config/locations.ts).
 *
 * At the home: the inbox of the other locations' results (`POST /ingest`, parsed with the wire contract), the wait
 * for a slot's results once the home's own run is done (at most the target's share of its period), and the
 * decision (functions/alerting/slots.ts, the same as on AWS). At another location: its run of a target (the
 * end-to-end check, or every check on the target's private network) and the POST of its result to the home.
 */
import { type SlotRule, slotKey } from '../../functions/alerting/slots.ts';
import { slotStartOf } from '../../functions/config/fleet.ts';
import {
  LOCATION_SEND_MS,
  layersAt,
  locationRunMs,
  locationsOf,
  quorumOf,
  waitMsOf,
} from '../../functions/config/locations.ts';
import { currentSlot, DEFAULT_SCHEDULE, periodMs, startOffsetMs } from '../../functions/config/schedule.ts';
import type { Config, Target } from '../../functions/config/schema.ts';
import type { LocationResult } from '../../functions/contract/types.ts';
import { locationResultSchema, wireProblems } from '../../functions/contract/wire.ts';
import { locationRun } from '../../functions/handlers/location-run.ts';
import { couldCheck } from '../../functions/verdict/consensus.ts';
import { localHandlers, runTarget } from '../run.ts';

/** The largest body /ingest reads: a location's result is a few kilobytes; a whole run's a few tens. */
export const INGEST_LIMIT = 256 * 1024;
/** Each POST to the home must be answered within this. */
export const SEND_DEADLINE_MS = LOCATION_SEND_MS;

/**
 * The key (ISO 8601) of the target's scheduled slot at or before `ms`: a scheduled run's own slot (serve names it from
 * the planned instant, never from a measured start), or for a run at start the slot under way. The same function as
 * a deployed fleet's (functions/config/fleet.ts slotStartOf), whose starts spread over the whole period here.
 */
export function scheduledSlotKey(t: Target, ms: number): string {
  const period = periodMs(t);
  return slotKey(slotStartOf(t.name, period, period, ms));
}

/** How far a location's clock may be ahead of or behind the home's, for the slot it names. */
export const SLOT_SKEW_MS = 30_000;
/** The most slots the inbox keeps per target on average (the few of its last 2 periods): past it, the oldest go. */
export const SLOTS_PER_TARGET = 5;

/**
 * Why the home refuses a location's `slot` for the target, or undefined when it takes it: a slot of the target's
 * schedule (as the home computes it), the current or the previous one, give or take SLOT_SKEW_MS of clock skew.
 * Anything else is a replay, a result far too late, or a clock that is wrong.
 */
export function slotRefusal(t: Target, slot: string, nowMs: number): string | undefined {
  const ms = Date.parse(slot);
  if (!Number.isFinite(ms) || scheduledSlotKey(t, ms) !== slot)
    return `slot "${slot}" is not one of ${t.name}'s scheduled slots (every ${t.schedule ?? DEFAULT_SCHEDULE}, as ${scheduledSlotKey(t, nowMs)})`;
  const home = new Date(nowMs).toISOString();
  if (ms > nowMs + SLOT_SKEW_MS)
    return `slot ${slot} of ${t.name} has not begun by the home's clock (${home}): check the location's clock`;
  const previous =
    currentSlot(nowMs - SLOT_SKEW_MS, periodMs(t), startOffsetMs(t.name, periodMs(t))) - periodMs(t);
  if (ms < previous)
    return `slot ${slot} of ${t.name} is older than the previous slot (${slotKey(previous)}, by the home's clock ${home}): a replay, or a result too late to count`;
  return undefined;
}

/** The consensus rule of a target, as the slot's decision needs it. */
export function slotRule(config: Config, t: Target): SlotRule {
  const { home, others } = locationsOf(config);
  return {
    home: home.name,
    others: others.map((l) => l.name),
    quorum: quorumOf(config, t).k,
    waitMs: waitMsOf(config, periodMs(t), locationRunMs(t)),
  };
}

type Ingested =
  | { ok: true; result: LocationResult; late: boolean }
  | { ok: false; status: number; error: string };

interface Slot {
  others: Map<string, LocationResult>;
  /** Wakes the home's wait up when the slot becomes complete. */
  wake?: () => void;
  /** The slot's start and its target's period (epoch ms): it is dropped 2 periods (and the skew) after it began. */
  startMs: number;
  periodMs: number;
  /** Decided by the home: a result that comes now is late, logged once per location. */
  decided?: boolean;
  late?: Set<string>;
}

/** The home's inbox: each slot's results as they come, each location's latest, and when each last sent. */
export class LocationInbox {
  private stopped = false;
  private readonly slots = new Map<string, Slot>();
  private readonly latest = new Map<string, Map<string, LocationResult>>();
  private readonly seen = new Map<string, number>();
  private readonly targets: Map<string, Target>;
  private readonly others: ReadonlySet<string>;
  readonly home: string;

  constructor(
    config: Config,
    private readonly now: () => Date = () => new Date(),
    private readonly log: (line: string) => void = () => {},
  ) {
    const l = locationsOf(config);
    this.home = l.home.name;
    this.others = new Set(l.others.map((o) => o.name));
    this.targets = new Map(config.targets.map((t) => [t.name, t]));
  }

  /** The other locations' names. */
  get locations(): string[] {
    return [...this.others];
  }

  /** How many slots are kept (decided or not). */
  get size(): number {
    return this.slots.size;
  }

  /**
   * A body of `POST /ingest` from the location `from` (the one its token names): kept, or refused with an HTTP
   * status and why (naming the fields). A result for a slot the home has decided is late: it counts as the location
   * heard from, is logged once, and changes nothing.
   */
  ingest(value: unknown, from: string): Ingested {
    const parsed = wireProblems(locationResultSchema, value);
    if (!parsed.ok)
      return { ok: false, status: 400, error: `a location's result: ${parsed.problems.join('; ')}` };
    const r = parsed.data;
    if (!this.others.has(r.location))
      return {
        ok: false,
        status: 403,
        error: `"${r.location}" is not a location of this home's config (${[...this.others].join(', ') || 'none'})`,
      };
    if (r.location !== from)
      return {
        ok: false,
        status: 403,
        error: `location: this token is ${from}'s, and the result says "${r.location}": a location posts its own results only`,
      };
    const t = this.targets.get(r.target);
    if (!t) return { ok: false, status: 404, error: `no target named "${r.target}"` };
    const now = this.now().getTime();
    const refused = r.slot === undefined ? undefined : slotRefusal(t, r.slot, now);
    if (refused) return { ok: false, status: 422, error: refused };
    // Heard from only when it could check: one that cannot is as silent, and named as such.
    if (couldCheck(r.location, r)) this.seen.set(r.location, now);
    const latest = this.latest.get(r.target) ?? new Map<string, LocationResult>();
    this.latest.set(r.target, latest);
    latest.set(r.location, r);
    let late = false;
    if (r.slot) {
      const slot = this.slotOf(t, r.slot, now);
      if (slot.decided) {
        late = true;
        slot.late ??= new Set();
        if (!slot.late.has(r.location))
          this.log(
            `${r.target}: ${r.location}'s result for slot ${r.slot} came after the home decided it: late, not counted`,
          );
        slot.late.add(r.location);
      } else {
        slot.others.set(r.location, r);
        if ([...this.others].every((o) => slot.others.has(o))) slot.wake?.();
      }
    }
    return { ok: true, result: r, late };
  }

  /** The target's slot, created when new; old slots are dropped first, then the oldest past the cap. */
  private slotOf(t: Target, slot: string, now: number): Slot {
    const key = `${t.name} ${slot}`;
    const found = this.slots.get(key);
    if (found) return found;
    this.prune(now);
    const s: Slot = {
      others: new Map<string, LocationResult>(),
      startMs: Date.parse(slot),
      periodMs: periodMs(t),
    };
    this.slots.set(key, s);
    return s;
  }

  /**
   * Slots older than 2 periods of their target (and the skew) are gone, decided or not (the wait is a share of one
   * period; an older result is refused); then, past SLOTS_PER_TARGET per target, the oldest made.
   */
  private prune(now: number): void {
    for (const [key, s] of this.slots)
      if (now - s.startMs > 2 * s.periodMs + SLOT_SKEW_MS) this.slots.delete(key);
    const cap = SLOTS_PER_TARGET * this.targets.size;
    for (const key of this.slots.keys()) {
      if (this.slots.size < cap) break;
      this.slots.delete(key);
    }
  }

  /**
   * The other locations' results for the home's run of a slot: once all are in, or after `waitMs`, whichever comes
   * first; the slot is then decided. A run off the schedule (`slot` undefined: /probe) waits for nothing, and takes
   * each location's latest result of the last period.
   */
  async collect(t: Target, slot: string | undefined, waitMs: number): Promise<Map<string, LocationResult>> {
    const now = this.now().getTime();
    if (slot === undefined) {
      const within = now - periodMs(t);
      return new Map(
        [...(this.latest.get(t.name) ?? new Map<string, LocationResult>())].filter(
          ([, r]) => Date.parse(r.at) >= within,
        ),
      );
    }
    const s = this.slotOf(t, slot, now);
    if (!this.stopped && ![...this.others].every((o) => s.others.has(o)) && waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        s.wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
    }
    const others = new Map(s.others);
    // Kept (empty) until pruned: what comes now for it is late.
    s.decided = true;
    s.others.clear();
    delete s.wake;
    return others;
  }

  /**
   * Serve is stopping: no slot waits for the other locations any longer (a wait of up to half a period would hold
   * the stop past a service manager's timeout); each slot under way is collected with what has come.
   */
  stop(): void {
    this.stopped = true;
    for (const s of this.slots.values()) s.wake?.();
  }

  /** When the location last sent a result (epoch ms), if it has since serve started. */
  lastSeen(location: string): number | undefined {
    return this.seen.get(location);
  }
}

/** Sends a location's results to the home's `/ingest`, with the home's token. Throws on any answer but 2xx. */
export function homeSender(home: string, token: string | undefined) {
  const url = new URL('/ingest', home).href;
  const host = new URL(home).host;
  return {
    where: host,
    async send(result: LocationResult): Promise<void> {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(result),
        redirect: 'manual',
        signal: AbortSignal.timeout(SEND_DEADLINE_MS),
      });
      const text = await res.text().catch(() => '');
      if (!res.ok)
        throw new Error(`the home at ${host} answered ${res.status}: ${text.trim().slice(0, 200)}`);
    },
  };
}

/** A location's run of a target: every check where it reaches the private network, else end to end. */
export function locationRunner(config: Config, location: string) {
  const handlers = localHandlers(config);
  return (t: Target, slot: string | undefined, at: Date): Promise<LocationResult> =>
    locationRun(
      {
        endToEnd: (event) => handlers['end-to-end'](event),
        fullRun: async () => (await runTarget(config, t, undefined, { allLayers: false })).report,
      },
      { location, target: t.name, slot, at, full: layersAt(config, t, location).length > 1 },
    );
}
