/**
 * The wire contract (functions/contract/wire.ts) and the handlers' inputs that use it: a malformed report or
 * result is an error naming the field path, at the boundary, never a crash further on. Plain data, no network.
 */
import { describe, expect, it, vi } from 'vitest';
import { InvalidEventError, WireFormatError } from '../../functions/contract/errors.ts';
import { FAILURE_KINDS } from '../../functions/contract/names.ts';
import type { CheckResult, Condition, Report, Verdict } from '../../functions/contract/types.ts';
import { parseReport } from '../../functions/contract/wire.ts';
import { makeHandlers } from '../../functions/handlers/handlers.ts';
import { reportOf, result, stages } from '../fixtures/results.ts';

const failedReport = (): Report => reportOf(stages('status', 'ok', 'ok', 'status'));

/** A deep copy with one change, as a producer with a bug (or an old version) would send it. */
function broken(change: (r: Report) => void): unknown {
  const copy = structuredClone(failedReport());
  change(copy);
  return copy;
}

/** The i-th result, which the fixture has. */
const nth = (r: Report, i: number) => r.results[i] as CheckResult;

const thrown = (run: () => unknown): Error => {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
};

describe('parseReport: the one parse of the contract', () => {
  it('returns a conforming report as it is, conditions included', () => {
    const report = failedReport();
    expect(parseReport(JSON.parse(JSON.stringify(report)))).toEqual(report);
  });

  it.each<[string, (r: Report) => void, string]>([
    [
      'a timing that is not a number',
      (r) => Object.assign(nth(r, 1).timings, { totalMs: '12' }),
      'results[1].timings.totalMs: expected number, got string',
    ],
    [
      'a missing verdict summary',
      (r) => {
        delete (r.verdict as Partial<Verdict>).summary;
      },
      'verdict.summary: expected string, got nothing',
    ],
    [
      'an unknown status',
      (r) => Object.assign(r.verdict, { status: 'broken' }),
      'verdict.status: expected one of healthy, degraded, failed',
    ],
    [
      'a condition without its observed value',
      (r) => {
        delete (nth(r, 2).conditions[0] as Partial<Condition>).observed;
      },
      'results[2].conditions[0].observed: expected string, got nothing',
    ],
    [
      'results that are not a list',
      (r) => Object.assign(r, { results: {} }),
      'results: expected array, got object',
    ],
  ])('%s: a WireFormatError naming the field', (_name, change, problem) => {
    const error = thrown(() => parseReport(broken(change), 'the stored report'));
    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toBe(`the stored report is malformed: ${problem}`);
  });

  it('lists every bad field, and never the bad values (they could be anything, a secret included)', () => {
    const error = thrown(() =>
      parseReport(
        broken((r) => {
          Object.assign(r, { target: 42 });
          Object.assign(nth(r, 0), { layer: 'Bearer s3cr3t' });
        }),
      ),
    ) as WireFormatError;
    expect(error.problems).toEqual([
      'target: expected string, got number',
      'results[0].layer: expected one of end-to-end, app, storage, proxy',
    ]);
    expect(error.message).not.toContain('s3cr3t');
  });

  it('reads a report written before conditions were kept as one without conditions; drops unknown fields', () => {
    const old = broken((r) => {
      for (const x of r.results) delete (x as Partial<CheckResult>).conditions;
      Object.assign(nth(r, 0), { addedLater: true });
    });
    const report = parseReport(old);
    expect(report.results.map((r) => r.conditions)).toEqual([[], [], [], []]);
    expect(report.results[0]).not.toHaveProperty('addedLater');
  });
});

describe("the handlers' inputs", () => {
  const publish = vi.fn(async () => {});
  const record = vi.fn(async () => {});
  const handlers = makeHandlers({
    config: { targets: [] } as never,
    probes: {} as never,
    secrets: async () => '',
    telemetry: { publish, record },
    now: () => new Date('2026-11-24T00:00:00Z'),
  });

  it('report: a malformed report is an InvalidEventError naming the field; nothing is published or stored', async () => {
    const event = broken((r) => Object.assign(nth(r, 1).timings, { totalMs: 'slow' }));
    const error = await handlers.report(event).catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toBe(
      'the report event is malformed: results[1].timings.totalMs: expected number, got string',
    );
    expect(publish).not.toHaveBeenCalled();
    expect(record).not.toHaveBeenCalled();
  });

  it('report: a conforming report is published and stored as it came', async () => {
    const report = failedReport();
    expect(await handlers.report(report)).toEqual(report);
    expect(record).toHaveBeenCalledWith(report, new Date('2026-11-24T00:00:00Z'));
  });

  it('diagnose: a malformed result is named by its stage and index, every one of them', async () => {
    const app = { ...result('app', 'ok'), timings: { totalMs: 'x' } };
    const storage = { ...result('storage', 'ok'), conditions: [{ subject: '[READ]' }] };
    const error = await handlers
      .diagnose({
        target: 'prod',
        stage1: [result('end-to-end', 'status'), app],
        stage2: [storage, result('proxy', 'ok')],
      })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).problems).toEqual([
      'stage1[1].timings.totalMs: expected number, got string',
      `stage2[0].conditions[0].kind: expected one of dns, connect-refused, connect-failed, timeout, … (${Object.keys(FAILURE_KINDS).length} values)`,
      'stage2[0].conditions[0].pass: expected boolean, got nothing',
      'stage2[0].conditions[0].expected: expected string, got nothing',
      'stage2[0].conditions[0].observed: expected string, got nothing',
    ]);
  });

  it("diagnose: the workflow's Catch result becomes a full check-error result, with its condition", async () => {
    const caught = {
      layer: 'storage',
      ok: false,
      slow: false,
      kind: 'check-error',
      error: { Error: 'Lambda.Unknown', Cause: 'the function timed out' },
    };
    const report = (await handlers.diagnose({
      target: 'prod',
      stage1: [result('end-to-end', 'status'), result('app', 'ok')],
      stage2: [caught, result('proxy', 'ok')],
    })) as Report;
    const storage = report.results.find((r) => r.layer === 'storage');
    expect(storage).toMatchObject({
      ok: false,
      kind: 'check-error',
      message: 'the check itself crashed or could not be invoked (Lambda.Unknown: the function timed out)',
      target: 'prod',
      conditions: [{ subject: '[CHECK]', pass: false, observed: 'Lambda.Unknown: the function timed out' }],
      startedAt: '2026-11-24T00:00:00.000Z',
    });
    expect(report.verdict.rule).toBe('storage-check-could-not-run');
    // What diagnose returns is a report by the contract: the next boundary (report) takes it as it is.
    expect(parseReport(report)).toEqual(report);
  });

  it('a check: an event without a target names it', async () => {
    const error = await handlers['end-to-end']({}).catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toBe(
      'the end-to-end event is malformed: target: expected string, got nothing',
    );
  });
});
