/** A probe's clock: when it started, and the phases it measured on the way (ms); it becomes the result's timings. */
import type { Timings } from '../contract/types.ts';

export type Clock = { start: number } & Partial<Omit<Timings, 'totalMs'>>;

const PHASES = ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs', 'transferMs'] as const;

/** The phases that happened, to a tenth of a millisecond, and the total from the start until now. */
export function timings(clock: Clock): Timings {
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  const out: Timings = { totalMs: round(performance.now() - clock.start) };
  for (const key of PHASES) {
    const value = clock[key];
    if (value !== undefined) out[key] = round(value);
  }
  return out;
}
