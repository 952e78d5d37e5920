/**
 * The decide queue's messages at the home's report function (several locations on AWS), on plain data and in-memory
 * stores: each record on its own (a partial batch response), a message that can never be read dropped rather than
 * retried, and a location's result that comes after its slot was decided recorded as heard from, once, without a
 * second decision's metrics or log.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Deployment } from '../../functions/alerting/deployment.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { targetRules } from '../../functions/alerting/rules.ts';
import { locationAttribute } from '../../functions/alerting/slots.ts';
import type { LocationResult } from '../../functions/contract/types.ts';
import { awsConsensus, decidedLine } from '../../functions/handlers/aws-consensus.ts';
import { eachRecord, isSqsEvent } from '../../functions/handlers/sqs-event.ts';
import type { SlotItem, SlotStore } from '../../functions/probes/slot-store.ts';
import { memoryStore } from '../fixtures/memory-store.ts';
import { reportOf, result, stages } from '../fixtures/results.ts';

const PERIOD_MS = 300_000;
const deployment: Deployment = {
  targets: [{ name: 'prod', periodMs: PERIOD_MS }],
  rules: targetRules(true),
  metrics: 'summary',
  spreadMs: {},
  graceMs: 0,
  locations: { home: 'eu-west-1', others: ['us-east-1', 'ap-south-1'], waitShare: 0.25 },
};

function memorySlots() {
  const items = new Map<string, SlotItem>();
  const slots: SlotStore = {
    async put(target, slot, attribute, body) {
      const item = { ...(items.get(`${target} ${slot}`) ?? {}), [attribute]: body };
      items.set(`${target} ${slot}`, item);
      return { ...item };
    },
    async read(target, slot) {
      const item = items.get(`${target} ${slot}`);
      return item && { ...item };
    },
  };
  return slots;
}

function home() {
  const { store, states } = memoryStore();
  const slots = memorySlots();
  const queued: { body: string; delay: number }[] = [];
  const emitted: string[] = [];
  const published: string[] = [];
  const consensus = awsConsensus({
    deployment,
    names: instanceNames('fleet'),
    store,
    storeReport: async () => {},
    publish: async (m) => {
      published.push(m);
    },
    emit: (line) => emitted.push(line),
    slots,
    queue: {
      async send(body, delay = 0) {
        queued.push({ body, delay });
      },
    },
  });
  return { consensus, slots, states, queued, emitted, published };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the decide queue's batch", () => {
  it('answers only the records that failed, each handled on its own', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const event = {
      Records: ['a', 'b', 'c'].map((body, i) => ({ eventSource: 'aws:sqs', messageId: `m${i}`, body })),
    };
    expect(isSqsEvent(event)).toBe(true);
    const handled: string[] = [];
    const out = await eachRecord(event, async (body) => {
      if (body === 'b') throw new Error('DynamoDB throttled');
      handled.push(body);
    });
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(handled).toEqual(['a', 'c']);
  });

  it('drops a message that can never be read, logged, instead of failing it five times', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      errors.push(String(line));
    });
    const h = home();
    await expect(h.consensus.onMessage('not json', new Date())).resolves.toBeUndefined();
    await expect(h.consensus.onMessage('{"slot":"x"}', new Date())).resolves.toBeUndefined();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('"dropped":"a decide message"');
    expect(errors[1]).toContain('target');
  });
});

describe('a location whose result comes after its slot was decided', () => {
  it('is heard from (not silent), with no second decision, no metrics and no transition', async () => {
    const logged: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      logged.push(String(line));
    });
    const h = home();
    const report = reportOf(stages('ok', 'ok'));
    const runAt = new Date(report.results[0]?.startedAt ?? '');
    await h.consensus.record(report, new Date(runAt.getTime() + 5_000));
    const message = h.queued[0]?.body ?? '';
    const { slot } = JSON.parse(message) as { slot: string };
    // us-east-1 on time; ap-south-1 silent: the deadline decides without it.
    const sent = (location: string, at: Date): LocationResult => ({
      location,
      target: 'prod',
      slot,
      at: at.toISOString(),
      results: [result('end-to-end', 'ok')],
    });
    await h.slots.put(
      'prod',
      slot,
      locationAttribute('us-east-1'),
      JSON.stringify(sent('us-east-1', runAt)),
      runAt,
    );
    const deadline = new Date(runAt.getTime() + 5_000 + PERIOD_MS / 4);
    await h.consensus.onMessage(message, deadline);
    expect(h.emitted).toHaveLength(1);
    expect(h.states.get('prod')?.seen).toEqual({ 'us-east-1': deadline.toISOString() });
    const version = h.states.get('prod')?.version;

    // ap-south-1 writes late, and tells the home (its write found the slot due).
    const late = new Date(deadline.getTime() + 30_000);
    await h.slots.put(
      'prod',
      slot,
      locationAttribute('ap-south-1'),
      JSON.stringify(sent('ap-south-1', late)),
      late,
    );
    await h.consensus.onMessage(message, late);
    const state = h.states.get('prod');
    expect(state?.seen).toEqual({ 'us-east-1': deadline.toISOString(), 'ap-south-1': late.toISOString() });
    expect(state?.decided).toBe(slot);
    expect(state?.version).toBe((version ?? 0) + 1);
    // Still one decision's metrics, one decision logged; the late one says what it did.
    expect(h.emitted).toHaveLength(1);
    expect(h.published).toEqual([]);
    const lines = logged.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => 'decided' in l)).toHaveLength(1);
    expect(lines.at(-1)).toEqual({
      target: 'prod',
      slot,
      decidedAlready: true,
      lateHeardFrom: ['ap-south-1'],
    });

    // Once: the same message again writes nothing.
    await h.consensus.onMessage(message, new Date(late.getTime() + 1_000));
    expect(h.states.get('prod')?.version).toBe(state?.version);
    expect(logged.at(-1)).toBe(JSON.stringify({ target: 'prod', slot, decidedAlready: true }));
  });

  it('an older slot than the latest decided says so, not that it was decided', () => {
    const agreement = { quorum: 2, of: 3, confirmed: false, locations: [], summary: 'ok' };
    const older = '2026-12-01T10:00:00.000Z';
    const latest = '2026-12-01T10:05:00.000Z';
    expect(decidedLine('prod', older, undefined, latest, agreement)).toEqual({
      target: 'prod',
      slot: older,
      skipped: `older than the latest decided slot (${latest})`,
    });
    expect(decidedLine('prod', latest, undefined, latest, agreement)).toEqual({
      target: 'prod',
      slot: latest,
      decidedAlready: true,
    });
  });
});
