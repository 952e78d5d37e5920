/**
 * The alarm rules, defined once: M of N periods over a per-target value of a run, stepped by ./alarms.ts everywhere
 * (the report function on AWS, `serve`, `run --publish`). Pure.
 */
import { type Datum, METRICS, type MetricName } from './metrics.ts';

/** `ignore`: a period without data keeps the alarm as it is (CloudWatch's `ignore`). */
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore';
export type AlarmState = 'OK' | 'ALARM';

/** An alarm on a per-target value of each run, M of N periods (a period is one run, one schedule interval). */
export interface AlarmRule {
  /** Suffix of the alarm's name: `download-doctor-INSTANCE-TARGET-ID`. */
  id:
    | 'down'
    | 'degraded'
    | 'no-data'
    | 'tls-expiry'
    | 'monitor-warning'
    | 'location-path'
    | 'location-silent';
  metric: MetricName;
  statistic: 'Minimum' | 'Maximum' | 'SampleCount';
  comparison: 'LessThanThreshold' | 'GreaterThanOrEqualToThreshold';
  threshold: number;
  /** M: breaching periods, out of the last N, that raise the alarm. */
  datapointsToAlarm: number;
  /** N. */
  evaluationPeriods: number;
  /**
   * A confirmed hard failure (stage 1 failed, then failed again at its confirmation: ./alarms.ts confirmedFailure)
   * raises the alarm at once, without waiting for M of N: the confirmation already proved it is not a blip.
   */
  confirmedAtOnce: boolean;
  /**
   * In ALARM, the alarm goes back to OK only after this many consecutive periods that do not breach (and once M of
   * N no longer holds): an incident raised by one confirmed run cannot flap on the next healthy one.
   */
  recoverAfter: number;
  /** What a period without data counts as. */
  treatMissingData: TreatMissingData;
  /** `page`: the target is broken (paged through the notifier, with the verdict). `monitor`: the monitor is. */
  topic: 'page' | 'monitor';
  severity: 'critical' | 'warning';
  description: string;
}

/** A target that published no result for 2 of its last 3 periods: the monitor's own silence, never a page. */
const NO_DATA: AlarmRule = {
  id: 'no-data',
  metric: METRICS.healthy,
  statistic: 'SampleCount',
  comparison: 'LessThanThreshold',
  threshold: 1,
  datapointsToAlarm: 2,
  evaluationPeriods: 3,
  confirmedAtOnce: false,
  recoverAfter: 1,
  treatMissingData: 'breaching',
  topic: 'monitor',
  severity: 'critical',
  description: 'the monitor published no result: download-doctor itself is broken, not necessarily downloads',
};

/**
 * The per-target alarms. Defaults: a confirmed hard failure pages at once, any other failed run counts 2 of 3 (a
 * single unconfirmed failure pages no one); 3 of 3 degraded warns; recovery takes 2 healthy runs in a row; missing
 * data never counts against the target, and 2 of 3 periods without any result page the monitor's owners instead
 * ("the monitor is broken", not "downloads are broken").
 */
export const TARGET_ALARMS: readonly AlarmRule[] = [
  {
    id: 'down',
    metric: METRICS.healthy,
    statistic: 'Minimum',
    comparison: 'LessThanThreshold',
    threshold: 1,
    datapointsToAlarm: 2,
    evaluationPeriods: 3,
    confirmedAtOnce: true,
    recoverAfter: 2,
    treatMissingData: 'notBreaching',
    topic: 'page',
    severity: 'critical',
    description: 'downloads are failing: the verdict names the layer at fault',
  },
  {
    id: 'degraded',
    metric: METRICS.degraded,
    statistic: 'Maximum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    datapointsToAlarm: 3,
    evaluationPeriods: 3,
    confirmedAtOnce: false,
    recoverAfter: 2,
    treatMissingData: 'notBreaching',
    topic: 'page',
    severity: 'warning',
    description: 'downloads work but are degraded (not offloaded, or slow)',
  },
  NO_DATA,
  {
    id: 'tls-expiry',
    metric: METRICS.tlsDaysLeft,
    statistic: 'Minimum',
    comparison: 'LessThanThreshold',
    // The construct's tlsDaysLeftThreshold overrides it.
    threshold: 14,
    datapointsToAlarm: 1,
    evaluationPeriods: 1,
    confirmedAtOnce: false,
    recoverAfter: 1,
    treatMissingData: 'notBreaching',
    topic: 'page',
    severity: 'warning',
    description: 'a TLS certificate of the target expires soon: renew it before downloads break',
  },
  {
    // Only runs where storage and proxy were checked say anything: between them, the alarm stays as it was.
    id: 'monitor-warning',
    metric: METRICS.monitorWarning,
    statistic: 'Maximum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    datapointsToAlarm: 1,
    evaluationPeriods: 1,
    confirmedAtOnce: false,
    recoverAfter: 1,
    treatMissingData: 'ignore',
    topic: 'monitor',
    severity: 'warning',
    description:
      "a full run proved the monitor's own settings wrong (a storage or proxy check fails while downloads work): fix the config or credentials, downloads are fine",
  },
];

