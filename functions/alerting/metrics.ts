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
