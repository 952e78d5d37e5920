import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type EventLog, runLocally } from '../../cli/local-engine.ts';
import type { Config } from '../../functions/config/schema.ts';
import { executionInput, type HandlerName } from '../../functions/contract/workflow.ts';
import { type Handler, makeHandlers } from '../../functions/handlers/handlers.ts';
import { reportHandler } from '../../functions/handlers/report.ts';
import { ASL_PATH as ASL_URL, renderAsl } from '../../infra/render-asl.ts';
import { validConfig } from '../fixtures/config.ts';
import { result, type Spec } from '../fixtures/results.ts';

// asl-validator is CommonJS with no types: a function of the definition.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

/** Handlers that return canned results, with the real diagnose and report (no telemetry). */
function fakeHandlers(specs: Record<'end-to-end' | 'app' | 'storage' | 'proxy', Spec | Handler>) {
  const { diagnose, report } = makeHandlers({
    config: { targets: [] } as never,
    probes: {} as never,
    secrets: async () => '',
  });
  const as = (layer: keyof typeof specs): Handler => {
    const s = specs[layer];
    return typeof s === 'function' ? s : async () => result(layer, s);
  };
  return {
    'end-to-end': as('end-to-end'),
    app: as('app'),
    storage: as('storage'),
    proxy: as('proxy'),
    diagnose,
    report,
  } as Record<HandlerName, Handler>;
}

/** The real handlers, with probes that answer without a network (connection refused). */
const realHandlers = (config: Config, sleep?: (ms: number) => Promise<void>) =>
  makeHandlers({
    config,
    probes: {
      http: async () => ({
        reached: false,
        kind: 'connect-refused',
        error: 'ECONNREFUSED',
        timings: { totalMs: 1 },
      }),
      storage: async () => ({ reached: false, kind: 'fs-error', error: 'x', timings: { totalMs: 0 } }),
      presign: async () => ({ ok: true, query: '' }),
    },
    secrets: async () => '',
    ...(sleep ? { sleep } : {}),
  });

const healthyVerdict = {
  status: 'healthy',
  fault: null,
  faults: [],
  summary: 'ok',
  rule: 'healthy',
  evidence: [],
};

const entered = (events: EventLog[]) =>
  events.filter((e) => e.type === 'StateEntered').map((e) => (e as { state: { name: string } }).state.name);
const indexOf = (events: EventLog[], type: string, state: string) =>
  events.findIndex((e) => e.type === type && (e as { state?: { name: string } }).state?.name === state);

