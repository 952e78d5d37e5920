import { describe, expect, it } from 'vitest';
import { METRICS, metricData } from '../../functions/alerting/metrics.ts';
import { INSTANCE_NAME, instanceNames } from '../../functions/alerting/names.ts';
import {
  type AlarmRule,
  evaluateAlarm,
  type Period,
  periodValue,
  TARGET_ALARMS,
} from '../../functions/alerting/rules.ts';
import { tlsExpiry } from '../../functions/checks/conditions.ts';
import type { Report } from '../../functions/contract/types.ts';
import { consoleLinks, pageText } from '../../functions/render/page.ts';
import { reportOf, stages } from '../fixtures/results.ts';

const rule = (id: AlarmRule['id']) => TARGET_ALARMS.find((r) => r.id === id) as AlarmRule;

const report = (...spec: Parameters<typeof stages>): Report => reportOf(stages(...spec));

describe('alarm evaluation (M of N)', () => {
  it.each<[AlarmRule['id'], Period[], string]>([
    ['down', [0], 'OK'], // a single failed run pages no one
    ['down', [1, 0, 0], 'ALARM'],
    ['down', [0, 1, 0], 'ALARM'],
    ['down', [0, 0, 1], 'ALARM'], // still 2 of the last 3
    ['down', [0, 0, 1, 1], 'OK'],
    ['down', [0, undefined, undefined], 'OK'], // missing data is not the target's failure
    ['degraded', [1, 1], 'OK'],
    ['degraded', [1, 1, 1], 'ALARM'],
    ['no-data', [1, undefined], 'OK'],
    ['no-data', [1, undefined, undefined], 'ALARM'], // the monitor is broken
    // Only runs that checked storage and proxy speak of the monitor's settings: between them, the state holds.
    ['monitor-warning', [1], 'ALARM'],
    ['monitor-warning', [1, undefined, undefined], 'ALARM'],
    ['monitor-warning', [1, undefined, 0], 'OK'],
    ['monitor-warning', [undefined, undefined], 'OK'],
  ])('%s over %j is %s', (id, periods, state) => {
    expect(evaluateAlarm(rule(id), periods)).toBe(state);
  });
});

describe('metrics of a run', () => {
  it('counts degraded as healthy, and reports each check that ran per layer', () => {
    const at = new Date('2026-11-24T00:00:00Z');
    const data = metricData(report('ok', 'not-offloaded', 'ok', 'ok'), at);
    expect(periodValue(rule('down'), data, 'prod')).toBe(1);
    expect(periodValue(rule('degraded'), data, 'prod')).toBe(1);
    expect(periodValue(rule('no-data'), data, 'prod')).toBe(1);
    const app = data.find((d) => d.MetricName === METRICS.checkSuccess && d.Dimensions[1]?.Value === 'app');
    expect(app).toMatchObject({
      Value: 0,
      Unit: 'Count',
      Dimensions: [
        { Name: 'Target', Value: 'prod' },
        { Name: 'Layer', Value: 'app' },
      ],
    });
    const failed = metricData(report('status', 'ok', 'ok', 'status'), at);
    expect(periodValue(rule('down'), failed, 'prod')).toBe(0);
    expect(periodValue(rule('down'), [], 'prod')).toBeUndefined();
  });
});

