/**
 * `serve`'s /health: an `application/health+json` document (draft-inadarei-api-health-check), one check per
 * target with its latest verdict as pass, warn or fail. It is the one endpoint without a token, so it says no
 * more than the status, the layer at fault and the time: no summary, no URL, no evidence. Pure.
 */
import type { ActiveWindow } from '../../../functions/config/maintenance.ts';
import { type Status, worstOf } from '../../../functions/contract/names.ts';
import type { Report } from '../../../functions/contract/types.ts';

export const HEALTH_CONTENT_TYPE = 'application/health+json';

/** The document's statuses, best first. */
const HEALTH_STATUSES = ['pass', 'warn', 'fail'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface HealthCheck {
  componentId: string;
  componentType: 'component';
  status: HealthStatus;
  observedValue?: Status | 'no result';
  time?: string;
  output?: string;
}

export interface HealthDocument {
  status: HealthStatus;
  description: string;
  checks: Record<string, HealthCheck[]>;
}

/** What /health knows of a target: its latest run (a report, or none when the run failed), and its window. */
export interface TargetHealth {
  target: string;
  latest?: { at: Date; report?: Report | undefined };
  maintenance?: ActiveWindow | undefined;
}

const FROM_STATUS: Record<Status, HealthStatus> = { healthy: 'pass', degraded: 'warn', failed: 'fail' };

function check(t: TargetHealth): HealthCheck {
  const base = { componentId: t.target, componentType: 'component' as const };
  const window = t.maintenance ? `in maintenance until ${t.maintenance.until.toISOString()}` : undefined;
  if (!t.latest) return { ...base, status: 'warn', observedValue: 'no result', output: 'no run yet' };
  const time = t.latest.at.toISOString();
  const report = t.latest.report;
  if (!report) {
    // The run itself failed: the monitor, not necessarily the target.
    const output = ['the latest run produced no verdict', window].filter(Boolean).join('; ');
    return { ...base, status: 'warn', observedValue: 'no result', time, output };
  }
  const v = report.verdict;
  // In a window, a failed target is expected: a warning, not a failure.
  const status = window && v.status === 'failed' ? 'warn' : FROM_STATUS[v.status];
  const output = [v.fault ? `fault ${v.faults.join(', ')}` : '', window].filter(Boolean).join('; ');
  return { ...base, status, observedValue: v.status, time, ...(output ? { output } : {}) };
}

export function healthDocument(targets: readonly TargetHealth[]): HealthDocument {
  const checks = Object.fromEntries(targets.map((t) => [`${t.target}:verdict`, [check(t)]]));
  const status = worstOf(
    HEALTH_STATUSES,
    Object.values(checks)
      .flat()
      .map((c) => c.status),
  );
  return { status, description: 'download-doctor: the latest verdict of each target', checks };
}

/** The HTTP status of the document: 503 when it fails, 200 otherwise (a warning is still up). */
export const healthHttpStatus = (d: HealthDocument) => (d.status === 'fail' ? 503 : 200);
