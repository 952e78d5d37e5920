import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../functions/config/duration.ts';
import { activeWindow, type MaintenanceWindow } from '../../functions/config/maintenance.ts';
import { formatProblems, validateConfig } from '../../functions/config/validate.ts';
import { configInput, targetInput } from '../fixtures/config.ts';

const problemsOf = (overrides: Record<string, unknown>) => {
  const v = validateConfig(configInput(targetInput(overrides)));
  return v.ok ? '' : formatProblems(v.problems);
};

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2h', 7_200_000],
    ['0m', undefined],
    ['', undefined],
    ['5 m', undefined],
    ['1m1h', undefined],
  ])('%s is %s ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    if (ms !== undefined) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('maintenance windows: the config', () => {
  it.each([
    [{ start: '2026-12-01T02:00:00Z', end: '2026-12-01T04:00:00+01:00' }, ''],
    [{ every: ['monday', 'thursday'], at: '23:30', duration: '2h', timezone: 'Europe/Paris' }, ''],
    [{ name: 'nightly', every: 'day', at: '02:00', duration: '30m' }, ''],
    // Names outside ICU's canonical list are still time zones: an alias, and UTC.
    [{ every: 'day', at: '02:00', duration: '1h', timezone: 'Asia/Kolkata' }, ''],
    [{ every: 'day', at: '02:00', duration: '1h', timezone: 'UTC' }, ''],
    [
      { start: '2026-12-01 02:00', end: '2026-12-01T04:00:00Z' },
      'targets[0].maintenance[0].start: must be a date and time with its UTC offset',
    ],
    [
      { start: '2026-12-01T04:00:00Z', end: '2026-12-01T02:00:00Z' },
      'targets[0].maintenance[0].end: must be after start (2026-12-01T04:00:00Z) (got "2026-12-01T02:00:00Z")',
    ],
    [
      { start: '2026-12-01T04:00:00Z' },
      'targets[0].maintenance[0].end: a one-off window needs start and end',
    ],
    [
      { start: '2026-12-01T02:00:00Z', end: '2026-12-01T04:00:00Z', every: 'day' },
      'a window is one-off ({start, end}) or recurring ({every, at, duration, timezone?}), not both',
    ],
    [
      { every: 'day', at: '02:00' },
      'targets[0].maintenance[0].duration: a recurring window needs every, at and duration',
    ],
    [
      { every: 'day', at: '25:00', duration: '1h' },
      'targets[0].maintenance[0].at: must be a time of day, HH:MM',
    ],
    [
      { every: 'day', at: '02:00', duration: '25h' },
      'targets[0].maintenance[0].duration: must be a duration from 1s to 24h',
    ],
    [
      { every: ['funday'], at: '02:00', duration: '1h' },
      'targets[0].maintenance[0].every: must be "day" or a list of days',
    ],
    [
      { every: 'day', at: '02:00', duration: '1h', timezone: 'Mars/Olympus' },
      'targets[0].maintenance[0].timezone: must be an IANA time zone',
    ],
    [{}, 'a window needs {start, end} (one-off) or {every, at, duration} (recurring)'],
  ])('%j: %s', (window, problem) => {
    const problems = problemsOf({ maintenance: [window] });
    if (problem === '') expect(problems).toBe('');
    else expect(problems).toContain(problem);
  });

  it('takes a schedule from 1s to 24h and a confirmation delay up to a minute, with their defaults', () => {
    expect(problemsOf({ schedule: '500ms' })).toContain(
      'targets[0].schedule: must be a duration from 1s to 24h',
    );
    expect(problemsOf({ schedule: '30s', confirmDelayMs: 0 })).toBe('');
    expect(problemsOf({ confirmDelayMs: 1.5 })).toContain('targets[0].confirmDelayMs');
    expect(problemsOf({ confirmDelayMs: 60_001 })).toContain('targets[0].confirmDelayMs');
    const v = validateConfig(configInput(targetInput()));
    expect(v.ok && v.config.targets[0]).toMatchObject({ confirmDelayMs: 2000 });
    expect(v.ok && v.config.targets[0]?.schedule).toBeUndefined();
  });
});

describe('maintenance windows: in or out', () => {
  const at = (iso: string) => new Date(iso);
  it.each<[string, MaintenanceWindow[], string, string | undefined]>([
    [
      'one-off, inside',
      [{ start: '2026-12-01T02:00:00Z', end: '2026-12-01T04:00:00Z' }],
      '2026-12-01T02:00:00Z',
      '2026-12-01T04:00:00.000Z',
    ],
    [
      'one-off, at its end',
      [{ start: '2026-12-01T02:00:00Z', end: '2026-12-01T04:00:00Z' }],
      '2026-12-01T04:00:00Z',
      undefined,
    ],
    [
      'one-off with an offset',
      [{ start: '2026-12-01T03:00:00+01:00', end: '2026-12-01T05:00:00+01:00' }],
      '2026-12-01T03:59:00Z',
      '2026-12-01T04:00:00.000Z',
    ],
    [
      'every day, inside',
      [{ every: 'day', at: '02:00', duration: '1h' }],
      '2026-12-05T02:30:00Z',
      '2026-12-05T03:00:00.000Z',
    ],
    ['every day, before', [{ every: 'day', at: '02:00', duration: '1h' }], '2026-12-05T01:59:59Z', undefined],
    // 2026-12-01 is a Tuesday: Monday's 23:00 window runs past midnight.
    [
      'past midnight, the day after',
      [{ every: ['monday'], at: '23:00', duration: '2h' }],
      '2026-12-01T00:30:00Z',
      '2026-12-01T01:00:00.000Z',
    ],
    ['another day', [{ every: ['monday'], at: '23:00', duration: '2h' }], '2026-12-01T23:30:00Z', undefined],
    // Paris is UTC+1 in winter, UTC+2 in summer: the window follows the wall clock.
    [
      'a time zone, winter',
      [{ every: 'day', at: '02:00', duration: '1h', timezone: 'Europe/Paris' }],
      '2026-01-10T01:30:00Z',
      '2026-01-10T02:00:00.000Z',
    ],
    [
      'a time zone, summer',
      [{ every: 'day', at: '02:00', duration: '1h', timezone: 'Europe/Paris' }],
      '2026-07-10T00:30:00Z',
      '2026-07-10T01:00:00.000Z',
    ],
    [
      'several: the one that ends last',
      [
        { start: '2026-12-01T02:00:00Z', end: '2026-12-01T03:00:00Z' },
        { name: 'long', start: '2026-12-01T01:00:00Z', end: '2026-12-01T05:00:00Z' },
      ],
      '2026-12-01T02:30:00Z',
      '2026-12-01T05:00:00.000Z',
    ],
  ])('%s', (_name, windows, when, until) => {
    expect(activeWindow(windows, at(when))?.until.toISOString()).toBe(until);
  });

  it('names a window by its name, else by what it covers', () => {
    expect(
      activeWindow([{ name: 'db upgrade', every: 'day', at: '00:00', duration: '24h' }], new Date())?.name,
    ).toBe('db upgrade');
    expect(
      activeWindow([{ every: ['monday'], at: '23:00', duration: '2h' }], at('2026-11-30T23:30:00Z'))?.name,
    ).toBe('every monday at 23:00 for 2h (UTC)');
  });
});