describe('the workflow definition', () => {
  it('is the ASL rendered from the chain in infra/ (run `npm run build` after changing it)', () => {
    expect(readFileSync(ASL_URL, 'utf8')).toBe(renderAsl());
  });

  it('passes asl-validator', () => {
    const { isValid, errors } = aslValidator(JSON.parse(readFileSync(ASL_URL, 'utf8')));
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('retries only Lambda infrastructure errors, and catches crashes into a result', () => {
    const asl = JSON.parse(readFileSync(ASL_URL, 'utf8'));
    const stage1 = asl.States[asl.StartAt];
    const e2e = stage1.Branches[0].States['End-to-end'];
    expect(e2e.Resource).toMatch(/^arn:aws:lambda:/);
    expect(e2e.Retry[0].ErrorEquals).toEqual(
      expect.arrayContaining(['Lambda.TooManyRequestsException', 'Lambda.ServiceException']),
    );
    expect(e2e.Retry[0].ErrorEquals).not.toContain('States.ALL');
    expect(e2e.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'End-to-end crashed' });
  });
});

describe('the report handler', () => {
  it('needs no config: it forwards what the checks found (its function bundles none)', async () => {
    const stored = await reportHandler({})({
      schemaVersion: 1,
      target: 'p',
      verdict: healthyVerdict,
      results: [],
    });
    expect(stored).toMatchObject({ target: 'p', verdict: { status: 'healthy' } });
  });
});

describe('the local engine runs it', () => {
  it('stops after stage 1 when it is healthy', async () => {
    const { report, events } = await runLocally(
      { target: 'prod' },
      fakeHandlers({ 'end-to-end': 'ok', app: 'ok', storage: 'ok', proxy: 'ok' }),
    );
    expect(report.verdict.status).toBe('healthy');
    expect(report.results.map((r) => r.layer)).toEqual(['end-to-end', 'app']);
    expect(entered(events)).not.toContain('Storage');
  });

  it('runs all four checks when the input asks for a full run (allLayers), whatever stage 1 says', async () => {
    const handlers = fakeHandlers({
      'end-to-end': 'ok',
      app: 'ok',
      storage: 's3-no-such-bucket',
      proxy: 'ok',
    });
    const { report, events } = await runLocally({ target: 'prod', allLayers: true }, handlers);
    expect(report.results.map((r) => r.layer)).toEqual(['end-to-end', 'app', 'storage', 'proxy']);
    expect(entered(events)).toContain('Storage');
    // Downloads work: the failing storage check is the monitor's warning, not a page.
    expect(report.verdict).toMatchObject({ status: 'healthy', fault: null });
    expect(report.verdict.monitorWarning).toContain('the storage check fails');
    // allLayers false is a normal run.
    const normal = await runLocally({ target: 'prod', allLayers: false }, handlers);
    expect(normal.report.results.map((r) => r.layer)).toEqual(['end-to-end', 'app']);
  });

  it('runs storage and proxy in parallel when stage 1 fails (from the event log)', async () => {
    // Each stage-2 handler waits until the other has started, so a sequential engine could not finish both at once.
    let release: () => void = () => {};
    const bothStarted = new Promise<void>((r) => {
      release = r;
    });
    let started = 0;
    const barrier = (layer: 'storage' | 'proxy') => async () => {
      started += 1;
      if (started === 2) release();
      await Promise.race([bothStarted, new Promise((r) => setTimeout(r, 2_000))]);
      return result(layer, 'ok');
    };
    const { report, events } = await runLocally(
      { target: 'prod' },
      fakeHandlers({
        'end-to-end': 'status',
        app: 'ok',
        storage: barrier('storage'),
        proxy: barrier('proxy'),
      }),
    );
    const lastEntered = Math.max(
      indexOf(events, 'StateEntered', 'Storage'),
      indexOf(events, 'StateEntered', 'Proxy'),
    );
    const firstExited = Math.min(
      indexOf(events, 'StateExited', 'Storage'),
      indexOf(events, 'StateExited', 'Proxy'),
    );
    expect(lastEntered).toBeGreaterThan(0);
    expect(lastEntered).toBeLessThan(firstExited);
    expect(report.verdict).toMatchObject({ status: 'failed', fault: 'proxy-app' });
  });

  it('turns a crashed check into check-error evidence for unknown', async () => {
    const crash: Handler = async () => {
      throw new TypeError('Cannot read properties of undefined');
    };
    const { report, events } = await runLocally(
      { target: 'prod' },
      fakeHandlers({ 'end-to-end': 'status', app: 'ok', storage: crash, proxy: 'ok' }),
    );
    expect(indexOf(events, 'StateCaught', 'Storage')).toBeGreaterThan(0);
    const storage = report.results.find((r) => r.layer === 'storage');
    expect(storage).toMatchObject({ ok: false, kind: 'check-error' });
    expect(storage?.message).toContain('TypeError');
    expect(report.verdict).toMatchObject({ fault: 'unknown', rule: 'storage-check-could-not-run' });
  });

  it('confirms a transient failure of stage 1: the failing check runs again, passes, and the run flapped', async () => {
    // Prepare: end to end fails on its first call only; the app passes.
    const events: unknown[] = [];
    const flaky: Handler = async (event) => {
      events.push(event);
      return result('end-to-end', events.length === 1 ? 'status' : 'ok');
    };
    // Act
    const { report, events: log } = await runLocally(
      { target: 'prod' },
      fakeHandlers({ 'end-to-end': flaky, app: 'ok', storage: 'ok', proxy: 'ok' }),
    );
    // Assess: from the event log, the confirmation ran end to end again (its event says so), kept the app, and
    // went to the diagnostics without stage 2.
    const states = entered(log);
    expect(states).toEqual([
      'Stage 1: end-to-end and app',
      'End-to-end',
      'App',
      'Stage 1 healthy?',
      // Started by hand: no wait in the input, so the check functions wait the whole confirmDelayMs.
      'Confirmation wait given?',
      'No confirmation wait given',
      'Confirm stage 1: the failing checks again',
      'End-to-end passed?',
      'App passed?',
      'End-to-end again',
      'App kept',
      'Confirmed healthy?',
      'Diagnose',
      'Report',
    ]);
    expect(events).toEqual([{ target: 'prod' }, { target: 'prod', confirm: true, waitedSeconds: 0 }]);
    expect(report.verdict).toMatchObject({ status: 'healthy', rule: 'healthy' });
    expect(report.verdict.summary).toContain('flapped: end-to-end failed (end-to-end broke (status))');
    expect(report.results.map((r) => [r.layer, r.ok])).toEqual([
      ['end-to-end', true],
      ['app', true],
    ]);
    expect(report.confirmation).toEqual({ flapped: true, firstAttempt: [result('end-to-end', 'status')] });
  });

  it('confirms a persistent failure of stage 1, then runs stage 2 on the confirmed results', async () => {
    const stage2Events: unknown[] = [];
    const proxy: Handler = async (event) => {
      stage2Events.push(event);
      return result('proxy', 'fs-not-found');
    };
    const { report, events } = await runLocally(
      { target: 'prod' },
      fakeHandlers({ 'end-to-end': 'status', app: 'ok', storage: 'ok', proxy }),
    );
    // The real check handler takes the event stage 2 gets (the whole state, the confirmation's results included).
    const checked = (await realHandlers(validConfig()).proxy(stage2Events[0])) as { layer: string };
    expect(checked.layer).toBe('proxy');
    const states = entered(events);
    expect(states.indexOf('End-to-end again')).toBeGreaterThan(states.indexOf('Stage 1 healthy?'));
    expect(states).toContain('App kept');
    expect(states).not.toContain('App again');
    expect(states.indexOf('Stage 2: storage and proxy')).toBeGreaterThan(
      states.indexOf('Confirmed healthy?'),
    );
    expect(report.verdict).toMatchObject({ status: 'failed', fault: 'proxy' });
    expect(report.verdict.summary).not.toContain('flapped');
    expect(report.confirmation).toMatchObject({ flapped: false, firstAttempt: [{ layer: 'end-to-end' }] });
    expect(report.results.map((r) => r.layer)).toEqual(['end-to-end', 'app', 'storage', 'proxy']);
  });

  it('confirms a slow check too; a confirmation that crashes leaves the first attempt, with a note', async () => {
    let calls = 0;
    const slowThenCrash: Handler = async () => {
      calls += 1;
      if (calls === 1) return result('app', 'slow');
      throw new TypeError('the confirmation broke');
    };
    const { report, events } = await runLocally(
      { target: 'prod' },
      fakeHandlers({ 'end-to-end': 'ok', app: slowThenCrash, storage: 'ok', proxy: 'ok' }),
    );
    expect(indexOf(events, 'StateCaught', 'App again')).toBeGreaterThan(0);
    const app = report.results.find((r) => r.layer === 'app');
    expect(app).toMatchObject({ ok: true, slow: true });
    expect(app?.notes?.at(-1)).toMatch(
      /^its confirmation could not run \(TypeError: .*the confirmation broke/,
    );
    expect(report.confirmation).toEqual({ flapped: false, firstAttempt: [] });
    expect(report.verdict).toMatchObject({ status: 'degraded', fault: 'app', rule: 'slow-app' });
  });

  it("the check handlers wait the target's confirmDelayMs before a confirmation, and only then", async () => {
    const waits: number[] = [];
    const handlers = realHandlers(validConfig({ confirmDelayMs: 1500 }), async (ms) => {
      waits.push(ms);
    });
    await handlers['end-to-end']({ target: 'prod' });
    expect(waits).toEqual([]);
    const again = (await handlers['end-to-end']({ target: 'prod', confirm: true })) as { kind: string };
    expect(waits).toEqual([1500]);
    expect(again.kind).toBe('connect-refused');
    // What the workflow waited is not waited again: the rest of the delay, or nothing.
    await handlers['end-to-end']({ target: 'prod', confirm: true, waitedSeconds: 1 });
    await handlers['end-to-end']({ target: 'prod', confirm: true, waitedSeconds: 2 });
    expect(waits).toEqual([1500, 500]);
  });

  it("a scheduled run's input carries the wait: the workflow waits it, and the confirmation is told", async () => {
    // Prepare: the input a plan or a local run gives (the whole seconds of confirmDelayMs 1500).
    const input = executionInput({ name: 'prod', confirmDelayMs: 1500 });
    expect(input).toEqual({ target: 'prod', confirmWaitSeconds: 1 });
    const events: unknown[] = [];
    const failing: Handler = async (event) => {
      events.push(event);
      return result('end-to-end', 'status');
    };
    // Act
    const started = Date.now();
    const { events: log } = await runLocally(
      input,
      fakeHandlers({ 'end-to-end': failing, app: 'ok', storage: 'ok', proxy: 'ok' }),
    );
    // Assess: the Wait state ran (the engine really waits: about a second), between stage 1 and the confirmation.
    const states = entered(log);
    expect(states.slice(3, 8)).toEqual([
      'Stage 1 healthy?',
      'Confirmation wait given?',
      'Wait before the confirmation',
      'Seconds waited before the confirmation',
      'Confirm stage 1: the failing checks again',
    ]);
    expect(states).not.toContain('No confirmation wait given');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(events[1]).toEqual({ target: 'prod', confirm: true, waitedSeconds: 1 });
  });

  it('retries a Lambda throttling error by the name Lambda reports', async () => {
    let calls = 0;
    const throttledOnce: Handler = async () => {
      calls += 1;
      if (calls === 1)
        throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
      return result('app', 'ok');
    };
    const { report, events } = await runLocally(
      { target: 'prod' },
      fakeHandlers({ 'end-to-end': 'ok', app: throttledOnce, storage: 'ok', proxy: 'ok' }),
    );
    expect(calls).toBe(2);
    expect(events.some((e) => e.type === 'StateRetried')).toBe(true);
    expect(report.verdict.status).toBe('healthy');
  });
});
