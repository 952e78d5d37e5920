/**
 * Telemetry and paging against real parts: the sandbox (its moto is the S3 storage) and a second moto_server for
 * CloudWatch and SNS, so that "storage down" does not take telemetry down with it. An SNS http subscription in
 * this test receives what an on-call engineer would.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAndPrint } from '../../cli/commands/run.ts';
import { LOCAL_TOPICS } from '../../cli/local-alarms.ts';
import { DIMENSIONS, METRICS } from '../../functions/alerting/metrics.ts';
import { instanceNames, LOCAL_INSTANCE } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import type { Config } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';

/** `run --publish` without --instance: the local instance's names. */
const { alarm: alarmName, namespace: NAMESPACE } = instanceNames(LOCAL_INSTANCE);

import { changesOf, type FaultName, variantFaults } from '../../sandbox/faults.ts';
import { useEnv } from '../../sandbox/monitor.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';
import { type Received, startSnsReceiver } from '../fixtures/sns.ts';

let box: Sandbox;
let telemetry: MotoServer;
let config: Config;
let subscriber: Awaited<ReturnType<typeof startSnsReceiver>>;
let dir: string;
let received: Received[] = [];
const region = 'us-east-1';
let cloudwatch: CloudWatchClient;

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {}); // the runs' JSON output: asserted through the reports
  dir = mkdtempSync(join(tmpdir(), 'dd-telemetry-'));
  [box, telemetry] = await Promise.all([startSandbox(), startMotoServer(dir)]);
  Object.assign(process.env, box.env, { AWS_REGION: region });
  const v = validateConfig(box.config);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  // One target, one incident per fault: the extra sentinel's target would page for the same fault.
  config = { ...v.config, targets: v.config.targets.filter((t) => t.name === 'sandbox') };
  cloudwatch = new CloudWatchClient({ endpoint: telemetry.endpoint, region });

  subscriber = await startSnsReceiver(telemetry.endpoint, region, Object.values(LOCAL_TOPICS));
  received = subscriber.received;
});

