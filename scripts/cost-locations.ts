/**
 * What several locations cost on AWS (`npm run cost`, after scripts/cost.ts): the home's extra work once a target is
 * checked from more than one Region, and what each probe Region adds, per target-month at 1 and 5 minutes, and per
 * month whatever the targets. docs/cost.md ("Several locations") shows these figures; test/unit/cost.test.ts ties
 * its table to them.
 *
 * Counted from the real parts: the home's report and its state item as the workflow writes them (measureShapes), a
 * probe Region's result as functions/handlers/location-run.ts makes it (its end-to-end check, confirmed when it
 * fails), the slot's item as functions/probes/slot-store.ts keeps it (every location's result, each write
 * answering the whole item across Regions), and the decide queue's messages (functions/handlers/aws-consensus.ts:
 * the home's deadline, and the write that completes a slot).
 */
import { locationRun } from '../functions/handlers/location-run.ts';
import {
  ASSUMPTIONS,
  cannedResult,
  fixedMonthlyCost,
  measureShapes,
  PRICES,
  RUNS_PER_MONTH,
  type RunShape,
  spreadShare,
} from './cost.ts';

export const LOCATION_PRICES = {
  /** SQS standard queue: a request (up to 64 KB). */
  sqsPerRequest: 0.4 / 1_000_000,
  /** Data transfer between Regions, per GB (charged to the Region it leaves). */
  interRegionPerGb: 0.02,
  /** DynamoDB storage, per GB-month. */
  dynamoStoragePerGbMonth: 0.25,
} as const;

export const LOCATION_ASSUMPTIONS = {
  /** A probe's invocation: its end-to-end check (0.3 s) and its write across Regions (0.15 s), at 256 MB. */
  probeSeconds: 0.45,
  /** A failing probe's confirmation: the default confirmDelayMs (2 s) and the check again (0.3 s). */
  probeConfirmSeconds: 2.3,
  /** Decide messages a slot: the home's deadline, and the one a probe sends when its write completes the slot. */
  decideMessagesPerSlot: 2,
  /** SQS requests a message: SendMessage, and Lambda's ReceiveMessage and DeleteMessage for it (batches of one, at worst). */
  sqsRequestsPerMessage: 3,
  /** A decide invocation of the report function: a read of the slot, the state's read and write, at 128 MB. */
  decideSeconds: 0.1,
  /** Lambda's SQS event source long-polls the queue even when idle: 5 pollers, 3 requests a minute each. */
  idlePollRequestsPerMonth: 5 * 3 * 60 * 24 * 30,
  /** A request's HTTP and TLS overhead across Regions, each way, in bytes. */
  requestOverheadBytes: 1_500,
  /** What a probe logs a run (its outcome line) and a decide (the decision's line), beside Lambda's own lines. */
  probeLogBytes: 200,
  decideLogBytes: 300,
  /** A slot item's keys and TTL. */
  itemFrameBytes: 100,
  /** A slot item is kept a day (functions/probes/slot-store.ts SLOT_TTL_SECONDS). */
  slotDays: 1,
};

export type LocationState = 'healthy' | 'failing';

/** What a probe Region sends for a slot, as JSON: its end-to-end result (failing: confirmed, with the first attempt). */
export async function locationResultBytes(state: LocationState): Promise<number> {
  const result = await locationRun(
    { endToEnd: async () => cannedResult('end-to-end', state === 'healthy') },
    {
      location: 'ap-south-1',
      target: 'www-example-com-production',
      slot: '2026-11-24T00:00:00.000Z',
      at: new Date('2026-11-24T00:00:01.000Z'),
      full: false,
    },
  );
  return JSON.stringify(result).length;
}

/** A slot's item with `locations` in all (the home and the others), as each write answers it. */
export const slotItemBytes = (homeReportBytes: number, resultBytes: number, locations: number) =>
  LOCATION_ASSUMPTIONS.itemFrameBytes + homeReportBytes + 40 + (locations - 1) * resultBytes;

export interface LocationCost {
  lambda: number;
  logs: number;
  dynamodb: number;
  sqs: number;
  transfer: number;
  /** A probe Region's share of its fleet's ticks (the spread its Express run waits). */
  ticks: number;
  total: number;
}

