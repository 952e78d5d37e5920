/**
 * Durations as people write them in a config: `30s`, `5m`, `1h30m` (hours, minutes, seconds, in that order, each
 * at most once). Pure.
 */

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** The duration in milliseconds, or undefined when the text is not a duration (or is zero). */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === '') return undefined;
  const [, h = '0', min = '0', s = '0'] = m;
  const ms = ((Number(h) * 60 + Number(min)) * 60 + Number(s)) * 1000;
  return ms > 0 ? ms : undefined;
}

/** The shortest text parseDuration reads back: 90_000 → `1m30s`. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || total === 0 ? `${s}s` : ''}`;
}

const SPAN = /^(?:(\d+)d)?(?:(\d+)h)?$/;

/**
 * A span of days and hours, as a retention or a report's reach is written: `30d`, `36h`, `1d12h`. Undefined when
 * the text is not one (or is zero).
 */
export function parseSpan(text: string): number | undefined {
  const m = SPAN.exec(text);
  if (!m || text === '') return undefined;
  const ms = (Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 3_600_000;
  return ms > 0 ? ms : undefined;
}