/**
 * With several locations (functions/config/locations.ts), per target: some locations fail end to end, fewer than the
 * consensus rule's K. Not a page: their network paths are broken, not the site; a notice to the monitor's owners
 * naming the locations and their errors, at the first such slot (each location's failure was itself confirmed), and
 * back to OK after 2 slots where the locations agree. Slots without an agreement say nothing of it.
 */
export const LOCATION_PATH: AlarmRule = {
  id: 'location-path',
  metric: METRICS.pathFailure,
  statistic: 'Maximum',
  comparison: 'GreaterThanOrEqualToThreshold',
  threshold: 1,
  datapointsToAlarm: 1,
  evaluationPeriods: 1,
  confirmedAtOnce: false,
  recoverAfter: 2,
  treatMissingData: 'ignore',
  topic: 'monitor',
  severity: 'warning',
  description:
    'some locations fail end to end, fewer than the consensus rule asks: the network path from those locations, not the site (no page to on-call)',
};

/**
 * Per location (not per target): the location sent no result for 2 of its last 3 periods, as `no-data` counts a
 * target's silence. The monitor's owners hear it; on-call does not: the home decides without it (unknown).
 * Stepped by the home with one sample count a period: 1 when the location sent a result, 0 when it did not.
 */
export const LOCATION_SILENT: AlarmRule = {
  ...NO_DATA,
  id: 'location-silent',
  description:
    'a location sent no result it could check with: its checks do not run, cannot reach the home, or cannot check (their settings or credentials); the home decides without it',
};

/** Every rule's id: the target's rules and the locations'. */
export const RULE_IDS = [...TARGET_ALARMS, LOCATION_PATH, LOCATION_SILENT].map((r) => r.id) as [
  AlarmRule['id'],
  ...AlarmRule['id'][],
];

/** The rules a target's runs step: with several locations, the `location-path` notice too. */
export const targetRules = (locations: boolean, rules: readonly AlarmRule[] = TARGET_ALARMS): AlarmRule[] =>
  locations && !rules.some((r) => r.id === LOCATION_PATH.id) ? [...rules, LOCATION_PATH] : [...rules];

/** An alarm that changed state: what a page or recovery notice is about. */
export interface AlarmTransition {
  alarmName: string;
  target: string;
  rule: Pick<AlarmRule, 'id' | 'severity' | 'datapointsToAlarm' | 'evaluationPeriods' | 'description'> &
    Partial<Pick<AlarmRule, 'topic'>>;
  state: AlarmState;
  at: Date;
}

/** One period's statistic, or undefined when the period had no data. */
export type Period = number | undefined;

/** Whether one period's statistic counts against the rule. */
export function breaches(rule: AlarmRule, value: Period): boolean {
  if (value === undefined) return rule.treatMissingData === 'breaching';
  return rule.comparison === 'LessThanThreshold' ? value < rule.threshold : value >= rule.threshold;
}

/**
 * The alarm's next state over its periods, oldest first, from its state before this period. Periods before the
 * first one evaluated do not count (a new monitor does not page for the time before it existed); a period
 * evaluated without data does, unless the rule ignores missing data: then only the periods with data count (the
 * alarm stays as its last data said).
 *   - OK rises to ALARM when M of the last N periods breach, or at once when the latest period breaches and
 *     `confirmed` says it was a confirmed hard failure (for a rule with `confirmedAtOnce`);
 *   - ALARM falls to OK when its last `recoverAfter` periods do not breach and M of N no longer holds.
 */
export function evaluateAlarm(
  rule: AlarmRule,
  periods: readonly Period[],
  previous: AlarmState = 'OK',
  confirmed = false,
): AlarmState {
  const counted = rule.treatMissingData === 'ignore' ? periods.filter((p) => p !== undefined) : periods;
  const mOfN =
    counted.slice(-rule.evaluationPeriods).filter((p) => breaches(rule, p)).length >= rule.datapointsToAlarm;
  if (previous === 'OK') {
    const atOnce = rule.confirmedAtOnce && confirmed && counted.length > 0 && breaches(rule, counted.at(-1));
    return mOfN || atOnce ? 'ALARM' : 'OK';
  }
  const last = counted.slice(-rule.recoverAfter);
  const recovered = !mOfN && last.length >= rule.recoverAfter && !last.some((p) => breaches(rule, p));
  return recovered ? 'OK' : 'ALARM';
}

/** How many periods an alarm must remember: its N, or its recovery, whichever is longer. */
export const periodsKept = (rule: Pick<AlarmRule, 'evaluationPeriods' | 'recoverAfter'>) =>
  Math.max(rule.evaluationPeriods, rule.recoverAfter);

/** The statistic of a rule over one run's data (a run is one period locally). */
export function periodValue(rule: AlarmRule, data: readonly Datum[], target: string): Period {
  const values = data
    .filter(
      (d) => d.MetricName === rule.metric && d.Dimensions.length === 1 && d.Dimensions[0]?.Value === target,
    )
    .map((d) => d.Value);
  if (rule.statistic === 'SampleCount') return values.length;
  if (values.length === 0) return undefined;
  return rule.statistic === 'Minimum' ? Math.min(...values) : Math.max(...values);
}