const sum = (c: Omit<LocationCost, 'total'>): LocationCost => ({
  ...c,
  total: c.lambda + c.logs + c.dynamodb + c.sqs + c.transfer + c.ticks,
});

/**
 * Per slot (a run of a target), what the home adds once it has other locations: its run's write into the slot
 * (its write units count the whole item: every location's result), the decide queue's messages, the report
 * function's invocation for each and its read of the slot, and a day of the item's storage. `locations`: M.
 */
export function homeExtraPerSlot(home: RunShape, resultBytes: number, locations: number): LocationCost {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const l = LOCATION_ASSUMPTIONS;
  const item = slotItemBytes(home.reportBytes, resultBytes, locations);
  const messages = l.decideMessagesPerSlot;
  return sum({
    lambda: messages * (p.lambdaPerRequest + l.decideSeconds * a.smallGb * p.lambdaArmPerGbSecond),
    logs: ((messages * (a.platformLogBytesPerInvocation + l.decideLogBytes)) / 1e9) * p.logsPerGbIngested,
    // The home's write of the item; each message's read of it; the second message's read of the state (decided).
    dynamodb:
      Math.ceil(item / 1024) * p.dynamoPerWriteUnit +
      messages * Math.ceil(item / 4096) * p.dynamoPerReadUnit +
      Math.ceil(home.stateItemBytes / 4096) * p.dynamoPerReadUnit +
      (item / 1e9) * (l.slotDays / 30) * LOCATION_PRICES.dynamoStoragePerGbMonth,
    sqs: messages * l.sqsRequestsPerMessage * LOCATION_PRICES.sqsPerRequest,
    transfer: 0,
    ticks: 0,
  });
}

/**
 * Per slot, what one more probe Region adds: its function's invocation (the check, its confirmation when it fails,
 * the write across Regions), its logs, its write into the slot (the whole item's write units) and the item it
 * makes bigger for every other write and read, the bytes across Regions (its result there, the item back), and its
 * share of its fleet's ticks. `locations`: M with this Region.
 */
export function probeRegionPerSlot(
  home: RunShape,
  resultBytes: number,
  locations: number,
  state: LocationState,
): LocationCost {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const l = LOCATION_ASSUMPTIONS;
  const item = slotItemBytes(home.reportBytes, resultBytes, locations);
  const before = slotItemBytes(home.reportBytes, resultBytes, locations - 1);
  const seconds = l.probeSeconds + (state === 'failing' ? l.probeConfirmSeconds : 0);
  // Every write of the slot and each decide's read now count the bigger item.
  const growth =
    (locations - 1) * (Math.ceil(item / 1024) - Math.ceil(before / 1024)) * p.dynamoPerWriteUnit +
    l.decideMessagesPerSlot * (Math.ceil(item / 4096) - Math.ceil(before / 4096)) * p.dynamoPerReadUnit;
  return sum({
    lambda: p.lambdaPerRequest + seconds * a.checkGb * p.lambdaArmPerGbSecond,
    logs: ((a.platformLogBytesPerInvocation + l.probeLogBytes) / 1e9) * p.logsPerGbIngested,
    dynamodb: Math.ceil(item / 1024) * p.dynamoPerWriteUnit + growth,
    sqs: 0,
    transfer: ((resultBytes + item + 2 * l.requestOverheadBytes) / 1e9) * LOCATION_PRICES.interRegionPerGb,
    ticks: spreadShare(),
  });
}

/** A probe Region's fixed cost a month, per interval: its fleet's ticks (Express, its plan, the Scheduler). */
export const probeRegionFixed = (ticksPerMonth: number) => fixedMonthlyCost(0, ticksPerMonth).cost.ticks;

/** The home's fixed cost a month once it has other locations: the decide queue's idle polling. */
export const homeExtraFixed = () =>
  LOCATION_ASSUMPTIONS.idlePollRequestsPerMonth * LOCATION_PRICES.sqsPerRequest;

export interface LocationsMonth {
  every: keyof typeof RUNS_PER_MONTH;
  state: LocationState;
  /** Per target-month, once a target is checked from 2 locations or more. */
  homeExtra: number;
  /** Per target-month, each probe Region (the third location's figures: each further one costs about as much). */
  perProbeRegion: number;
}

