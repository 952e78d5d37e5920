/**
 * Telemetry, defined once: the metric names and dimensions of a run, the data the alarm rules step on and `serve`
 * and `run --publish` expose (metricData), and the few series the report function publishes on AWS through
 * CloudWatch's embedded metric format (emfRecords). Pure: no SDK, no I/O.
 *
 * How a verdict counts: `Healthy` is 1 for healthy and degraded runs (downloads work) and 0 for failed ones;
 * `Degraded` is 1 for degraded runs. A failed target pages; a degraded one raises a warning of its own.
 * `MonitorWarning` is 1 when a run proved the monitor's own settings wrong (a storage or proxy check failing while
 * downloads work, or while the proxy serves the sentinel), for the monitor's owners, never a page.
 */
import type { Layer } from '../contract/names.ts';
import type { Report } from '../contract/types.ts';
import { partialFailure } from '../verdict/consensus.ts';

export const DIMENSIONS = { target: 'Target', layer: 'Layer' } as const;

export const METRICS = {
  /** Per target and layer: 1 when the check passed, 0 when it failed. */
  checkSuccess: 'CheckSuccess',
  /** Per target and layer: the check's total time. */
  checkDuration: 'CheckDuration',
  /** Per target and layer: time to the first byte (HTTP) or to GetObject's answer (S3). */
  checkFirstByte: 'CheckFirstByte',
  /** Per target: 1 healthy or degraded, 0 failed. */
  healthy: 'Healthy',
  /** Per target: the end-to-end check's total time, the download as a user sees it (on AWS, by default). */
  duration: 'Duration',
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
  /**
   * Per target, with several locations: 1 when some locations fail end to end but fewer than the consensus rule's
   * K (their network paths, not the site), 0 otherwise. Without locations, no datum. An alarm input only: never
   * published to CloudWatch.
   */
  pathFailure: 'PathFailure',
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** What each metric says, in a sentence (the Prometheus exposition's HELP, the dashboard's legends). */
export const METRIC_DESCRIPTIONS: Record<MetricName, string> = {
  CheckSuccess: 'whether the check of the layer passed (1) or failed (0)',
  CheckDuration: "the check's total time",
  CheckFirstByte: "time to the first byte (HTTP) or to GetObject's answer (S3)",
  Healthy: 'whether downloads work: 1 for a healthy or degraded run, 0 for a failed one',
  Duration: "the end-to-end check's total time: the download as a user sees it",
  Degraded: 'whether the run was degraded (1) or not (0)',
  Flapped: 'whether stage 1 failed, then passed on its confirmation (1), or not (0)',
  TlsDaysLeft: "days until the certificate the check's server presented expires",
  MonitorWarning: "whether a full run proved the monitor's own settings wrong (1) or not (0)",
  PathFailure: 'whether some locations, fewer than the consensus rule asks, fail end to end (1) or not (0)',
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
  if (report.agreement) {
    data.push({
      MetricName: METRICS.pathFailure,
      Dimensions: targetDimensions(t),
      Value: partialFailure(report.agreement) ? 1 : 0,
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

/**
 * Which series a run publishes on AWS: `summary` (the default) is `Healthy` and `Duration` per target, two series
 * a target (CloudWatch bills each); `full` adds the per-layer set (CheckSuccess, CheckDuration, CheckFirstByte,
 * TlsDaysLeft by Target and Layer), Degraded, Flapped, MonitorWarning and TlsDaysLeft per target, and the instance's
 * aggregates of Healthy and Duration (no Target dimension: two series, whatever the number of targets). The alarm
 * rules need none of them: they step on the report itself (./alarms.ts).
 */
export type MetricDetail = 'summary' | 'full';

/** The summary's series per target: what a target costs in custom metrics by default. */
export const SUMMARY_METRICS: readonly MetricName[] = [METRICS.healthy, METRICS.duration];

/** One record of CloudWatch's embedded metric format: a JSON log line that CloudWatch turns into metric data. */
export interface EmfRecord {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: MetricName; Unit: Datum['Unit'] }[];
    }[];
  };
  [property: string]: unknown;
}

function emf(
  namespace: string,
  at: Date,
  dimensions: string[][],
  values: readonly Pick<Datum, 'MetricName' | 'Value' | 'Unit'>[],
  properties: Record<string, unknown>,
): EmfRecord {
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: dimensions,
          Metrics: values.map((v) => ({ Name: v.MetricName, Unit: v.Unit })),
        },
      ],
    },
    ...properties,
    ...Object.fromEntries(values.map((v) => [v.MetricName, v.Value])),
  };
}

