/**
 * The consensus of several locations on one slot of a target: the one decision the alarm rules step on when a
 * target is checked from more than one place. Pure: the home's full run and the other locations' results for the
 * same slot in, the agreement (who fails, passes, is unknown, and whether K of M confirm) and the decided report
 * out.
 *
 * Every location runs the end-to-end check (the public download); the home runs every check, so its run names the
 * layer. A failure is confirmed when at least K locations confirm it (each one's end-to-end check failed, then
 * failed again at its confirmation): the decided verdict is then the home's layer verdict, with every location's
 * evidence. Fewer than K failing points to the network paths of those locations, not to the site: no page, a
 * notice (the `location-path` rule). A location with no result for the slot is unknown, never a failure; K then
 * counts only the locations that answered, so that a monitor whose other locations went silent still pages on the
 * home's confirmed failure (the silence is a notice of its own).
 */
import { type FailureKind, INCONCLUSIVE_KINDS } from '../contract/names.ts';
import type {
  Agreement,
  CheckResult,
  LocationOutcome,
  LocationResult,
  LocationSeen,
  Report,
  Verdict,
} from '../contract/types.ts';

export interface ConsensusInput {
  /** The home's name and its full run for the slot. */
  home: { location: string; report: Report };
  /** Every other location of the target: its result for the slot, or none (unknown). */
  others: readonly { location: string; result?: LocationResult | undefined }[];
  /** K: how many locations must confirm a failure. */
  quorum: number;
}

export interface Decision {
  agreement: Agreement;
  /** The home's report, with the consensus's verdict and the agreement. */
  report: Report;
}

/**
 * Kinds that say the check could not run at that location (its own settings, a crash): the location knows nothing
 * of the site. A name that does not resolve is the site's (or its DNS's), so `dns` counts as a failure.
 */
const NOTHING_KNOWN: ReadonlySet<FailureKind> = new Set([...INCONCLUSIVE_KINDS].filter((k) => k !== 'dns'));

/** A failure kind as a sentence says it: "fails end to end, with a timeout". */
const KIND_PHRASES: Partial<Record<FailureKind, string>> = {
  timeout: 'a timeout',
  'connect-refused': 'its connection refused',
  'connect-failed': 'a failed connection',
  reset: 'a reset connection',
  tls: 'a TLS failure',
  dns: 'a name that does not resolve',
  status: 'an unexpected status',
  truncated: 'a cut download',
  'checksum-mismatch': 'other bytes',
  'size-mismatch': 'another size',
};
export const kindPhrase = (kind: FailureKind | undefined): string =>
  kind ? (KIND_PHRASES[kind] ?? `[${kind}]`) : 'an unknown failure';

