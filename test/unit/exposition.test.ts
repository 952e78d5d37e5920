import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { healthDocument, healthHttpStatus } from '../../cli/serve/views/health.ts';
import { familiesOf, prometheusName, registryOf, targetGauge } from '../../cli/serve/views/prometheus.ts';
import { statusPage } from '../../cli/serve/views/status.ts';
import { METRIC_DESCRIPTIONS, METRICS, metricData } from '../../functions/alerting/metrics.ts';
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

  it("renders a run's data in base units, with target and layer labels, as Prometheus reads it", async () => {
    const target = 'prod "eu"\\1\nsecond line';
    const report = reportOf(stages('status', 'ok', 'ok', 'status'), target);
    const families = parsePrometheus(await registryOf(familiesOf(metricData(report, at))).metrics());
    const labels = { target, layer: 'end-to-end' };
    expect(sampleValue(families, 'download_doctor_check_duration_seconds', labels)).toBe(0.01);
    expect(sampleValue(families, 'download_doctor_check_success', labels)).toBe(0);
    expect(sampleValue(families, 'download_doctor_healthy', { target })).toBe(0);
    expect(families.map((f) => f.type)).toEqual(families.map(() => 'gauge'));
    expect(families.find((f) => f.name === 'download_doctor_healthy')?.help).toBe(
      METRIC_DESCRIPTIONS.Healthy,
    );
  });

  it('makes a registry of its own each time: values never linger, nothing lands in the global registry', async () => {
    // Prepare: two scrapes, the second after a target was removed and another's value changed.
    const gauge = (values: [string, number][]) => [targetGauge('in_maintenance', 'in a window', values)];

    // Act
    const first = parsePrometheus(
      await registryOf(
        gauge([
          ['a', 1],
          ['b', 1],
        ]),
      ).metrics(),
    );
    const second = parsePrometheus(await registryOf(gauge([['a', 0]])).metrics());

    // Assess
    expect(sampleValue(first, 'download_doctor_in_maintenance', { target: 'b' })).toBe(1);
    expect(second.flatMap((f) => f.samples)).toEqual([
      { name: 'download_doctor_in_maintenance', labels: { target: 'a' }, value: 0 },
    ]);
    expect(globalRegistry.getMetricsAsArray()).toEqual([]);
  });

  it('leaves out a family without samples (no target yet): no value is not a 0', async () => {
    const registry = registryOf([
      targetGauge('in_maintenance', 'in a window', []),
      { name: 'probe_success', help: 'works', samples: [] },
      { name: 'probe_duration_seconds', help: 'took', samples: [{ labels: {}, value: 0.5 }] },
    ]);
    expect(parsePrometheus(await registry.metrics())).toEqual([
      {
        name: 'probe_duration_seconds',
        type: 'gauge',
        help: 'took',
        samples: [{ name: 'probe_duration_seconds', labels: {}, value: 0.5 }],
      },
    ]);
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
  const day = (i: number, time: Partial<Record<string, number>>) => ({
    start: Math.floor(at.getTime() / 86_400_000) * 86_400_000 - i * 86_400_000,
    time: { healthy: 0, degraded: 0, failed: 0, noVerdict: 0, maintenance: 0, ...time },
    runs: { healthy: 0, degraded: 0, failed: 0, error: 0, flapped: 0 },
    latency: {},
  });
  const page = (viewer: 'operator' | 'public') => {
    const report = reportOf(stages('status', 'ok', 'ok', 'status'));
    report.verdict.summary = '<img src=x onerror=alert(1)>';
    return statusPage({
      now: at,
      viewer,
      session: viewer === 'operator',
      refreshSeconds: 60,
      notifications: [
        { at, alarm: 'download-doctor-prod-down', state: 'ALARM', subject: 's', held: 'in maintenance' },
      ],
      targets: [
        {
          name: 'prod',
          every: '5m',
          latest: { at, report },
          uptime: [{ label: '24 h', time: day(0, { healthy: 3_000, failed: 1_000 }).time }],
          strip: ['none', 'failed', 'failed', 'healthy'],
          open: [],
          alarms: [{ name: 'download-doctor-prod-down', state: 'ALARM' }],
        },
      ],
    });
  };

  it('is self-contained, reloads itself, and escapes what the servers said', () => {
    const html = page('operator');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|<img|<link/);
    expect(html).toContain('<meta http-equiv="refresh" content="60">');
    expect(html).toContain('data-target="prod" data-status="failed"');
    expect(html).toContain('held back: in maintenance');
    expect(html).toMatch(/data-uptime="24 h"><b>75\.00%<\/b>/);
    expect(html).toContain('<form method="post" action="/logout">');
    // The strip: one rectangle per run of days of a colour.
    expect(html).toContain('<path class="c-failed" d="M10 1h18v20h-18z"/>');
    expect(html).toContain(
      'aria-label="the last 4 days, one cell a day (UTC): 1 no data, 2 failed for a while',
    );
  });

  it('shows the public (--public-status) no summary, no alarms and no pages', () => {
    const html = page('public');
    expect(html).not.toContain('onerror');
    expect(html).not.toContain('download-doctor-prod-down');
    expect(html).not.toContain('/logout');
    expect(html).toContain('data-status="failed"');
    expect(html).toContain('href="/login"');
  });
});
