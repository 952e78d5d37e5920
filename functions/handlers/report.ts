/** The report handler: the run's telemetry (metrics, alarms, the report), then the heartbeat. It needs no config. */

import { type Datum, metricData } from '../alerting/metrics.ts';
import type { Report } from '../contract/types.ts';
import { reportSchema } from '../contract/wire.ts';
import { parseEvent } from './events.ts';

/**
 * Where a run's telemetry goes. Locally (`run --publish`): its metric data and its report. On AWS, `record`: the
 * run's metrics (EMF), its alarms stepped in the instance's table and their transitions sent, its report stored
 * when it changed (./aws-report.ts). Then the heartbeat, pinged once all are written (it never throws: it says
 * what happened, and that is logged).
 */
export interface Telemetry {
  publish?: (data: Datum[]) => Promise<void>;
  record?: (report: Report, at: Date) => Promise<void>;
  heartbeat?: () => Promise<string>;
}

export function reportHandler(deps: {
  telemetry?: Telemetry;
  now?: () => Date;
}): (event: unknown) => Promise<Report> {
  return async (event) => {
    const report = parseEvent(reportSchema, event, 'report');
    const at = deps.now?.() ?? new Date();
    const t = deps.telemetry;
    await Promise.all([t?.publish?.(metricData(report, at)), t?.record?.(report, at)]);
    const beat = await deps.telemetry?.heartbeat?.();
    if (beat) console.log(JSON.stringify({ heartbeat: beat }));
    return report;
  };
}