afterAll(async () => {
  cloudwatch?.destroy();
  await Promise.all([box?.stop(), telemetry?.stop(), subscriber?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * One run, as `download-doctor run --publish ENDPOINT` does it; returns the pages received meanwhile. `allLayers`:
 * a full run, with the config and environment the monitor has now (a monitor fault changes them).
 */
async function run(allLayers = false): Promise<{ status: string; pages: Received[] }> {
  const before = received.length;
  let current = config;
  if (allLayers) {
    useEnv({ ...box.env, AWS_REGION: region });
    const v = validateConfig(box.config);
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    current = { ...v.config, targets: v.config.targets.filter((t) => t.name === 'sandbox') };
  }
  const { reports } = await runAndPrint(current, {
    format: 'json',
    publish: telemetry.endpoint,
    alarmState: join(dir, 'alarms.json'),
    allLayers,
  });
  // moto delivers SNS http notifications as it publishes; give the POST a moment to land.
  await new Promise((r) => setTimeout(r, 150));
  return { status: reports[0]?.verdict.status ?? 'none', pages: received.slice(before) };
}

async function statistic(
  metric: string,
  dims: Record<string, string>,
  stat: 'Minimum' | 'Maximum' | 'SampleCount',
) {
  const out = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: NAMESPACE,
      MetricName: metric,
      Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
      StartTime: new Date(Date.now() - 3_600_000),
      EndTime: new Date(Date.now() + 60_000),
      Period: 3600,
      Statistics: [stat],
    }),
  );
  return out.Datapoints?.[0]?.[stat];
}

const down = TARGET_ALARMS.find((r) => r.id === 'down');
const degraded = TARGET_ALARMS.find((r) => r.id === 'degraded');

describe('telemetry and paging on the sandbox', () => {
  it('publishes the metrics of a healthy run, and pages no one', async () => {
    const r = await run();
    expect(r.status).toBe('healthy');
    expect(r.pages.map((p) => p.subject)).toEqual([]);
    expect(await statistic(METRICS.healthy, { [DIMENSIONS.target]: 'sandbox' }, 'Minimum')).toBe(1);
    expect(
      await statistic(
        METRICS.checkSuccess,
        { [DIMENSIONS.target]: 'sandbox', [DIMENSIONS.layer]: 'end-to-end' },
        'Minimum',
      ),
    ).toBe(1);
    expect(
      await statistic(
        METRICS.checkDuration,
        { [DIMENSIONS.target]: 'sandbox', [DIMENSIONS.layer]: 'app' },
        'SampleCount',
      ),
    ).toBeGreaterThan(0);
  });

  // The nginx + S3 faults: paging depends on the verdicts only, which verdicts.test.ts checks on every variant,
  // so one fault per verdict (status and fault) is enough, and keeps CI's time. Those of the written target (the
  // config above): an extra sentinel's fault pages on its own target. Those whose download works (a note) page no
  // one; those of the monitor's own settings are the monitor warning's (below).
  const seenVerdicts = new Set<string>();
  it.each(
    variantFaults('nginx-s3')
      .filter(
        (f) =>
          !f.sentinel && f.expected.status !== 'healthy' && !changesOf(f).some((c) => c.lever === 'monitor'),
      )
      .filter((f) => {
        const verdict = `${f.expected.status} ${f.expected.fault}`;
        if (seenVerdicts.has(verdict)) return false;
        seenVerdicts.add(verdict);
        return true;
      })
      .map((f) => [f.name, f] as const),
  )('%s: one page per incident, with the verdict; one notice on recovery', async (name, fault) => {
    const rule = fault.expected.status === 'failed' ? down : degraded;
    if (!rule) throw new Error('no rule');
    await box.applyFault(name as FaultName);
    const pages: Received[] = [];
    // A failed run is a confirmed hard failure (its stage 1 failed again at the confirmation): it pages at once.
    // Degraded keeps its M of N: M-1 runs page no one. One more run adds nothing.
    const pagesAt = rule.confirmedAtOnce ? 1 : rule.datapointsToAlarm;
    try {
      for (let i = 1; i <= pagesAt + 1; i++) {
        const r = await run();
        expect(r.status).toBe(fault.expected.status);
        if (i < pagesAt)
          expect(
            r.pages.map((p) => p.subject),
            `run ${i}`,
          ).toEqual([]);
        pages.push(...r.pages);
      }
    } finally {
      await box.clearFaults();
    }
    expect(pages).toHaveLength(1);
    const [page] = pages;
    expect(page?.topicArn).toContain(LOCAL_TOPICS.page);
    // The primary fault first, then any other failing layer.
    expect(
      page?.subject.startsWith(
        `[download-doctor] ${fault.expected.status.toUpperCase()} sandbox: fault ${fault.expected.fault}`,
      ),
    ).toBe(true);
    expect(page?.message).toContain(`target "sandbox" is ${fault.expected.status.toUpperCase()}`);
    expect(page?.message).toContain(`[${fault.expected.kind}]`); // the flagged check's failure kind, as evidence
    expect(page?.message).toContain('observed: status'); // status codes and headers seen
    // A page of a local run: no AWS command naming a state machine that does not exist.
    expect(page?.message).not.toContain('aws stepfunctions');
    expect(page?.message).toContain('download-doctor run --target sandbox');

    // Recovery: after its healthy runs in a row (recoverAfter), one notice, then silence.
    const notices: Received[] = [];
    for (let i = 0; i < rule.evaluationPeriods; i++) {
      const r = await run();
      expect(r.status).toBe('healthy');
      notices.push(...r.pages);
    }
    expect(notices).toHaveLength(1);
    expect(notices[0]?.subject).toMatch(/^\[download-doctor\] RESOLVED sandbox/);
    expect(notices[0]?.message).toContain('Latest verdict: healthy');
    const alarms = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [alarmName('sandbox', rule)] }),
    );
    expect(alarms.MetricAlarms?.[0]?.StateValue).toBe('OK');

    // What moto's CloudWatch holds: the flagged check's layer reported a failure during the incident.
    const layerMin = await statistic(
      METRICS.checkSuccess,
      { [DIMENSIONS.target]: 'sandbox', [DIMENSIONS.layer]: fault.expected.check },
      'Minimum',
    );
    expect(layerMin).toBe(0);
  });

  it("a full run that proves the monitor's storage setting wrong notifies the monitor's topic once, never pages; a proven one resolves it", async () => {
    await box.applyFault('stale-storage-settings');
    let warned: Received[];
    try {
      const r = await run(true);
      expect(r.status).toBe('healthy');
      warned = r.pages;
      // Normal runs between full runs say nothing of the monitor's settings: the warning holds, no new notice.
      expect((await run()).pages).toEqual([]);
      expect((await run(true)).pages).toEqual([]);
    } finally {
      await box.clearFaults();
    }
    expect(warned.map((p) => [p.topicArn.split(':').at(-1), p.subject])).toEqual([
      [LOCAL_TOPICS.monitor, '[download-doctor] MONITOR WARNING sandbox: its own settings'],
    ]);
    expect(warned[0]?.message).toContain('This is not a page:\ndownloads are healthy');
    expect(warned[0]?.message).toContain('What to fix: the proxy serves the sentinel');
    expect(await statistic(METRICS.monitorWarning, { [DIMENSIONS.target]: 'sandbox' }, 'Maximum')).toBe(1);
    const resolved = await run(true);
    expect(resolved.pages.map((p) => p.subject)).toEqual([
      '[download-doctor] RESOLVED monitor warning sandbox',
    ]);
    useEnv({ ...box.env, AWS_REGION: region });
  });
});
