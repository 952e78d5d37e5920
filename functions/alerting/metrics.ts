/**
 * Telemetry, defined once: the metric namespace, names and dimensions that the report handler publishes, and
 * the alarms that the construct deploys and the CLI evaluates locally. Pure: no SDK, no I/O.
 *
 * How a verdict counts: `Healthy` is 1 for healthy and degraded runs (downloads work) and 0 for failed ones;
 * `Degraded` is 1 for degraded runs. A failed target pages; a degraded one raises a warning of its own.
 * `MonitorWarning` is 1 when a run proved the monitor's own settings wrong (a storage or proxy check failing while
 * downloads work, or while the proxy serves the sentinel), for the monitor's owners, never a page.
 */
import type { Layer } from '../contract/names.ts';
import type { Report } from '../contract/types.ts';

/** The namespaces' common root: each instance publishes under `DownloadDoctor/INSTANCE` (instanceNames). */
export const NAMESPACE = 'DownloadDoctor';
export const DIMENSIONS = { target: 'Target', layer: 'Layer' } as const;

/**
 * An instance name: letters and digits, no dash, so that `download-doctor-INSTANCE-TARGET-RULE` names one alarm
 * of one instance only (a target name may hold dashes). 30 characters at most: a schedule's name
 * (`INSTANCE-TARGET`) must fit in EventBridge Scheduler's 64.
 */
export const INSTANCE_NAME = /^[A-Za-z][A-Za-z0-9]{0,29}$/;
export const INSTANCE_NAME_RULE = 'letters and digits, starting with a letter, 30 characters at most';
/** The instance of `download-doctor run --publish` unless `--instance` names another. */
export const LOCAL_INSTANCE = 'local';

/**
 * Every name an instance gives what it creates, defined once: the construct (alarms, schedules, dashboard, the
 * report function's namespace), the notifier (which alarms are its own) and `run --publish` use these.
 * Any number of instances then coexist in one account, region and stack.
 */
