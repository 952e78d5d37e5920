import { describe, expect, it } from 'vitest';
import { healthDocument, healthHttpStatus } from '../../cli/serve/views/health.ts';
import { exposition, familiesOf, prometheusName } from '../../cli/serve/views/prometheus.ts';
import { statusPage } from '../../cli/serve/views/status.ts';
import { METRICS, metricData } from '../../functions/alerting/metrics.ts';
import { parsePrometheus, sampleValue } from '../fixtures/prometheus.ts';
import { reportOf, stages } from '../fixtures/results.ts';

const at = new Date('2026-12-01T02:30:00Z');

describe('the Prometheus exposition', () => {
  it.each([
    [METRICS.checkDuration, 'Milliseconds', 'download_doctor_check_duration_seconds'],
    [METRICS.checkFirstByte, 'Milliseconds', 'download_doctor_check_first_byte_seconds'],
    [METRICS.checkSuccess, 'Count', 'download_doctor_check_success'],
    [METRICS.tlsDaysLeft, 'Count', 'download_doctor_tls_days_left'],
    [METRICS.flapped, 'Count', 'download_doctor_flapped'],
  ] as const)('names %s (%s) %s', (metric, unit, name) => {
    expect(prometheusName(metric, unit)).toBe(name);
  });

  it("renders a run's data in base units, with target and layer labels, as Prometheus reads it", () => {
    const report = reportOf(stages('status', 'ok', 'ok', 'status'), 'prod "eu"\\1');
    const families = parsePrometheus(exposition(familiesOf(metricData(report, at))));
    const labels = { target: 'prod "eu"\\1', layer: 'end-to-end' };
    expect(sampleValue(families, 'download_doctor_check_duration_seconds', labels)).toBe(0.01);
    expect(sampleValue(families, 'download_doctor_check_success', labels)).toBe(0);
    expect(sampleValue(families, 'download_doctor_healthy', { target: 'prod "eu"\\1' })).toBe(0);
    expect(families.map((f) => f.type)).toEqual(families.map(() => 'gauge'));
  });
});

describe('/health', () => {
  const healthy = reportOf(stages('ok', 'ok'));
  const failed = reportOf(stages('status', 'ok', 'ok', 'status'));
  it.each([
    ['no run yet', undefined, undefined, 'warn'],
    ['healthy', healthy, undefined, 'pass'],
    ['failed', failed, undefined, 'fail'],
    ['failed in maintenance', failed, { name: 'w', until: new Date('2026-12-01T03:00:00Z') }, 'warn'],
  ] as const)('%s is %s', (_name, report, maintenance, status) => {
    const doc = healthDocument([
      { target: 'prod', ...(report ? { latest: { at, report } } : {}), maintenance },
    ]);
    expect(doc.status).toBe(status);
    expect(doc.checks['prod:verdict']?.[0]?.status).toBe(status);
    expect(healthHttpStatus(doc)).toBe(status === 'fail' ? 503 : 200);
    // Public: the status, the layer and the time, never the summary or a URL.
    expect(JSON.stringify(doc)).not.toMatch(/example\.test|broke/);
  });
});

describe('the status page', () => {
  it('is self-contained and escapes what the servers said', () => {
    const report = reportOf(stages('status', 'ok', 'ok', 'status'));
    report.verdict.summary = '<img src=x onerror=alert(1)>';
    const html = statusPage({
      now: at,
      spanMs: 86_400_000,
      sliceMs: 900_000,
      notifications: [
        { at, alarm: 'download-doctor-prod-down', state: 'ALARM', subject: 's', held: 'in maintenance' },
      ],
      targets: [
        {
          name: 'prod',
          every: '5m',
          latest: { at, report },
          history: [{ start: new Date(at.getTime() - 900_000), worst: 'failed', runs: 3 }],
          counts: { healthy: 1, degraded: 0, failed: 3, error: 0, flapped: 1 },
          alarms: [{ name: 'download-doctor-prod-down', state: 'ALARM' }],
        },
      ],
    });
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|<img|<link/);
    expect(html).toContain('data-target="prod" data-status="failed"');
    expect(html).toContain('held back: in maintenance');
    expect(html).toContain('3 failed, 0 without a verdict, 1 flapped');
  });
});
