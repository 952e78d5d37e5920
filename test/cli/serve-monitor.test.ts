/**
 * serve's monitor (cli/serve/monitor.ts) when a part of it breaks: one of two pagers (real webhook pagers against
 * loopback receivers, one answering 500), and the history (a store whose writes throw). A page must go out once, its
 * incident noted, whatever else fails; every failure is logged, without the webhook's secret.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { webhookPager } from '../../cli/pagers.ts';
import { Monitor } from '../../cli/serve/monitor.ts';
import { openStore, type Store } from '../../cli/serve/store.ts';
import { nextSlot, periodMs, startOffsetMs } from '../../functions/config/schedule.ts';
import type { Target } from '../../functions/config/schema.ts';
import { formatProblems, validateConfig } from '../../functions/config/validate.ts';
import type { Report } from '../../functions/contract/types.ts';
import { targetInput, validConfig } from '../fixtures/config.ts';
import { type Loopback, serveLoopback } from '../fixtures/loopback.ts';
import { reportOf, stages } from '../fixtures/results.ts';

const SECRET = 'hook-secret-0042';
/** A failure confirmed at its second attempt: it pages at once (the `down` rule's confirmedAtOnce). */
const failedOnce = reportOf(stages('status', 'ok', 'ok', 'status'));
const confirmedFailure: Report = {
  ...failedOnce,
  confirmation: { firstAttempt: failedOnce.results.filter((r) => !r.ok), flapped: false },
};

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A webhook receiver answering `status`, counting the pages it was sent. */
async function receiver(status: number): Promise<Loopback & { pages: () => unknown[] }> {
  const pages: unknown[] = [];
  const server = await serveLoopback((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      pages.push(JSON.parse(body));
      res.writeHead(status).end();
    });
  });
  cleanup.push(() => server.close());
  return { ...server, pages: () => pages };
}

async function monitorWith(o: { status: number[]; store?: (s: Store) => void }) {
  const store = await openStore(':memory:');
  cleanup.push(() => store.close());
  o.store?.(store);
  const receivers = await Promise.all(o.status.map(receiver));
  const log: string[] = [];
  const monitor = new Monitor({
    config: validConfig(),
    store,
    pagers: receivers.map((r) => webhookPager(`${r.base}/hook?key=${SECRET}`)),
    log: (line) => log.push(line),
    run: async () => ({ report: confirmedFailure }),
  });
  cleanup.push(() => monitor.stop());
  const target = monitor.targets[0];
  if (!target) throw new Error('no target');
  return { monitor, store, receivers, log, probe: () => monitor.probe(target) };
}

describe("serve's pagers, one of them failing", () => {
  it('delivers the page once through the one that works, notes the incident, and logs the failed one', async () => {
    const { store, receivers, log, probe } = await monitorWith({ status: [200, 500] });
    const [good, broken] = receivers as [
      Awaited<ReturnType<typeof receiver>>,
      Awaited<ReturnType<typeof receiver>>,
    ];
    await probe();
    await probe();
    await probe();
    // Sent once, not again at every run: the alarm remembers it.
    expect(good.pages()).toHaveLength(1);
    expect(broken.pages()).toHaveLength(1);
    expect(store.openIncidents().map((i) => i.alarm)).toEqual(['download-doctor-local-prod-down']);
    const [notification] = store.notifications(5);
    expect(notification?.sentTo).toContain(new URL(good.base).host);
    expect(notification?.sentTo).toMatch(/not delivered by webhook at .*answered 500/);
    expect(log.join('\n')).toMatch(
      /not delivered by webhook at 127\.0\.0\.1:\d+: the webhook .* answered 500/,
    );
    expect(log.join('\n')).not.toContain(SECRET);
  });

  it('fails when every pager fails: the page is tried again at the next run, no incident noted', async () => {
    const { store, receivers, log, probe } = await monitorWith({ status: [500, 503] });
    await probe();
    await probe();
    for (const r of receivers) expect(r.pages()).toHaveLength(2);
    expect(store.openIncidents()).toEqual([]);
    expect(log.filter((l) => /a page could not be sent .*answered 500.*answered 503/.test(l))).toHaveLength(
      2,
    );
    expect(log.join('\n')).not.toContain(SECRET);
  });
});

describe("serve's monitor when the history cannot be written", () => {
  it('still pages when a run cannot be stored, and says so in the log', async () => {
    const { receivers, log, probe } = await monitorWith({
      status: [200],
      store: (s) => {
        s.recordRun = () => {
          throw new Error('database or disk is full');
        };
      },
    });
    const r = await probe();
    expect(r.report?.verdict.status).toBe('failed');
    expect(receivers[0]?.pages()).toHaveLength(1);
    expect(log.join('\n')).toMatch(
      /prod: the run could not be kept in the history \(database or disk is full\)/,
    );
  });

  it('logs a failure of the alarms themselves (their memory cannot be saved) instead of dropping it', async () => {
    const { log, probe } = await monitorWith({
      status: [200],
      store: (s) => {
        s.saveAlarms = () => {
          throw new Error('database is locked');
        };
      },
    });
    await probe();
    expect(log.join('\n')).toMatch(/prod: the alarms could not be evaluated \(database is locked\)/);
  });
});

describe('a home of several locations that starts mid-slot', () => {
  /** The home's config: three locations, and a wait of 2 s (a short timeout, a small share of the period). */
  function homeConfig() {
    const v = validateConfig({
      locations: [{ name: 'paris', home: true }, { name: 'tokyo' }, { name: 'lima' }],
      consensus: { waitShare: 0.001 },
      targets: [
        {
          ...targetInput(),
          schedule: '10m',
          confirmDelayMs: 0,
          endToEnd: { ...targetInput().endToEnd, timeoutMs: 500 },
        },
      ],
    });
    if (!v.ok) throw new Error(formatProblems(v.problems));
    return v.config;
  }

  it("does not page on its own path alone: the others' results of the slot under way went to the stopped home", async () => {
    const store = await openStore(':memory:');
    cleanup.push(() => store.close());
    const pages: string[] = [];
    const log: string[] = [];
    // The slot under way began 4 minutes ago: tokyo and lima sent theirs then, to a home that was not running.
    const config = homeConfig();
    const t = config.targets[0] as Target;
    const slotStart = nextSlot(Date.now(), periodMs(t), startOffsetMs(t.name, periodMs(t)));
    const t0 = Date.now();
    const now = () => new Date(slotStart + 4 * 60_000 + (Date.now() - t0));
    const monitor = new Monitor({
      config,
      now,
      store,
      pagers: [
        {
          name: 'test',
          send: async (n) => {
            pages.push(n.page.subject);
            return 'test';
          },
          close: () => {},
        },
      ],
      log: (line) => log.push(line),
      run: async () => ({ report: confirmedFailure }),
    });
    cleanup.push(() => monitor.stop());
    monitor.start();
    const decided = () => pages.length + log.filter((l) => /not decided/.test(l)).length;
    await vi.waitFor(() => expect(decided()).toBeGreaterThan(0), { timeout: 10_000 });
    expect(pages).toEqual([]);
    expect(log.join('\n')).toMatch(/prod: the slot is not decided \(serve started during it: tokyo, lima/);
    expect(store.openIncidents()).toEqual([]);
  });
});