/** A list as a sentence says it: `a`, `a and b`, `a, b and c`. */
export function listed(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

const endToEnd = (results: readonly CheckResult[]) => results.find((r) => r.layer === 'end-to-end');

/** What one location's run says of the target end to end. */
export function seenOf(
  location: string,
  home: boolean,
  run: Pick<LocationResult, 'results' | 'verdict' | 'error'> | undefined,
): LocationSeen {
  const e2e = run && !run.error ? endToEnd(run.results) : undefined;
  if (!e2e || (!e2e.ok && e2e.kind !== undefined && NOTHING_KNOWN.has(e2e.kind)))
    return {
      location,
      home,
      outcome: 'unknown',
      ...(e2e ? { kind: e2e.kind, message: e2e.message } : {}),
      ...(run?.error ? { error: run.error } : {}),
    };
  const outcome: LocationOutcome = !e2e.ok ? 'fail' : e2e.slow ? 'slow' : 'pass';
  return {
    location,
    home,
    outcome,
    ...(e2e.kind ? { kind: e2e.kind } : {}),
    ...(outcome === 'pass' ? {} : { message: e2e.message }),
    ...(e2e.observed.error ? { error: e2e.observed.error } : {}),
    totalMs: e2e.timings.totalMs,
    ...(e2e.timings.firstByteMs !== undefined ? { firstByteMs: e2e.timings.firstByteMs } : {}),
    ...(run?.verdict ? { status: run.verdict.status, fault: run.verdict.fault } : {}),
  };
}

/**
 * Whether a location's result says anything of the target: it could check end to end. One that sends results it
 * cannot check with (its settings, its credentials, a crash) counts as unknown in every slot, as a silent one does:
 * it is not heard from, so that its silence is named to the monitor's owners (the `location-silent` rule).
 */
export const couldCheck = (location: string, result: LocationResult): boolean =>
  seenOf(location, false, result).outcome !== 'unknown';

const seconds = (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);
const names = (seen: readonly LocationSeen[]) => seen.map((s) => s.location);

/** The network error a location met, short: "connect ETIMEDOUT 203.0.113.5:443". */
const errorOf = (s: LocationSeen) =>
  s.error ? ` (${s.error.length > 120 ? `${s.error.slice(0, 119)}…` : s.error})` : '';

/** "eu-west-1 (a timeout), us-east-1 (its connection refused)". */
const failures = (failing: readonly LocationSeen[]) =>
  failing.map((s) => `${s.location} (${kindPhrase(s.kind)})`);

/**
 * Who fails, as on-call reads it: "us-east-1 fails end to end, with a timeout (connect ETIMEDOUT …)" for one, "us-east-1
 * (a timeout) and ap-south-1 (a reset connection) fail end to end" for several.
 */
function failingSays(failing: readonly LocationSeen[]): string {
  const [one] = failing;
  if (failing.length === 1 && one)
    return `${one.location} fails end to end, with ${kindPhrase(one.kind)}${errorOf(one)}`;
  return `${listed(failures(failing))} fail end to end`;
}

/** The agreement's line for a person, from who fails, is slow, passes and is unknown. */
function summaryOf(
  seen: readonly LocationSeen[],
  k: number,
  confirmed: boolean,
  home: LocationSeen,
  homeVerdict: Verdict,
): string {
  const by = (o: LocationOutcome) => seen.filter((s) => s.outcome === o);
  const [failing, slow, passing, unknown] = (['fail', 'slow', 'pass', 'unknown'] as const).map(by) as [
    LocationSeen[],
    LocationSeen[],
    LocationSeen[],
    LocationSeen[],
  ];
  const m = seen.length;
  const silent = unknown.length ? `; no result from ${listed(names(unknown))}` : '';
  if (confirmed) {
    if (home.outcome === 'fail')
      return `${failing.length} of ${m} locations: ${homeVerdict.summary}${silent}`;
    const homeSays = home.outcome === 'unknown' ? 'could not check it' : 'passes';
    return (
      `${failing.length} of ${m} locations fail end to end: ${listed(failures(failing))}; ` +
      `the home (${home.location}) ${homeSays}, so its checks cannot name the layer${silent}`
    );
  }
  if (unknown.length === m) return `no location could check it: ${homeVerdict.summary}`;
  const fine = [...passing, ...slow];
  if (failing.length > 0) {
    const paths = failing.length === 1 ? 'the network path' : 'the network paths';
    return (
      `only ${failingSays(failing)}; ` +
      `${listed(names(fine)) || 'no other location'} pass${fine.length === 1 ? 'es' : ''}: ` +
      `${paths} from ${listed(names(failing))}, not the site (${failing.length} of ${m}, fewer than ${k})${silent}`
    );
  }
  const slowFrom = listed(slow.map((s) => `${s.location} (${seconds(s.totalMs)})`));
  if (slow.length > 0 && slow.length < k) {
    const others = passing.map((s) => `${s.location} ${seconds(s.totalMs)}`);
    return (
      `the download is slow from ${slowFrom} only; ` +
      `${listed(others) || 'no other location answered'}: the network path, not the site${silent}`
    );
  }
  if (slow.length > 0 && home.outcome === 'pass')
    return (
      `the download is slow from ${slowFrom} (${slow.length} of ${m}); ` +
      `the home (${home.location}) is fast (${seconds(home.totalMs)}), so its checks cannot name the layer${silent}`
    );
  if (slow.length > 0)
    return `the download is slow from ${slowFrom} (${slow.length} of ${m}): ${homeVerdict.summary}${silent}`;
  return `${fine.length} of ${m} locations agree: ${homeVerdict.summary}${silent}`;
}

/** Each location's evidence, one line each, for the verdict's evidence (the page and the report show it). */
export function evidenceLines(seen: readonly LocationSeen[]): string[] {
  return seen.map((s) => {
    const who = `${s.location}${s.home ? ' (home)' : ''}`;
    if (s.outcome === 'unknown') {
      // A location that ran but could not check (its own settings) says why; a silent one has no result.
      const why = s.error ?? s.message;
      return `${who}: ${s.kind ? 'could not check' : 'no result'}${why ? ` (${why})` : ''}`;
    }
    const outcome = s.outcome === 'fail' ? `FAIL [${s.kind ?? '?'}]` : s.outcome === 'slow' ? 'SLOW' : 'PASS';
    const what = s.message ? `: ${s.message}` : '';
    return `${who}: end to end ${outcome} in ${seconds(s.totalMs)}${what}`;
  });
}

/**
 * The decided verdict: the home's when the locations do not change it; a failure at the home that fewer than K
 * confirm is no failure of the target (the status the others saw), and a failure (a slow download) K confirm while
 * the home passes is one (degraded) whose layer is unknown.
 */
function decidedVerdict(
  homeVerdict: Verdict,
  home: LocationSeen,
  seen: readonly LocationSeen[],
  k: number,
  confirmed: boolean,
  summary: string,
): Verdict {
  const evidence = [...homeVerdict.evidence, ...evidenceLines(seen)];
  const slowCount = seen.filter((s) => s.outcome === 'slow').length;
  if (confirmed) {
    if (home.outcome === 'fail') return { ...homeVerdict, summary, evidence };
    return {
      status: 'failed',
      fault: 'unknown',
      faults: ['unknown'],
      summary,
      rule: 'locations-confirm',
      evidence,
      ...warningOf(homeVerdict, home),
    };
  }
  // Nothing known from anywhere: the home's verdict stands, as a single monitor's would.
  if (seen.every((s) => s.outcome === 'unknown')) return { ...homeVerdict, summary, evidence };
  // The home's own failure, not confirmed, or a failure elsewhere that the home does not share: the target is as
  // the locations that answered saw it, and the report says they disagree (the `location-path` notice's report).
  const partial = seen.some((s) => s.outcome === 'fail');
  if (
    homeVerdict.status === 'failed' ||
    (partial && homeVerdict.status === 'healthy') ||
    (home.outcome === 'slow' && slowCount < k && onlySlowEndToEnd(homeVerdict))
  )
    return {
      status: slowCount >= k ? 'degraded' : 'healthy',
      fault: null,
      faults: [],
      summary,
      rule: 'locations-disagree',
      evidence,
      ...warningOf(homeVerdict, home),
    };
  // Slow from K or more while the home is fast: degraded, as K failing is failed; the home's checks see nothing slow,
  // so no layer is named. The home's monitor warning stands (a full run's diagnostics), as with locations-disagree.
  if (slowCount >= k && home.outcome === 'pass' && homeVerdict.status === 'healthy')
    return {
      status: 'degraded',
      fault: 'unknown',
      faults: ['unknown'],
      summary,
      rule: 'locations-slow',
      evidence,
      ...warningOf(homeVerdict, home),
    };
  return { ...homeVerdict, summary, evidence };
}

/**
 * The monitor's own warning: the home's, or, when the home could not check end to end (its own settings, a crash)
 * while other locations could, one saying so. The others decide without it, and without this nobody would hear
 * that the home, the one location that names the layer, is blind (the monitor's owners are told; on-call is not).
 */
function warningOf(homeVerdict: Verdict, home: LocationSeen): Pick<Verdict, 'monitorWarning'> {
  if (homeVerdict.monitorWarning) return { monitorWarning: homeVerdict.monitorWarning };
  if (home.outcome !== 'unknown') return {};
  const why = home.error ?? home.message;
  return {
    monitorWarning:
      `the home (${home.location}) could not check end to end${why ? ` (${why})` : ''}: ` +
      'the other locations decide without it, and no check names a layer; fix its settings or credentials',
  };
}

/** The home's verdict is degraded for its end-to-end time alone (the rule of a slow download, app fine). */
const onlySlowEndToEnd = (v: Verdict) => v.status === 'degraded' && v.rule === 'slow-end-to-end';

/** The decision of one slot. */
export function decide(input: ConsensusInput): Decision {
  const homeReport = input.home.report;
  const home = seenOf(input.home.location, true, {
    results: homeReport.results,
    verdict: homeReport.verdict,
  });
  const seen = [home, ...input.others.map((o) => seenOf(o.location, false, o.result))];
  const m = seen.length;
  const answered = seen.filter((s) => s.outcome !== 'unknown').length;
  const k = Math.max(1, Math.min(input.quorum, m, answered));
  const failing = seen.filter((s) => s.outcome === 'fail').length;
  const confirmed = failing >= k;
  const summary = summaryOf(seen, k, confirmed, home, homeReport.verdict);
  const agreement: Agreement = { quorum: k, of: m, confirmed, locations: seen, summary };
  const verdict = decidedVerdict(homeReport.verdict, home, seen, k, confirmed, summary);
  return { agreement, report: { ...homeReport, verdict, agreement } };
}

/** Whether the locations disagree on a failure: some fail, fewer than K (the `location-path` rule's value). */
export const partialFailure = (a: Agreement): boolean =>
  !a.confirmed && a.locations.some((s) => s.outcome === 'fail');
