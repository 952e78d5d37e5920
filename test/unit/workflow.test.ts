import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type EventLog, runLocally } from '../../cli/local-engine.ts';
import type { HandlerName } from '../../functions/core/workflow.ts';
import { type Handler, makeHandlers } from '../../functions/handlers/handlers.ts';
import { ASL_PATH as ASL_URL, renderAsl } from '../../infra/render-asl.ts';
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
