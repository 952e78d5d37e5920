/**
 * What pages and reports say of several locations: each location's outcome, error and latency, the notice for a
 * failure fewer than K locations see (their network paths), and the notice for a location gone silent. Pure.
 */
import type { AlarmTransition } from '../alerting/rules.ts';
import { safeText } from '../contract/text.ts';
import type { Agreement, LocationSeen, Report } from '../contract/types.ts';
import { html, type SafeHtml } from './layout.ts';

export interface NoticeText {
  subject: string;
  lines: string[];
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

/** One location as a line: `  us-east-1 (home)  FAIL [timeout]  5.00 s  connect ETIMEDOUT …`. */
export function locationLine(s: LocationSeen, width = 12): string {
  const who = `${s.location}${s.home ? ' (home)' : ''}`.padEnd(width + 7);
  const outcome =
    s.outcome === 'fail'
      ? `FAIL [${s.kind ?? '?'}]`
      : s.outcome === 'unknown'
        ? 'UNKNOWN (no result)'
        : s.outcome === 'slow'
          ? 'SLOW'
          : 'PASS';
  const detail = s.outcome === 'pass' ? '' : (s.error ?? s.message ?? '');
  const own = s.status ? ` (its own run: ${s.status}${s.fault ? `, fault ${s.fault}` : ''})` : '';
  return safeText(`  ${who} ${outcome.padEnd(24)} ${seconds(s.totalMs).padStart(8)}  ${detail}${own}`, 600);
}

/** The agreement as a page or the CLI shows it: its rule, then each location's line. */
export function agreementLines(a: Agreement): string[] {
  const failing = a.locations.filter((l) => l.outcome === 'fail').length;
  const width = Math.max(...a.locations.map((l) => l.location.length));
  return [
    `Locations: ${failing} of ${a.of} fail end to end; a failure pages when ${a.quorum} confirm it${a.confirmed ? ' (confirmed)' : ''}.`,
    ...a.locations.map((l) => locationLine(l, width)),
  ];
}

/** `(3 of 3 locations)` for a subject. */
export const agreementTag = (a: Agreement | undefined): string =>
  a ? ` (${a.locations.filter((l) => l.outcome === 'fail').length} of ${a.of} locations)` : '';

/** The notice of the `location-path` rule: some locations fail end to end, fewer than K. */
export function locationPathText(t: AlarmTransition, report: Report | undefined): NoticeText {
  const a = report?.agreement;
  if (t.state === 'OK')
    return {
      subject: `[download-doctor] RESOLVED ${t.target}: the locations agree again`,
      lines: [
        `download-doctor: the locations checking target "${t.target}" agree again (${t.alarmName} is OK since ${t.at.toISOString()}).`,
        ...(a ? [safeText(`Latest: ${a.summary}`, 600)] : []),
      ],
    };
  const failing = a?.locations.filter((l) => l.outcome === 'fail').map((l) => l.location) ?? [];
  return {
    subject: `[download-doctor] NETWORK PATH ${t.target}: only ${failing.join(', ') || 'some locations'} fail${failing.length === 1 ? 's' : ''}`,
    lines: [
      `download-doctor: target "${t.target}": ${a ? a.summary : 'some locations fail end to end, fewer than the consensus rule asks'}.`,
      'This is not a page: the site works from the other locations. Check the network from the failing ones (their DNS, routes, firewall, proxy).',
      '',
      ...(a ? agreementLines(a) : []),
      '',
      `Why this notice: ${t.alarmName}: ${t.rule.description}.`,
    ],
  };
}

/** The notice of the `location-silent` rule: a location sent nothing (its alarm's target is the location). */
export function locationSilentText(t: AlarmTransition): NoticeText {
  if (t.state === 'OK')
    return {
      subject: `[download-doctor] RESOLVED location ${t.target}: its results come again`,
      lines: [
        `download-doctor: location "${t.target}" sends its results again (${t.alarmName} is OK since ${t.at.toISOString()}).`,
      ],
    };
  return {
    subject: `[download-doctor] LOCATION SILENT ${t.target}: no result`,
    lines: [
      `download-doctor: location "${t.target}" sent no result it could check with for ${t.rule.datapointsToAlarm} of its last ${t.rule.evaluationPeriods} periods (as of ${t.at.toISOString()}).`,
      'Its checks do not run, its results cannot reach the home, or it cannot check (its settings, credentials or secrets: the status page shows what its results say).',
      'This is not a page: the home decides without it (unknown, never a failure),',
      'so fewer locations must agree on a failure until it comes back.',
      '',
      `Why this notice: ${t.alarmName}: ${t.rule.description}.`,
    ],
  };
}

const OUTCOME_CLASS = {
  fail: 'o-failed',
  slow: 'o-degraded',
  pass: 'o-healthy',
  unknown: 'o-error',
} as const;

/**
 * The agreement as a table (the HTML report, serve's pages): each location, its outcome end to end, the download's
 * time and first byte from there, and what it met; `detail` adds each location's own verdict where it ran every
 * check.
 */
export function agreementHtml(a: Agreement): SafeHtml {
  const failing = a.locations.filter((l) => l.outcome === 'fail').length;
  const rows = a.locations.map(
    (l) =>
      html`<tr data-location="${l.location}" data-outcome="${l.outcome}"><td>${l.location}${l.home ? ' (home)' : ''}</td><td class="${OUTCOME_CLASS[l.outcome]}">${l.outcome === 'fail' ? `fail [${l.kind ?? '?'}]` : l.outcome}</td><td>${seconds(l.totalMs)}</td><td>${seconds(l.firstByteMs)}</td><td>${l.outcome === 'pass' ? '' : (l.error ?? l.message ?? '')}${l.status ? ` (its own run: ${l.status}${l.fault ? `, fault ${l.fault}` : ''})` : ''}</td></tr>`,
  );
  return html`<section class="locations" data-agreement="${a.confirmed ? 'confirmed' : 'not-confirmed'}"><h2>Locations</h2>
<p class="meta">${failing} of ${a.of} locations fail end to end; a failure pages when ${a.quorum} confirm it${a.confirmed ? ': confirmed' : ''}. ${a.summary}</p>
<table><thead><tr><th>location</th><th>end to end</th><th>download</th><th>first byte</th><th>what it met</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