/**
 * The run as EMF records: one per target (its series, and the run's outcome as properties that Logs Insights
 * queries: target, status, fault, rule, whether it was confirmed or flapped, each layer's outcome and time), and
 * with `full` one per layer that ran. Values come from metricData: one definition of what a run measures.
 */
export function emfRecords(
  report: Report,
  at: Date,
  namespace: string,
  detail: MetricDetail = 'summary',
): EmfRecord[] {
  // PathFailure is an alarm input only: the locations' outcomes go to the log line's properties instead.
  const data = metricData(report, at).filter((d) => d.MetricName !== METRICS.pathFailure);
  const perTarget = data.filter((d) => d.Dimensions.length === 1);
  const endToEnd = report.results.find((r) => r.layer === 'end-to-end');
  const values: Pick<Datum, 'MetricName' | 'Value' | 'Unit'>[] = [
    ...perTarget.filter((d) => d.MetricName === METRICS.healthy),
    ...(endToEnd
      ? [{ MetricName: METRICS.duration, Value: endToEnd.timings.totalMs, Unit: 'Milliseconds' as const }]
      : []),
    ...(detail === 'full' ? perTarget.filter((d) => d.MetricName !== METRICS.healthy) : []),
  ];
  const outcome = {
    [DIMENSIONS.target]: report.target,
    status: report.verdict.status,
    fault: report.verdict.fault,
    rule: report.verdict.rule,
    flapped: report.confirmation?.flapped ?? false,
    layers: Object.fromEntries(
      report.results.map((r) => [
        r.layer,
        { ok: r.ok, slow: r.slow, kind: r.kind ?? null, ms: r.timings.totalMs },
      ]),
    ),
    ...(report.agreement
      ? {
          confirmedBy: `${report.agreement.locations.filter((l) => l.outcome === 'fail').length} of ${report.agreement.of}`,
          locations: Object.fromEntries(
            report.agreement.locations.map((l) => [
              l.location,
              { outcome: l.outcome, kind: l.kind ?? null, ms: l.totalMs ?? null },
            ]),
          ),
        }
      : {}),
  };
  const record = emf(namespace, at, [[DIMENSIONS.target]], values, outcome);
  // The instance's aggregates: the summary's series again, without the target dimension (same values).
  if (detail === 'full')
    record._aws.CloudWatchMetrics.push({
      Namespace: namespace,
      Dimensions: [[]],
      Metrics: values
        .filter((v) => SUMMARY_METRICS.includes(v.MetricName))
        .map((v) => ({ Name: v.MetricName, Unit: v.Unit })),
    });
  const records = [record];
  if (detail === 'full')
    for (const r of report.results) {
      const layerData = data.filter((d) => d.Dimensions[1]?.Value === r.layer);
      records.push(
        emf(namespace, at, [[DIMENSIONS.target, DIMENSIONS.layer]], layerData, {
          [DIMENSIONS.target]: report.target,
          [DIMENSIONS.layer]: r.layer,
        }),
      );
    }
  return records;
}

/** The custom series one target adds, by detail (the instance's aggregates are counted apart: instanceSeries). */
export function seriesPerTarget(detail: MetricDetail): number {
  if (detail === 'summary') return SUMMARY_METRICS.length;
  // Degraded, Flapped, MonitorWarning, TlsDaysLeft per target; per layer CheckSuccess, CheckDuration and
  // CheckFirstByte, and TlsDaysLeft for the three HTTP layers (storage has no certificate).
  return SUMMARY_METRICS.length + 4 + 4 * 3 + 3;
}
/** The instance's series that no target dimension multiplies. */
export const instanceSeries = (detail: MetricDetail) => (detail === 'full' ? SUMMARY_METRICS.length : 0);
