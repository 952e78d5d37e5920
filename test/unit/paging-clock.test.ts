/**
 * Paging on AWS with a controlled clock: the real workflow on the local engine (stage 1, its confirmation, stage 2),
 * the real diagnose, and the report function's telemetry as deployed (awsRecorder: the target's state stepped with
 * conditional writes, transitions published), its table in memory and its clock set by the test, one run per
 * schedule period. A confirmed hard failure pages on its first run; a failure that passes at its confirmation pages
 * no one; degraded pages after its M of N; recovery takes its successes.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runLocally } from '../../cli/local-engine.ts';
import type { Deployment } from '../../functions/alerting/deployment.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import { readTransitionMessage } from '../../functions/alerting/transition-message.ts';
import type { HandlerName } from '../../functions/contract/workflow.ts';
import { awsRecorder } from '../../functions/handlers/aws-report.ts';
import { diagnoseHandler } from '../../functions/handlers/diagnose.ts';
import type { Handler } from '../../functions/handlers/handlers.ts';
import { reportHandler } from '../../functions/handlers/report.ts';
import { validConfig } from '../fixtures/config.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { result } from '../fixtures/results.ts';

const PERIOD = 5 * 60_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');
const names = instanceNames('clock');
const deployment: Deployment = {
  targets: [{ name: 'prod', periodMs: PERIOD }],
  rules: [...TARGET_ALARMS],
  metrics: 'summary',
  spreadMs: { '300000': 30_000 },
  graceMs: 330_000,
};

/** What end to end does in one run: passes; fails twice (a hard failure); fails once (a blip); is slow twice. */
type Run = 'ok' | 'down' | 'blip' | 'slow';

/** Runs the scenario one period apart; returns, per run, its time, its verdict and the transitions published. */
async function replay(runs: readonly Run[]) {
  const { store } = memoryStore();
  const published: string[] = [];
  let clock = new Date(T0);
  const report = reportHandler({
    telemetry: {
      record: awsRecorder({
        deployment,
        names,
        store,
        storeReport: async () => {},
        publish: async (m) => {
          published.push(m);
        },
        emit: () => {},
      }),
    },
    now: () => clock,
  });
  const diagnose = diagnoseHandler({ config: validConfig(), now: () => clock });
  const out: { minute: number; status: string; pages: string[] }[] = [];
  for (const [i, run] of runs.entries()) {
    clock = new Date(T0 + i * PERIOD + 4_000); // the run ends a few seconds into its slot
    let attempt = 0;
    const endToEnd: Handler = async () => {
      attempt++;
      if (run === 'down' || (run === 'blip' && attempt === 1)) return result('end-to-end', 'status');
      return result('end-to-end', run === 'slow' ? 'slow' : 'ok');
    };
    const handlers = {
      'end-to-end': endToEnd,
      app: async () => result('app', 'ok'),
      storage: async () => result('storage', 'ok'),
      proxy: async () => result('proxy', run === 'down' ? 'status' : 'ok'),
      diagnose,
      report,
    } as Record<HandlerName, Handler>;
    const before = published.length;
    const { report: r } = await runLocally({ target: 'prod' }, handlers);
    const pages = published.slice(before).map((m) => {
      const read = readTransitionMessage(m, 'clock');
      if (read.kind !== 'transition') throw new Error('not ours');
      return `${read.transition.rule.id} ${read.transition.state}`;
    });
    out.push({ minute: (clock.getTime() - T0) / 60_000, status: r.verdict.status, pages });
  }
  return out;
}

const transitions = (runs: Awaited<ReturnType<typeof replay>>) =>
  runs.flatMap((r, i) => r.pages.map((p) => `run ${i + 1}: ${p}`));

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {}); // the transitions logged: asserted through what is published
  return () => vi.restoreAllMocks();
});

describe('paging on AWS, one run per 5-minute period', () => {
  it('a confirmed hard failure pages on its first run; recovery takes 2 healthy runs, and one notice', async () => {
    const runs = await replay(['ok', 'down', 'down', 'ok', 'ok', 'ok']);
    expect(runs.map((r) => r.status)).toEqual([
      'healthy',
      'failed',
      'failed',
      'healthy',
      'healthy',
      'healthy',
    ]);
    expect(transitions(runs)).toEqual(['run 2: down ALARM', 'run 5: down OK']);
    // The fault started after run 1: it pages at the end of the first run that sees it.
    expect(runs[1]?.minute).toBeLessThanOrEqual(5 + 1);
  });

  it('a failure that passes at its confirmation (a blip) pages no one, however often it flaps', async () => {
    const runs = await replay(['blip', 'ok', 'blip', 'blip', 'blip']);
    expect(runs.map((r) => r.status)).toEqual(['healthy', 'healthy', 'healthy', 'healthy', 'healthy']);
    expect(transitions(runs)).toEqual([]);
  });

  it('a confirmed page never flaps: one healthy run between failures keeps the incident open', async () => {
    const runs = await replay(['down', 'ok', 'down', 'ok', 'ok']);
    expect(transitions(runs)).toEqual(['run 1: down ALARM', 'run 5: down OK']);
  });

  it('degraded keeps its M of N (3 of 3), and recovers after 2 runs that are not', async () => {
    const runs = await replay(['slow', 'slow', 'ok', 'slow', 'slow', 'slow', 'ok', 'ok']);
    expect(runs[0]?.status).toBe('degraded');
    expect(transitions(runs)).toEqual(['run 6: degraded ALARM', 'run 8: degraded OK']);
  });
});

describe('two runs of one target that end together', () => {
  it('both count, and the transition is published once: the loser of the conditional write steps again', async () => {
    const { store, states } = memoryStore();
    const published: string[] = [];
    const record = awsRecorder({
      deployment: { ...deployment, rules: TARGET_ALARMS.map((r) => ({ ...r, confirmedAtOnce: false })) },
      names,
      store,
      storeReport: async () => {},
      publish: async (m) => {
        published.push(m);
      },
      emit: () => {},
    });
    const failed = await runLocally({ target: 'prod' }, {
      'end-to-end': async () => result('end-to-end', 'status'),
      app: async () => result('app', 'ok'),
      storage: async () => result('storage', 'ok'),
      proxy: async () => result('proxy', 'status'),
      diagnose: diagnoseHandler({ config: validConfig() }),
      report: async (e: unknown) => e,
    } as Record<HandlerName, Handler>);
    // Both read the state before either writes: the second write conflicts, reads again, and counts on top.
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await Promise.all([record(failed.report, new Date(T0)), record(failed.report, new Date(T0 + 1000))]);
    const conflicts = log.mock.calls.flat().filter((l) => String(l).includes('"conflict"'));
    log.mockRestore();
    expect(conflicts).toHaveLength(1);
    const down = states.get('prod')?.alarms.down;
    expect(down?.periods).toEqual([0, 0]);
    expect(down?.state).toBe('ALARM');
    expect(published).toHaveLength(1);
  });
});
