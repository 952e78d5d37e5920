/**
 * Maintenance windows, per target: runs go on and their reports say "in maintenance", but pages and recovery
 * notices are not sent (the `no-data` rule, about the monitor itself, is not affected). Pure: the config's form,
 * and whether an instant falls in a window.
 *
 * Two forms, in the manner of Gatus' `maintenance`:
 *   - one-off: `{ start: "2026-12-01T02:00:00Z", end: "2026-12-01T04:00:00Z" }`, each with its UTC offset;
 *   - recurring: `{ every: "day" | ["monday", ...], at: "02:00", duration: "2h", timezone?: "Europe/Paris" }`:
 *     from `at` (wall-clock time in `timezone`, UTC by default) on each of those days, for `duration` (real
 *     time, at most 24 h; a window may run past midnight).
 * An optional `name` says what it is for; it shows in reports and logs.
 */
// zod/mini, as the config schema (./config.ts).
import * as z from 'zod/mini';
import { parseDuration } from './duration.ts';

export const WEEKDAYS = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
const DAY_MS = 86_400_000;

const instant = z.iso.datetime({
  offset: true,
  error:
    'must be a date and time with its UTC offset, such as 2026-12-01T02:00:00Z or 2026-12-01T03:00:00+01:00',
});

/**
 * An IANA time zone this Node.js knows. Its canonical names come from a list (about 2 ms); anything else (an
 * alias such as Asia/Kolkata, UTC) is asked of a DateTimeFormat, whose first one loads the time zone data:
 * about 25 ms that every cold start of a function validating the config would pay.
 */
let canonicalZones: ReadonlySet<string> | undefined;
function isTimeZone(tz: string): boolean {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const maintenanceWindowSchema = z
  .strictObject({
    /** What the window is for (it shows in reports and logs). */
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
    /** One-off: the first instant in maintenance. */
    start: z.optional(instant),
    /** One-off: the first instant no longer in maintenance. */
    end: z.optional(instant),
    /** Recurring: every day, or on these days (in `timezone`). */
    every: z.optional(
      z.union([z.literal('day'), z.array(z.enum(WEEKDAYS)).check(z.minLength(1))], {
        error: `must be "day" or a list of days (${WEEKDAYS.join(', ')})`,
      }),
    ),
    /** Recurring: when it starts, HH:MM on a 24-hour clock, in `timezone`. */
    at: z.optional(
      z
        .string()
        .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day, HH:MM on a 24-hour clock')),
    ),
    /** Recurring: how long it lasts, such as `30m`, `2h` or `1h30m` (at most 24h). */
    duration: z.optional(
      z.string().check(
        z.refine((d) => {
          const ms = parseDuration(d);
          return ms !== undefined && ms <= DAY_MS;
        }, 'must be a duration from 1s to 24h, such as 30m, 2h or 1h30m'),
      ),
    ),
    /** Recurring: the IANA time zone of `at` and of the days. @default "UTC" */
    timezone: z.optional(
      z.string().check(z.refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris or UTC')),
    ),
  })
  .check(
    z.superRefine((w, ctx) => {
      const issue = (path: string, message: string, input?: unknown) =>
        ctx.addIssue({ code: 'custom', path: [path], message, ...(input === undefined ? {} : { input }) });
      const oneOff = w.start !== undefined || w.end !== undefined;
      const recurring = w.every !== undefined || w.at !== undefined || w.duration !== undefined;
      if (oneOff && (recurring || w.timezone !== undefined)) {
        issue(
          w.start !== undefined ? 'start' : 'end',
          'a window is one-off ({start, end}) or recurring ({every, at, duration, timezone?}), not both',
        );
        return;
      }
      if (oneOff) {
        if (w.start === undefined) issue('start', 'a one-off window needs start and end');
        else if (w.end === undefined) issue('end', 'a one-off window needs start and end');
        else if (Date.parse(w.end) <= Date.parse(w.start))
          issue('end', `must be after start (${w.start})`, w.end);
        return;
      }
      if (!recurring) {
        issue('start', 'a window needs {start, end} (one-off) or {every, at, duration} (recurring)');
        return;
      }
      for (const field of ['every', 'at', 'duration'] as const) {
        if (w[field] === undefined) issue(field, 'a recurring window needs every, at and duration');
      }
    }),
  );
export type MaintenanceWindow = z.output<typeof maintenanceWindowSchema>;

/** The window a run is in: its name (or a description) and when it ends. */
export interface ActiveWindow {
  name: string;
  /** The end of this occurrence (of the longest, when several windows are active). */
  until: Date;
}

/** A window in words: its name, else what it covers. */
export function describeWindow(w: MaintenanceWindow): string {
  if (w.name) return w.name;
  if (w.start && w.end) return `${w.start} to ${w.end}`;
  const days = w.every === 'day' ? 'every day' : `every ${(w.every ?? []).join(', ')}`;
  return `${days} at ${w.at} for ${w.duration} (${w.timezone ?? 'UTC'})`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The wall-clock fields of an instant in a time zone. */
function wallClock(tz: string, t: number) {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(t)).map((p) => [p.type, Number(p.value)]));
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** How far the zone's wall clock is ahead of UTC at instant t, in ms. */
function offsetMs(tz: string, t: number): number {
  const w = wallClock(tz, t);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(t / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in a zone. A time skipped by a DST change (02:30 on the spring-forward
 * day) falls an hour later, as clocks read after the change; a repeated one (autumn) is its second occurrence.
 */
function zonedInstant(tz: string, y: number, mo: number, d: number, hh: number, mm: number): number {
  const asUtc = Date.UTC(y, mo - 1, d, hh, mm);
  const first = asUtc - offsetMs(tz, asUtc);
  const second = asUtc - offsetMs(tz, first);
  return Math.max(first, second);
}

/** The occurrence of a window that contains t, as [start, end) in ms, if any. */
function occurrence(w: MaintenanceWindow, t: number): [number, number] | undefined {
  if (w.start && w.end) {
    const [s, e] = [Date.parse(w.start), Date.parse(w.end)];
    return s <= t && t < e ? [s, e] : undefined;
  }
  const tz = w.timezone ?? 'UTC';
  const length = parseDuration(w.duration ?? '') ?? 0;
  const [hh, mm] = (w.at ?? '00:00').split(':').map(Number) as [number, number];
  const today = wallClock(tz, t);
  // A window lasts at most a day: only the occurrences that began today or yesterday (local days) can hold t.
  for (const back of [0, 1]) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day - back));
    const weekday = WEEKDAYS[date.getUTCDay()] as (typeof WEEKDAYS)[number];
    if (w.every !== 'day' && !w.every?.includes(weekday)) continue;
    const start = zonedInstant(tz, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hh, mm);
    if (start <= t && t < start + length) return [start, start + length];
  }
  return undefined;
}

/** The maintenance a target is in at `at`, or undefined. Several active windows: the one that ends last. */
export function activeWindow(
  windows: readonly MaintenanceWindow[] | undefined,
  at: Date,
): ActiveWindow | undefined {
  let found: ActiveWindow | undefined;
  for (const w of windows ?? []) {
    const o = occurrence(w, at.getTime());
    if (o && (!found || o[1] > found.until.getTime()))
      found = { name: describeWindow(w), until: new Date(o[1]) };
  }
  return found;
}