describe('the monitor warning', () => {
  const at = new Date('2026-11-24T00:00:00Z');
  it('is published only by runs that checked storage and proxy: 1 with a warning, 0 without', () => {
    const value = (r: Report) => periodValue(rule('monitor-warning'), metricData(r, at), 'prod');
    expect(value(report('ok', 'ok', 's3-no-such-bucket', 'ok'))).toBe(1);
    expect(value(report('ok', 'ok', 'ok', 'ok'))).toBe(0);
    expect(value(report('ok', 'ok'))).toBeUndefined();
    expect(value(report('status', 'ok', 'monitor-credentials', 'monitor-credentials'))).toBe(1);
  });

  it("goes to the monitor's topic, and its notice says downloads are fine and what to fix", () => {
    expect(rule('monitor-warning')).toMatchObject({ topic: 'monitor', treatMissingData: 'ignore' });
    const r = report('ok', 'ok', 's3-no-such-bucket', 'ok');
    const page = pageText(
      {
        alarmName: 'download-doctor-prod-monitor-warning',
        target: 'prod',
        rule: rule('monitor-warning'),
        state: 'ALARM',
        at,
      },
      r,
    );
    expect(page.subject).toBe('[download-doctor] MONITOR WARNING prod: its own settings');
    expect(page.message).toContain('This is not a page:\ndownloads are healthy');
    expect(page.message).toContain(`What to fix: ${r.verdict.monitorWarning}`);
    expect(page.message).toContain('download-doctor run --target prod --all-layers');
    // Sent by serve (no workflow): no AWS command naming a state machine that does not exist.
    expect(page.message).not.toContain('aws stepfunctions');
    const onAws = pageText(
      {
        alarmName: 'download-doctor-prod-monitor-warning',
        target: 'prod',
        rule: rule('monitor-warning'),
        state: 'ALARM',
        at,
      },
      r,
      'arn:aws:states:eu-west-1:1:stateMachine:dd',
    );
    expect(onAws.message).toContain('"allLayers":true');
  });
});

describe('the page', () => {
  const at = new Date('2026-11-24T03:12:00Z');
  it('says what is broken, shows the evidence, and how to rerun', () => {
    const p = pageText(
      { alarmName: 'download-doctor-prod-down', target: 'prod', rule: rule('down'), state: 'ALARM', at },
      report('status', 'ok', 'ok', 'status'),
      'arn:aws:states:eu-west-1:1:stateMachine:dd',
    );
    expect(p.subject).toBe('[download-doctor] FAILED prod: fault proxy');
    expect(p.message).toContain('the proxy cannot serve from storage');
    expect(p.message).toContain('proxy      FAIL [status]: proxy broke (status)');
    expect(p.message).toContain('When: 2026-11-24T03:12:00.000Z');
    expect(p.message).toContain(
      `aws stepfunctions start-execution --state-machine-arn arn:aws:states:eu-west-1:1:stateMachine:dd --input '{"target":"prod"}'`,
    );
  });

  it('sends one short notice on recovery', () => {
    const p = pageText(
      { alarmName: 'download-doctor-prod-down', target: 'prod', rule: rule('down'), state: 'OK', at },
      report('ok', 'ok'),
    );
    expect(p.subject).toBe('[download-doctor] RESOLVED prod: downloads work again');
    expect(p.message).toContain('Latest verdict: healthy');
    expect(p.message).not.toContain('lasted');
  });

  it('says on recovery how long the incident lasted, when its start is known', () => {
    const p = pageText(
      { alarmName: 'download-doctor-prod-down', target: 'prod', rule: rule('down'), state: 'OK', at },
      report('ok', 'ok'),
      undefined,
      undefined,
      { incidentSince: new Date(at.getTime() - 65 * 60_000 - 20_000) },
    );
    expect(p.message.split('\n')[1]).toBe(
      'The incident lasted 1 h 5 min (paged at 2026-11-24T02:06:40.000Z).',
    );
  });
});