export function instanceNames(instance: string) {
  return {
    instance,
    namespace: `${NAMESPACE}/${instance}`,
    alarm: (target: string, rule: Pick<AlarmRule, 'id'>) =>
      `download-doctor-${instance}-${target}-${rule.id}`,
    /** The monitor's own alarms (failed runs, function errors, the paging path). */
    monitorAlarm: (id: string) => `download-doctor-${instance}-monitor-${id}`,
    schedule: (target: string) => `${instance}-${target}`,
    dashboard: `download-doctor-${instance}`,
    /** Under /aws/vendedlogs/states/: Step Functions' log delivery then needs no resource policy per group. */
    workflowLogGroup: `/aws/vendedlogs/states/download-doctor-${instance}`,
  };
}
export type InstanceNames = ReturnType<typeof instanceNames>;
export const METRICS = {
  /** Per target and layer: 1 when the check passed, 0 when it failed. */
  checkSuccess: 'CheckSuccess',
  /** Per target and layer: the check's total time. */
  checkDuration: 'CheckDuration',
  /** Per target and layer: time to the first byte (HTTP) or to GetObject's answer (S3). */
  checkFirstByte: 'CheckFirstByte',
  /** Per target: 1 healthy or degraded, 0 failed. */
  healthy: 'Healthy',
  /** Per target: 1 degraded, 0 otherwise. */
  degraded: 'Degraded',
  /** Per target: 1 when stage 1 failed, then passed on its confirmation (the run is healthy), 0 otherwise. */
  flapped: 'Flapped',
  /**
   * Whole days until the server certificate expires, per target and layer for each HTTPS check, and per target
   * (the fewest of the run: what the `tls-expiry` alarm watches).
   */
  tlsDaysLeft: 'TlsDaysLeft',
  /**
   * Per target, in runs where the storage and proxy checks ran (a full run, or stage 2): 1 when the verdict has a
   * monitor warning, 0 otherwise. Other runs say nothing of it (no datum).
   */
  monitorWarning: 'MonitorWarning',
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** What each metric says, in a sentence (the Prometheus exposition's HELP, the dashboard's legends). */
export const METRIC_DESCRIPTIONS: Record<MetricName, string> = {
  CheckSuccess: 'whether the check of the layer passed (1) or failed (0)',
  CheckDuration: "the check's total time",
  CheckFirstByte: "time to the first byte (HTTP) or to GetObject's answer (S3)",
  Healthy: 'whether downloads work: 1 for a healthy or degraded run, 0 for a failed one',
  Degraded: 'whether the run was degraded (1) or not (0)',
  Flapped: 'whether stage 1 failed, then passed on its confirmation (1), or not (0)',
  TlsDaysLeft: "days until the certificate the check's server presented expires",
  MonitorWarning: "whether a full run proved the monitor's own settings wrong (1) or not (0)",
};

/** A datum in CloudWatch's PutMetricData shape. */
export interface Datum {
  MetricName: MetricName;
  Dimensions: { Name: string; Value: string }[];
  Value: number;
  Unit: 'Count' | 'Milliseconds' | 'None';
  Timestamp: Date;
}

export const targetDimensions = (target: string) => [{ Name: DIMENSIONS.target, Value: target }];
export const layerDimensions = (target: string, layer: Layer) => [
  { Name: DIMENSIONS.target, Value: target },
  { Name: DIMENSIONS.layer, Value: layer },
];

/** The data one run publishes: per target, and per layer for each check that ran. */
export function metricData(report: Report, at: Date): Datum[] {
  const t = report.target;
  const data: Datum[] = [
    {
      MetricName: METRICS.healthy,
      Dimensions: targetDimensions(t),
      Value: report.verdict.status === 'failed' ? 0 : 1,
      Unit: 'Count',
      Timestamp: at,
    },
    {
      MetricName: METRICS.degraded,
      Dimensions: targetDimensions(t),
      Value: report.verdict.status === 'degraded' ? 1 : 0,
      Unit: 'Count',
      Timestamp: at,
    },
    {
      MetricName: METRICS.flapped,
      Dimensions: targetDimensions(t),
      Value: report.confirmation?.flapped ? 1 : 0,
      Unit: 'Count',
      Timestamp: at,
    },
  ];
  if (report.results.some((r) => r.layer === 'storage' || r.layer === 'proxy')) {
    data.push({
      MetricName: METRICS.monitorWarning,
      Dimensions: targetDimensions(t),
      Value: report.verdict.monitorWarning ? 1 : 0,
      Unit: 'Count',
      Timestamp: at,
    });
  }
  for (const r of report.results) {
    const dims = layerDimensions(t, r.layer);
    data.push({
      MetricName: METRICS.checkSuccess,
      Dimensions: dims,
      Value: r.ok ? 1 : 0,
      Unit: 'Count',
      Timestamp: at,
    });
    data.push({
      MetricName: METRICS.checkDuration,
      Dimensions: dims,
      Value: r.timings.totalMs,
      Unit: 'Milliseconds',
      Timestamp: at,
    });
    if (r.timings.firstByteMs !== undefined) {
      data.push({
        MetricName: METRICS.checkFirstByte,
        Dimensions: dims,
        Value: r.timings.firstByteMs,
        Unit: 'Milliseconds',
        Timestamp: at,
      });
    }
    if (r.tls) {
      data.push({
        MetricName: METRICS.tlsDaysLeft,
        Dimensions: dims,
        Value: r.tls.daysLeft,
        Unit: 'None',
        Timestamp: at,
      });
    }
  }
  const days = report.results.flatMap((r) => (r.tls ? [r.tls.daysLeft] : []));
  if (days.length) {
    data.push({
      MetricName: METRICS.tlsDaysLeft,
      Dimensions: targetDimensions(t),
      Value: Math.min(...days),
      Unit: 'None',
      Timestamp: at,
    });
  }
  return data;
}

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

/** Where the latest report of a target is kept (on AWS, for the notifier). */
export const reportKey = (target: string) => `latest/${target}.json`;
/** The same report as a page (functions/render/report-html.ts), beside the JSON. */
export const reportPageKey = (target: string) => `latest/${target}.html`;

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