/** The figures docs/cost.md shows: per target-month, by schedule and state, with 3 locations. */
export async function locationsMonths(
  shapes?: Awaited<ReturnType<typeof measureShapes>>,
): Promise<LocationsMonth[]> {
  const s = shapes ?? (await measureShapes());
  const rows: LocationsMonth[] = [];
  for (const every of Object.keys(RUNS_PER_MONTH) as (keyof typeof RUNS_PER_MONTH)[])
    for (const state of ['healthy', 'failing'] as const) {
      const home = s[state];
      const bytes = await locationResultBytes(state);
      const runs = RUNS_PER_MONTH[every];
      rows.push({
        every,
        state,
        homeExtra: runs * homeExtraPerSlot(home, bytes, 3).total,
        perProbeRegion: runs * probeRegionPerSlot(home, bytes, 3, state).total,
      });
    }
  return rows;
}

const usd = (n: number) => `$${n < 0.01 ? n.toPrecision(2) : n.toFixed(2)}`;
const micro = (n: number) => `$${(n * 1e6).toFixed(2)}/M`;

/** The table docs/cost.md shows, one line per schedule and state. */
export const locationsRow = (r: LocationsMonth) =>
  `| every ${r.every} | ${r.state} | ${usd(r.homeExtra)} | ${usd(r.perProbeRegion)} |`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const shapes = await measureShapes();
  const bytes = {
    healthy: await locationResultBytes('healthy'),
    failing: await locationResultBytes('failing'),
  };
  console.log('\nSeveral locations (a home Region and probe Regions), counted from the real parts:');
  console.log(
    `  a probe Region's result: ${bytes.healthy} bytes healthy, ${bytes.failing} failing (confirmed); ` +
      `the home's report: ${shapes.healthy.reportBytes} bytes healthy, ${shapes.failing.reportBytes} failing; ` +
      `a slot's item with 3 locations: ${slotItemBytes(shapes.healthy.reportBytes, bytes.healthy, 3)} and ` +
      `${slotItemBytes(shapes.failing.reportBytes, bytes.failing, 3)} bytes`,
  );
  for (const state of ['healthy', 'failing'] as const) {
    const h = homeExtraPerSlot(shapes[state], bytes[state], 3);
    const r = probeRegionPerSlot(shapes[state], bytes[state], 3, state);
    console.log(
      `  per slot, ${state}: the home's extra ${micro(h.total)} (Lambda ${micro(h.lambda)}, logs ${micro(h.logs)}, ` +
        `DynamoDB ${micro(h.dynamodb)}, SQS ${micro(h.sqs)}); each probe Region ${micro(r.total)} (Lambda ${micro(r.lambda)}, ` +
        `logs ${micro(r.logs)}, DynamoDB across Regions ${micro(r.dynamodb)}, transfer ${micro(r.transfer)}, ticks ${micro(r.ticks)})`,
    );
  }
  console.log(
    "\n| schedule | state | the home's extra, per target-month | each probe Region, per target-month |",
  );
  console.log('|---|---|---|---|');
  for (const row of await locationsMonths(shapes)) console.log(locationsRow(row));
  console.log(
    `\nFixed, a month: each probe Region ${usd(probeRegionFixed(RUNS_PER_MONTH['5 min']))} for a 5-minute interval, ` +
      `${usd(probeRegionFixed(RUNS_PER_MONTH['1 min']))} for a 1-minute one (its fleet's ticks: no alarm, key or dashboard); ` +
      `the home ${usd(homeExtraFixed())} (the decide queue's idle polling).`,
  );
  console.log('\nOne more probe Region, a month (healthy targets; the fixed cost included):');
  console.log('| targets | every 5 min | every 1 min |');
  console.log('|---|---|---|');
  const months = await locationsMonths(shapes);
  const of = (every: keyof typeof RUNS_PER_MONTH) =>
    months.find((m) => m.every === every && m.state === 'healthy')?.perProbeRegion ?? 0;
  for (const n of [1, 100, 1000])
    console.log(
      `| ${n} | ${usd(probeRegionFixed(RUNS_PER_MONTH['5 min']) + n * of('5 min'))} | ${usd(probeRegionFixed(RUNS_PER_MONTH['1 min']) + n * of('1 min'))} |`,
    );
}