describe('TLS days left', () => {
  const at = new Date('2026-11-24T00:00:00Z');
  const withTls = (r: Report, days: Record<string, number>): Report => ({
    ...r,
    results: r.results.map((x) =>
      days[x.layer] === undefined
        ? x
        : { ...x, tls: { notAfter: '2026-12-04T00:00:00.000Z', daysLeft: days[x.layer] as number } },
    ),
  });

  it('counts whole days from the check’s start: 10 days less a second is 9, the last day 0, past it negative', () => {
    expect(tlsExpiry('2026-12-03T23:59:59.000Z', '2026-11-24T00:00:00.000Z').daysLeft).toBe(9);
    expect(tlsExpiry('2026-12-04T00:00:00.000Z', '2026-11-24T00:00:00.000Z').daysLeft).toBe(10);
    expect(tlsExpiry('2026-11-24T10:00:00.000Z', '2026-11-24T00:00:00.000Z').daysLeft).toBe(0);
    expect(tlsExpiry('2026-11-23T00:00:00.000Z', '2026-11-24T00:00:00.000Z').daysLeft).toBe(-1);
  });

  it('publishes TlsDaysLeft per target and layer, and the fewest per target for the alarm', () => {
    const data = metricData(withTls(report('ok', 'ok'), { 'end-to-end': 40, app: 9 }), at);
    const tls = data.filter((d) => d.MetricName === METRICS.tlsDaysLeft);
    expect(tls.map((d) => [d.Dimensions.map((x) => x.Value).join('/'), d.Value])).toEqual([
      ['prod/end-to-end', 40],
      ['prod/app', 9],
      ['prod', 9],
    ]);
    expect(periodValue(rule('tls-expiry'), data, 'prod')).toBe(9);
    expect(evaluateAlarm(rule('tls-expiry'), [9])).toBe('ALARM'); // below 14 days: a warning
    expect(evaluateAlarm(rule('tls-expiry'), [30])).toBe('OK');
    // No HTTPS check: no datum, which is not breaching.
    const plain = metricData(report('ok', 'ok'), at);
    expect(plain.some((d) => d.MetricName === METRICS.tlsDaysLeft)).toBe(false);
    expect(evaluateAlarm(rule('tls-expiry'), [periodValue(rule('tls-expiry'), plain, 'prod')])).toBe('OK');
  });

  it('warns with the days left, whatever the verdict, and shows them beside each check', () => {
    const p = pageText(
      {
        alarmName: 'download-doctor-prod-prod-tls-expiry',
        target: 'prod',
        rule: rule('tls-expiry'),
        state: 'ALARM',
        at,
      },
      withTls(report('ok', 'ok'), { 'end-to-end': 9, app: 30 }),
      undefined,
      undefined,
      {
        runbookUrl: 'https://wiki.example.com/downloads',
        console: consoleLinks(
          'eu-west-1',
          'arn:aws:states:eu-west-1:1:stateMachine:dd',
          'download-doctor-prod',
        ),
      },
    );
    expect(p.subject).toBe(
      '[download-doctor] WARNING prod: TLS certificate expires in 9 days (2026-12-04): end-to-end',
    );
    expect(p.message).toContain('TLS certificate expires in 30 days (2026-12-04)');
    expect(p.message).toContain('severity warning');
    expect(p.message).toContain('Runbook: https://wiki.example.com/downloads');
    expect(p.message).toContain(
      'Dashboard: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/download-doctor-prod',
    );
    expect(p.message).toContain(
      '#/statemachines/view/arn%3Aaws%3Astates%3Aeu-west-1%3A1%3AstateMachine%3Add',
    );
  });
});

describe('instance names', () => {
  it('prefix every name with the instance, so that two instances never share one', () => {
    const a = instanceNames('staging');
    expect(a.namespace).toBe('DownloadDoctor/staging');
    expect(a.alarm('eu-prod', rule('down'))).toBe('download-doctor-staging-eu-prod-down');
    expect(a.schedule('eu-prod')).toBe('staging-eu-prod');
    expect(a.dashboard).toBe('download-doctor-staging');
    expect(a.workflowLogGroup).toBe('/aws/vendedlogs/states/download-doctor-staging');
    // A dash-free instance name keeps "instance a, target b-c" apart from "instance a-b, target c".
    expect(INSTANCE_NAME.test('a-b')).toBe(false);
    expect(INSTANCE_NAME.test('Production2')).toBe(true);
    expect(INSTANCE_NAME.test('x'.repeat(31))).toBe(false);
  });
});
