/** The report handler: the report's metrics and the report itself to telemetry, then the heartbeat. It needs no config. */

import { type Datum, metricData } from '../alerting/metrics.ts';
import type { Report } from '../contract/types.ts';
import { reportSchema } from '../contract/wire.ts';
import { parseEvent } from './events.ts';

/**
 * Where a run's telemetry goes: metrics (CloudWatch), the latest report (for the notifier, on AWS), and the
 * heartbeat, pinged once both are written (it never throws: it says what happened, and that is logged).
 */
export interface Telemetry {
  publish?: (data: Datum[]) => Promise<void>;
  store?: (report: Report) => Promise<void>;
  heartbeat?: () => Promise<string>;
}

export function reportHandler(deps: {
  telemetry?: Telemetry;
  now?: () => Date;
}): (event: unknown) => Promise<Report> {
  return async (event) => {
    const report = parseEvent(reportSchema, event, 'report');
    const at = deps.now?.() ?? new Date();
    await Promise.all([deps.telemetry?.publish?.(metricData(report, at)), deps.telemetry?.store?.(report)]);
    const beat = await deps.telemetry?.heartbeat?.();
    if (beat) console.log(JSON.stringify({ heartbeat: beat }));
    return report;
  };
}
