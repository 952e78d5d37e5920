/**
 * The alarm rules, defined once: M of N periods over a per-target metric, evaluated by CloudWatch on AWS and by
 * ./alarms.ts where it does not run (`serve`, `run --publish`). Pure.
 */
import { type Datum, METRICS, type MetricName } from './metrics.ts';

/** `ignore`: a period without data keeps the alarm as it is (CloudWatch's `ignore`). */
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore';
export type AlarmState = 'OK' | 'ALARM';

/** An alarm on a per-target metric, M of N periods (a period is one schedule interval). */
export interface AlarmRule {
  /** Suffix of the alarm's name: `download-doctor-INSTANCE-TARGET-ID`. */
  id: 'down' | 'degraded' | 'no-data' | 'tls-expiry' | 'monitor-warning';
  metric: MetricName;
  statistic: 'Minimum' | 'Maximum' | 'SampleCount';
  comparison: 'LessThanThreshold' | 'GreaterThanOrEqualToThreshold';
  threshold: number;
  /** M: breaching periods, out of the last N, that raise the alarm. */
  datapointsToAlarm: number;
  /** N. */
  evaluationPeriods: number;
  /** What a period without data counts as. */
  treatMissingData: TreatMissingData;
  /** `page`: the target is broken (paged through the notifier, with the verdict). `monitor`: the monitor is. */
  topic: 'page' | 'monitor';
  severity: 'critical' | 'warning';
  description: string;
}

/**
 * The per-target alarms. Defaults: 2 of 3 runs failed pages (a single failed run pages no one); 3 of 3 degraded
 * warns; missing data never counts against the target, and 2 of 3 periods without any result page the monitor's
 * owners instead ("the monitor is broken", not "downloads are broken").
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
    treatMissingData: 'notBreaching',
    topic: 'page',
    severity: 'warning',
    description: 'downloads work but are degraded (not offloaded, or slow)',
  },
  {
    id: 'no-data',
    metric: METRICS.healthy,
    statistic: 'SampleCount',
    comparison: 'LessThanThreshold',
    threshold: 1,
    datapointsToAlarm: 2,
    evaluationPeriods: 3,
    treatMissingData: 'breaching',
    topic: 'monitor',
    severity: 'critical',
    description:
      'the monitor published no result: download-doctor itself is broken, not necessarily downloads',
  },
  {
    id: 'tls-expiry',
    metric: METRICS.tlsDaysLeft,
    statistic: 'Minimum',
    comparison: 'LessThanThreshold',
    // The construct's tlsDaysLeftThreshold overrides it.
    threshold: 14,
    datapointsToAlarm: 1,
    evaluationPeriods: 1,
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
    treatMissingData: 'ignore',
    topic: 'monitor',
    severity: 'warning',
    description:
      "a full run proved the monitor's own settings wrong (a storage or proxy check fails while downloads work): fix the config or credentials, downloads are fine",
  },
];

/** An alarm that changed state: what a page or recovery notice is about. */
export interface AlarmTransition {
  alarmName: string;
  target: string;
  rule: Pick<AlarmRule, 'id' | 'severity' | 'datapointsToAlarm' | 'evaluationPeriods' | 'description'>;
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
 * M-of-N evaluation over the last N periods, oldest first. Periods before the first one evaluated do not count
 * (a new monitor does not page for the time before it existed); a period evaluated without data does, unless the
 * rule ignores missing data: then only the periods with data count (the alarm stays as its last data said).
 */
export function evaluateAlarm(rule: AlarmRule, periods: readonly Period[]): AlarmState {
  const counted = rule.treatMissingData === 'ignore' ? periods.filter((p) => p !== undefined) : periods;
  const recent = counted.slice(-rule.evaluationPeriods);
  return recent.filter((p) => breaches(rule, p)).length >= rule.datapointsToAlarm ? 'ALARM' : 'OK';
}

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
