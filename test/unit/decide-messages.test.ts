/**
 * The decide queue's messages at the home's report function (several locations on AWS), on plain data and in-memory
 * stores: each record on its own (a partial batch response), a message that can never be read dropped rather than
 * retried, and a location's result that comes after its slot was decided recorded as heard from, once, without a
 * second decision's metrics or log.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Deployment, slotOfRun, slotOfStart } from '../../functions/alerting/deployment.ts';
import { instanceNames } from '../../functions/alerting/names.ts';
import { targetRules } from '../../functions/alerting/rules.ts';
import { locationAttribute } from '../../functions/alerting/slots.ts';
import { planTick } from '../../functions/config/fleet.ts';
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
  const deps = {
    deployment,
    names: instanceNames('fleet'),
    store,
    storeReport: async () => {},
    publish: async (m: string) => {
      published.push(m);
    },
    emit: (line: string) => emitted.push(line),
    slots,
    queue: {
      async send(body: string, delay = 0) {
        queued.push({ body, delay });
      },
    },
  };
  const consensus = awsConsensus(deps);
  return { consensus, deps, slots, states, queued, emitted, published };
}

/** Each probe Region's end-to-end result for the slot, written into its item as the probe function writes it. */
async function probesWrote(
  slots: ReturnType<typeof memorySlots>,
  slot: string,
  at: Date,
  kinds: Record<string, Parameters<typeof result>[1]> = { 'us-east-1': 'ok', 'ap-south-1': 'ok' },
) {
  for (const [location, kind] of Object.entries(kinds)) {
    const r: LocationResult = {
      location,
      target: 'prod',
      slot,
      at: at.toISOString(),
      results: [result('end-to-end', kind)],
    };
    await slots.put('prod', slot, locationAttribute(location), JSON.stringify(r), at);
  }
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

describe('a location whose results cannot check', () => {
  it('is not heard from: its silence is counted, and the notice names it', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const h = home();
    const report = reportOf(stages('ok', 'ok'));
    const runAt = new Date(report.results[0]?.startedAt ?? '');
    await h.consensus.record(report, new Date(runAt.getTime() + 5_000));
    const message = h.queued[0]?.body ?? '';
    const { slot } = JSON.parse(message) as { slot: string };
    // us-east-1 checks; ap-south-1 answers every slot, but its secret is missing there.
    await probesWrote(h.slots, slot, runAt, { 'us-east-1': 'ok', 'ap-south-1': 'secret-missing' });
    const decided = new Date(runAt.getTime() + 6_000);
    await h.consensus.onMessage(message, decided);
    expect(h.states.get('prod')?.seen).toEqual({ 'us-east-1': decided.toISOString() });
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

describe("the home's run and a probe's run of one planned slot (A6)", () => {
  // Step Functions' Wait until a timestamp keeps its seconds and truncates its milliseconds: the home's run of a
  // start planned at …:17.900 begins at about …:17.0, before the slot it stands for. The probe names its slot from
  // the planned startAt itself. Both must name the same slot, or neither is ever complete, and the home's run is
  // decided with the previous slot's results from the other locations.
  const spread = { spreadMs: { [String(PERIOD_MS)]: PERIOD_MS / 2 } };
  const withSpread: Deployment = { ...deployment, ...spread };
  const tick = Date.parse('2026-11-24T10:05:00.000Z');
  const [planned] = planTick(withSpread.targets, PERIOD_MS, tick, PERIOD_MS / 2);

  it('name the same slot when the Wait ends early (milliseconds truncated) or the clock reads a few seconds behind', () => {
    const startAt = Date.parse(planned?.startAt ?? '');
    // The planned start has milliseconds to truncate: this target's offset is not a whole second.
    expect(startAt % 1000).toBeGreaterThan(20);
    const probe = slotOfRun(withSpread, 'prod', new Date(startAt));
    const truncated = Math.floor(startAt / 1000) * 1000;
    for (const started of [truncated + 20, truncated + 20 - 3_000, startAt, startAt + 60_000])
      expect({
        started: new Date(started).toISOString(),
        slot: slotOfStart(withSpread, 'prod', new Date(started)),
      }).toEqual({
        started: new Date(started).toISOString(),
        slot: probe,
      });
  });

  it("complete one slot's item together: the home's write finds the probes' results and decides at once", async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const h = home();
    const d = withSpread;
    const consensus = awsConsensus({ ...h.deps, deployment: d });
    const startAt = Date.parse(planned?.startAt ?? '');
    const slot = slotOfRun(d, 'prod', new Date(startAt));
    await probesWrote(h.slots, slot, new Date(startAt + 2_000));
    const started = new Date(Math.floor(startAt / 1000) * 1000 + 40).toISOString();
    const report = reportOf(stages('ok', 'ok'));
    const run = { ...report, results: report.results.map((r) => ({ ...r, startedAt: started })) };
    await consensus.record(run, new Date(startAt + 3_000));
    expect(h.queued).toEqual([]);
    expect(h.states.get('prod')?.decided).toBe(slot);
  });
});

describe("a slot the home's own write completes", () => {
  it('is queued when its decision fails there (the table throttled), so that the decide queue decides it', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const h = home();
    const report = reportOf(stages('ok', 'ok'));
    const runAt = Date.parse(report.results[0]?.startedAt ?? '');
    const slot = slotOfStart(deployment, 'prod', new Date(runAt));
    await probesWrote(h.slots, slot, new Date(runAt + 2_000));
    // Each probe found the slot without the home's run: none of them queued it.
    const write = h.deps.store.write;
    h.deps.store.write = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await expect(h.consensus.record(report, new Date(runAt + 5_000))).rejects.toThrow(/Throughput/);
    expect(h.states.get('prod')?.decided).toBeUndefined();
    expect(h.queued.map((q) => JSON.parse(q.body))).toEqual([{ target: 'prod', slot }]);

    h.deps.store.write = write;
    await h.consensus.onMessage(h.queued[0]?.body ?? '', new Date(runAt + 6_000));
    expect(h.states.get('prod')?.decided).toBe(slot);
  });
});

describe("the home's run of a failure it confirmed", () => {
  it('is filed under the slot its first attempt began in, not the one its confirmation began in', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const h = home();
    // Both stage-1 checks failed (the app hangs: each ran to its deadline), then ran again after confirmDelayMs:
    // `results` holds the confirmation's, begun late in the period; the first attempts began at the slot's start.
    const slotStart = Date.parse(slotOfRun(deployment, 'prod', new Date('2026-11-24T10:05:00.000Z')));
    const at = (ms: number) => new Date(slotStart + ms).toISOString();
    const failed = reportOf(stages('timeout', 'timeout'));
    const report = {
      ...failed,
      results: failed.results.map((r) => ({ ...r, startedAt: at(PERIOD_MS - 3_000) })),
      confirmation: {
        firstAttempt: failed.results.map((r) => ({ ...r, startedAt: at(1_000) })),
        flapped: false,
      },
    };
    await h.consensus.record(report, new Date(slotStart + PERIOD_MS + 10_000));
    expect(h.queued.map((q) => (JSON.parse(q.body) as { slot: string }).slot)).toEqual([at(0)]);
  });
});
