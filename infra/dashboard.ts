/**
 * The dashboard, one size whatever the number of targets: the monitor's alarms; the fleet through CloudWatch
 * Metrics Insights queries (GROUP BY the Target dimension: the targets failing most, the slowest downloads), so no
 * widget is made per target; one target's graphs, chosen with a dashboard variable over the Target dimension; then
 * the monitor's own health. Metric names and dimensions come from functions/alerting/metrics.ts.
 */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DIMENSIONS, METRICS } from '../functions/alerting/metrics.ts';
import type { InstanceNames } from '../functions/alerting/names.ts';

/** The most series a Metrics Insights widget shows: the worst ones. */
export const TOP = 10;

/** A Metrics Insights query over the instance's namespace, by target. */
const byTarget = (names: InstanceNames, select: string, order: 'ASC' | 'DESC') =>
  `SELECT ${select} FROM SCHEMA("${names.namespace}", ${DIMENSIONS.target}) GROUP BY ${DIMENSIONS.target} ` +
  `ORDER BY ${select.replace(/\(.*\)/, '()')} ${order} LIMIT ${TOP}`;

export function createDashboard(
  scope: Construct,
  parts: {
    workflow: sfn.StateMachine;
    fleet: sfn.StateMachine;
    functions: Readonly<Record<string, lambda.IFunction>>;
    alarms: readonly cloudwatch.IAlarm[];
    /** The shortest schedule: one point per run. */
    period: Duration;
    /** The monitor's period (the longest schedule, 5 minutes at least). */
    monitorPeriod: Duration;
    /** A target to show until one is chosen. */
    firstTarget: string;
  },
  names: InstanceNames,
): cloudwatch.Dashboard {
  const { period, monitorPeriod } = parts;
  const target = new cloudwatch.DashboardVariable({
    id: 'target',
    type: cloudwatch.VariableType.PROPERTY,
    label: 'Target',
    inputType: cloudwatch.VariableInputType.SELECT,
    value: DIMENSIONS.target,
    values: cloudwatch.Values.fromSearchComponents({
      namespace: names.namespace,
      dimensions: [DIMENSIONS.target],
      metricName: METRICS.healthy,
      populateFrom: DIMENSIONS.target,
    }),
    defaultValue: cloudwatch.DefaultValue.value(parts.firstTarget),
  });
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: names.dashboard,
    variables: [target],
  });
  const one = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({
      namespace: names.namespace,
      metricName,
      dimensionsMap: { [DIMENSIONS.target]: parts.firstTarget },
      statistic,
      period,
    });
  const sum = { period: monitorPeriod, statistic: cloudwatch.Stats.SUM };
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: "The monitor's alarms", alarms: [...parts.alarms], width: 24 }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: `The ${TOP} targets failing most (${METRICS.healthy}: 1 = downloads work)`,
      left: [
        new cloudwatch.MathExpression({
          expression: byTarget(names, `AVG(${METRICS.healthy})`, 'ASC'),
          label: '',
          period,
        }),
      ],
      leftYAxis: { min: 0, max: 1 },
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: `The ${TOP} slowest downloads (${METRICS.duration}, end to end, ms)`,
      left: [
        new cloudwatch.MathExpression({
          expression: byTarget(names, `MAX(${METRICS.duration})`, 'DESC'),
          label: '',
          period,
        }),
      ],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'One target (choose it above): verdict (1 = downloads work)',
      left: [one(METRICS.healthy, cloudwatch.Stats.MINIMUM)],
      leftYAxis: { min: 0, max: 1 },
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'One target (choose it above): end-to-end time (ms)',
      left: [one(METRICS.duration, cloudwatch.Stats.MAXIMUM)],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Runs: succeeded, failed, timed out, throttled; fleet ticks failed',
      left: [
        parts.workflow.metricSucceeded(sum),
        parts.workflow.metricFailed(sum),
        parts.workflow.metricTimedOut(sum),
        parts.workflow.metricThrottled(sum),
        parts.fleet.metricFailed({ ...sum, label: 'fleet ticks failed' }),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Lambda errors',
      left: Object.entries(parts.functions).map(([name, fn]) => fn.metricErrors({ ...sum, label: name })),
      width: 12,
    }),
  );
  return dashboard;
}
