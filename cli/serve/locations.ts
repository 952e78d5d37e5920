/**
 * `serve` with several locations (functions/config/locations.ts).
 *
 * At the home: the inbox of the other locations' results (`POST /ingest`, parsed with the wire contract), the wait
 * for a slot's results once the home's own run is done (at most the target's share of its period), and the
 * decision (functions/alerting/slots.ts, the same as on AWS). At another location: its run of a target (the
 * end-to-end check, or every check on the target's private network) and the POST of its result to the home.
 */
import { type SlotRule, slotKey } from '../../functions/alerting/slots.ts';
import {
  LOCATION_SEND_MS,
  layersAt,
  locationRunMs,
  locationsOf,
  quorumOf,
  waitMsOf,
} from '../../functions/config/locations.ts';
import { currentSlot, periodMs, startOffsetMs } from '../../functions/config/schedule.ts';
import type { Config, Target } from '../../functions/config/schema.ts';
import type { LocationResult } from '../../functions/contract/types.ts';
import { locationResultSchema, wireProblems } from '../../functions/contract/wire.ts';
import { locationRun } from '../../functions/handlers/location-run.ts';
import { localHandlers, runTarget } from '../run.ts';

/** The largest body /ingest reads: a location's result is a few kilobytes; a whole run's a few tens. */
export const INGEST_LIMIT = 256 * 1024;
/** Each POST to the home must be answered within this. */
export const SEND_DEADLINE_MS = LOCATION_SEND_MS;

/** The aligned slot a run stands for: its scheduled slot, or for a run at start the slot under way. */
export function slotOfRun(t: Target, startMs: number): string {
  const period = periodMs(t);
  return slotKey(currentSlot(startMs, period, startOffsetMs(t.name, period)));
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

type Ingested = { ok: true; result: LocationResult } | { ok: false; status: number; error: string };

interface Slot {
  others: Map<string, LocationResult>;
  /** Wakes the home's wait up when the slot becomes complete. */
  wake?: () => void;
  created: number;
}

/** The home's inbox: each slot's results as they come, each location's latest, and when each last sent. */
export class LocationInbox {
  private readonly slots = new Map<string, Slot>();
  private readonly latest = new Map<string, Map<string, LocationResult>>();
  private readonly seen = new Map<string, number>();
  private readonly targets: Map<string, Target>;
  private readonly others: ReadonlySet<string>;
  readonly home: string;

  constructor(
    config: Config,
    private readonly now: () => Date = () => new Date(),
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

  /** A body of `POST /ingest`, read: kept, or refused with an HTTP status and why (naming the fields). */
  ingest(value: unknown): Ingested {
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
    if (!this.targets.has(r.target))
      return { ok: false, status: 404, error: `no target named "${r.target}"` };
    const now = this.now().getTime();
    this.seen.set(r.location, now);
    const latest = this.latest.get(r.target) ?? new Map<string, LocationResult>();
    this.latest.set(r.target, latest);
    latest.set(r.location, r);
    if (r.slot) {
      const slot = this.slotOf(r.target, r.slot, now);
      slot.others.set(r.location, r);
      if ([...this.others].every((o) => slot.others.has(o))) slot.wake?.();
    }
    this.prune(now);
    return { ok: true, result: r };
  }

  private slotOf(target: string, slot: string, now: number): Slot {
    const key = `${target} ${slot}`;
    const s = this.slots.get(key) ?? { others: new Map<string, LocationResult>(), created: now };
    this.slots.set(key, s);
    return s;
  }

  /** Slots older than a day are gone (a slot is decided within its period). */
  private prune(now: number): void {
    for (const [key, s] of this.slots) if (now - s.created > 86_400_000) this.slots.delete(key);
  }

  /**
   * The other locations' results for the home's run of a slot: once all are in, or after `waitMs`, whichever comes
   * first. A run off the schedule (`slot` undefined: /probe) waits for nothing, and takes each location's latest
   * result of the last period.
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
    const s = this.slotOf(t.name, slot, now);
    if (![...this.others].every((o) => s.others.has(o)) && waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        s.wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
    }
    this.slots.delete(`${t.name} ${slot}`);
    return new Map(s.others);
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
