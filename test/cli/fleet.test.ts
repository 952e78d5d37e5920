/**
 * A fleet without a stampede, on a controlled clock (vitest's fake timers move Date and setTimeout together): the
 * run pool's bounds (in all, and per origin), and serve's monitor on many targets: starts spread over the period at
 * each target's own slot, every target once per period, the bounds held, a slow run's next slot skipped (logged and
 * counted) rather than queued, and a run waiting for room standing for its newest slot, its lag counted. The runs
 * are stand-ins that take a set time: what is asserted is when they start, never how fast anything is. And `run`
 * against a loopback stack: its targets at once, printed in the config's order whatever order they end in.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAndPrint } from '../../cli/commands/run.ts';
import { originsOf, RunNotStartedError, RunPool } from '../../cli/run-pool.ts';
import { Monitor } from '../../cli/serve/monitor.ts';
import { openStore, type Store } from '../../cli/serve/store.ts';
import { startOffsetMs } from '../../functions/config/schedule.ts';
import type { Config, Target } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import { targetInput } from '../fixtures/config.ts';
import { serveLoopback } from '../fixtures/loopback.ts';
import { reportOf, stages } from '../fixtures/results.ts';

const PERIOD = 60_000;

/** `n` targets named `name-i`, on a 1-minute schedule, each against the origin `origin(i)` (app and proxy). */
function fleet(n: number, origin: (i: number) => string, name = 'shop'): Config {
  const targets = Array.from({ length: n }, (_, i) => {
    const base = `http://${origin(i)}`;
    return {
      ...targetInput({
        name: `${name}-${i}`,
        app: {
          url: `${base}/app/download/`,
          offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
        },
        proxy: { url: `${base}/storage/` },
        endToEnd: { url: `${base}/download/` },
        storage: { type: 'filesystem', path: '/srv/healthcheck.txt' },
      }),
      schedule: '1m',
    };
  });
  const v = validateConfig({ targets });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.config;
}

interface Started {
  target: string;
  at: number;
}

/** A stand-in run that takes `ms(target)` of the fake clock, recording its start and the runs at once. */
function standIn(ms: (t: Target) => number) {
  const started: Started[] = [];
  let now = 0;
  let most = 0;
  const atOrigin = new Map<string, number>();
  let mostAtOrigin = 0;
  const run = async (_config: Config, t: Target) => {
    started.push({ target: t.name, at: Date.now() });
    now += 1;
    most = Math.max(most, now);
    const origins = originsOf(t);
    for (const o of origins) {
      atOrigin.set(o, (atOrigin.get(o) ?? 0) + 1);
      mostAtOrigin = Math.max(mostAtOrigin, atOrigin.get(o) ?? 0);
    }
    await new Promise((r) => setTimeout(r, ms(t)));
    now -= 1;
    for (const o of origins) atOrigin.set(o, (atOrigin.get(o) ?? 0) - 1);
    return { report: reportOf(stages('ok', 'ok'), t.name) };
  };
  return {
    run,
    started,
    most: () => most,
    mostAtOrigin: () => mostAtOrigin,
  };
}

describe('the run pool', () => {
  /** A run that ends when told to. */
  const gate = () => {
    let open: () => void = () => {};
    const opened = new Promise<void>((r) => (open = r));
    return { open, opened };
  };

  it('runs at most `concurrency` at once, and at most `perOrigin` against one origin, first come first served', async () => {
    const pool = new RunPool(3, 2);
    const gates = Array.from({ length: 6 }, gate);
    const order: number[] = [];
    // Runs 0-3 want origin a, 4-5 origin b.
    const runs = gates.map((g, i) =>
      pool.run([i < 4 ? 'a:80' : 'b:80'], async () => {
        order.push(i);
        await g.opened;
      }),
    );
    await Promise.resolve();
    // a holds 2 (its bound), b the third place; runs 2 and 3 wait for a, 5 for a place.
    expect(order).toEqual([0, 1, 4]);
    expect([pool.running, pool.waiting, pool.runningAt('a:80'), pool.runningAt('b:80')]).toEqual([
      3, 3, 2, 1,
    ]);
    gates[4]?.open();
    await runs[4];
    // A place is free but a is full: run 5 (origin b), behind 2 and 3, goes first.
    expect(order).toEqual([0, 1, 4, 5]);
    gates[0]?.open();
    await runs[0];
    expect(order).toEqual([0, 1, 4, 5, 2]);
    for (const g of gates) g.open();
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 4, 5, 2, 3]);
    expect([pool.running, pool.waiting, pool.runningAt('a:80')]).toEqual([0, 0, 0]);
  });

  it('takes a run with several origins only when each has room, and never half of them', async () => {
    const pool = new RunPool(8, 1);
    const a = gate();
    const first = pool.run(['a:80'], () => a.opened);
    let both = false;
    const second = pool.run(['a:80', 'b:80'], async () => {
      both = true;
    });
    let bOnly = false;
    const third = pool.run(['b:80'], async () => {
      bOnly = true;
    });
    await third;
    // b was free: the run that also wants a did not hold it while it waited.
    expect([bOnly, both]).toEqual([true, false]);
    a.open();
    await Promise.all([first, second]);
    expect(both).toBe(true);
  });

  it('refuses the runs still waiting once closed, and lets those under way finish', async () => {
    const pool = new RunPool(1, 1);
    const g = gate();
    const going = pool.run(['a:80'], () => g.opened.then(() => 'done'));
    const waiting = pool.run(['a:80'], async () => 'never');
    pool.close();
    await expect(waiting).rejects.toBeInstanceOf(RunNotStartedError);
    g.open();
    await expect(going).resolves.toBe('done');
    await expect(pool.run(['a:80'], async () => 'late')).rejects.toBeInstanceOf(RunNotStartedError);
  });

  it('counts the origins of a target: its HTTP checks where they connect, and its S3 endpoint', () => {
    const v = validateConfig({
      targets: [
        targetInput({
          endToEnd: { url: 'https://files.example.com/download/', connectTo: '10.0.0.5' },
          app: {
            url: 'http://app.internal:8000/download/',
            offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
          },
          proxy: { url: 'http://APP.internal:8000/storage/' },
          storage: {
            type: 's3',
            bucket: 'downloads',
            key: 'healthcheck.txt',
            region: 'eu-west-1',
            endpoint: 'http://127.0.0.1:5000',
          },
        }),
      ],
    });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    expect(originsOf(v.config.targets[0] as Target)).toEqual([
      '10.0.0.5:443',
      '127.0.0.1:5000',
      'app.internal:8000',
    ]);
  });
});

describe("serve's schedule on a fleet", () => {
  let store: Store;
  const log: string[] = [];
  const monitors: Monitor[] = [];
  // Just past a minute's start: the slots of the first period are all ahead.
  const T0 = Date.UTC(2026, 0, 5, 12, 0, 0, 0);

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(T0);
    store = await openStore(':memory:');
    log.length = 0;
  });

  afterEach(async () => {
    for (const m of monitors.splice(0)) {
      const stopped = m.stop();
      await vi.advanceTimersByTimeAsync(120_000);
      await stopped;
    }
    store.close();
    vi.useRealTimers();
  });

  const monitor = (config: Config, run: ReturnType<typeof standIn>['run'], concurrency?: number) => {
    const m = new Monitor({
      config,
      store,
      pagers: [],
      log: (line) => log.push(line),
      run,
      ...(concurrency ? { concurrency } : {}),
    });
    monitors.push(m);
    return m;
  };

  it('spreads 120 targets over the period at their own offsets: each runs once a period, within the bounds', async () => {
    // Two stacks: 60 targets on each.
    const config = fleet(120, (i) => `stack-${i % 2}.example:8080`);
    const s = standIn(() => 2_000);
    const m = monitor(config, s.run, 8);
    m.start();
    // At start every target runs once (none has a run yet): through the pool, never more than 8, 4 per stack.
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(new Set(s.started.map((r) => r.target)).size).toBe(120);
    s.started.length = 0;
    await vi.advanceTimersByTimeAsync(3 * PERIOD);
    expect(s.most()).toBe(8);
    expect(s.mostAtOrigin()).toBe(4);
    // From the second period on: each target exactly once per period, at its slot (its offset in the minute),
    // a few seconds late at most (a run takes 2 s, 8 at once).
    for (let k = 1; k <= 3; k++) {
      const from = T0 + k * PERIOD;
      const inPeriod = s.started.filter((r) => r.at >= from && r.at < from + PERIOD);
      const names = inPeriod.map((r) => r.target);
      expect(new Set(names).size, `period ${k}`).toBe(120);
      expect(names.length, `period ${k}`).toBe(120);
    }
    // The start's burst waited (120 runs of 2 s, 8 at once); the slots since, a few seconds at most.
    const lags = config.targets.map((t) => m.scheduleStats(t.name)?.lastLagMs ?? Infinity);
    expect(Math.max(...lags)).toBeLessThan(10_000);
    for (const t of config.targets) {
      const offset = startOffsetMs(t.name, PERIOD);
      const mine = s.started.filter((r) => r.target === t.name && r.at >= T0 + PERIOD);
      for (const r of mine) expect((r.at - T0 - offset + PERIOD) % PERIOD).toBeLessThan(10_000);
    }
    // Spread: no second of the minute holds more than a handful of starts (all at once would be 120).
    const perSecond = new Map<number, number>();
    for (const r of s.started.filter((x) => x.at >= T0 + PERIOD && x.at < T0 + 2 * PERIOD)) {
      const sec = Math.floor((r.at - T0) / 1000);
      perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(10);
    // A run at start stands for the first slot that comes while it is pending: nothing was skipped.
    expect(log.filter((l) => l.includes('skipped'))).toEqual([]);
    expect(log.some((l) => /shop-\d+: healthy \[schedule, \d+ ms\] \(lag \d+ ms\)/.test(l))).toBe(true);
  });

  it("skips a slow target's slot while its run is going, says so and counts it, and never runs it twice at once", async () => {
    const config = fleet(3, () => 'stack.example:8080');
    // shop-0 takes 150 s: longer than two periods.
    const s = standIn((t) => (t.name === 'shop-0' ? 150_000 : 1_000));
    const m = monitor(config, s.run);
    m.start();
    await vi.advanceTimersByTimeAsync(5 * PERIOD);
    const slow = s.started.filter((r) => r.target === 'shop-0');
    // At start, then every slot whose previous run is over: 150 s each, so two of every three slots are skipped.
    for (let i = 1; i < slow.length; i++)
      expect((slow[i]?.at ?? 0) - (slow[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(150_000);
    expect(slow.length).toBe(2);
    const skipped = log.filter((l) => /shop-0: slot skipped, its previous run is still going/.test(l));
    expect(skipped.length).toBeGreaterThanOrEqual(3);
    expect(m.scheduleStats('shop-0')?.skipped).toBe(skipped.length);
    // The others are not held back by it: each ran at start and at each of its 5 slots.
    for (const name of ['shop-1', 'shop-2']) {
      expect(s.started.filter((r) => r.target === name).length).toBe(6);
      expect(m.scheduleStats(name)).toMatchObject({ runs: 6, skipped: 0 });
      expect(m.scheduleStats(name)?.maxLagMs).toBeLessThan(1_000);
    }
  });

  it('keeps the healthy targets on their slots while 20 hostile ones time out: those hold at most 4 places', async () => {
    // As the soak: 180 healthy targets on one stack, 20 hostile on another whose every run takes 40 s.
    const healthy = fleet(180, () => 'stack.example:8080');
    const hostile = fleet(20, () => 'hostile.example:8080', 'evil');
    const config = { ...healthy, targets: [...healthy.targets, ...hostile.targets] };
    const s = standIn((t) => (t.name.startsWith('evil') ? 40_000 : 500));
    const m = monitor(config, s.run);
    m.start();
    await vi.advanceTimersByTimeAsync(4 * PERIOD);
    expect(s.most()).toBe(8);
    for (const t of healthy.targets) {
      expect(m.scheduleStats(t.name)?.skipped, t.name).toBe(0);
      expect(m.scheduleStats(t.name)?.lastLagMs, t.name).toBeLessThan(5_000);
      // Once for each of its slots from the second period on (each run's slot: the latest at or before its start).
      const offset = startOffsetMs(t.name, PERIOD);
      const slots = s.started
        .filter((r) => r.target === t.name && r.at >= T0 + PERIOD + offset)
        .map((r) => Math.floor((r.at - T0 - offset) / PERIOD));
      expect(slots, t.name).toEqual([1, 2, 3]);
    }
    // The hostile ones wait for their 4 places, and skip the slots they cannot make: each counted.
    const evil = hostile.targets.map((t) => m.scheduleStats(t.name));
    expect(evil.reduce((n, st) => n + (st?.skipped ?? 0), 0)).toBeGreaterThan(0);
    for (const st of evil) expect(st?.maxLagMs ?? 0).toBeLessThan(PERIOD);
  });

  it('keeps one run per target waiting for room, standing for its newest slot: its lag is counted, never more than a period', async () => {
    // One place in the pool, 10 targets of 15 s each: 150 s of runs per 60 s period. Most slots cannot be run.
    const config = fleet(10, (i) => `stack-${i}.example:8080`);
    const s = standIn(() => 15_000);
    const m = monitor(config, s.run, 1);
    m.start();
    await vi.advanceTimersByTimeAsync(6 * PERIOD);
    expect(s.most()).toBe(1);
    const stats = config.targets.map((t) => m.scheduleStats(t.name));
    // Every target ran (first come, first served), and every lag is under a period: a run never starts for a slot
    // older than the target's newest.
    for (const st of stats) {
      expect(st?.runs).toBeGreaterThanOrEqual(2);
      expect(st?.maxLagMs).toBeLessThan(PERIOD);
    }
    expect(Math.max(...stats.map((st) => st?.maxLagMs ?? 0))).toBeGreaterThan(0);
    // Never two of a target at once, and never queued up: each run starts 15 s or more after the one before.
    for (const t of config.targets) {
      const mine = s.started.filter((r) => r.target === t.name).map((r) => r.at);
      for (let i = 1; i < mine.length; i++)
        expect((mine[i] ?? 0) - (mine[i - 1] ?? 0)).toBeGreaterThanOrEqual(15_000);
    }
    expect(log.some((l) => l.includes('slot skipped, its previous run still waits for room'))).toBe(true);
    // 24 runs fit in 6 minutes; of the 70 runs asked for (at start, and 6 slots each; a run at start stands for
    // the first slot that comes while it waits), the rest were skipped, each counted, but for those still waiting.
    const runs = stats.reduce((n, st) => n + (st?.runs ?? 0), 0);
    const skipped = stats.reduce((n, st) => n + (st?.skipped ?? 0), 0);
    expect(runs).toBeLessThanOrEqual(25);
    expect(m.waiting).toBeLessThanOrEqual(10);
    expect(runs + skipped + m.waiting).toBeGreaterThanOrEqual(60);
    expect(runs + skipped + m.waiting).toBeLessThanOrEqual(70);
  });

  it('runs a target at start only when it has no run in its last period; else at its next slot', async () => {
    const config = fleet(2, () => 'stack.example:8080');
    const [fresh, recent] = config.targets.map((t) => t.name) as [string, string];
    store.recordRun({
      target: recent,
      at: new Date(T0 - 10_000),
      source: 'schedule',
      durationMs: 5,
      everyMs: PERIOD,
    });
    store.recordRun({
      target: fresh,
      at: new Date(T0 - 2 * PERIOD),
      source: 'schedule',
      durationMs: 5,
      everyMs: PERIOD,
    });
    const s = standIn(() => 100);
    monitor(config, s.run).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.started.map((r) => [r.target, r.at])).toEqual([[fresh, T0]]);
    await vi.advanceTimersByTimeAsync(PERIOD);
    const recentRuns = s.started.filter((r) => r.target === recent);
    expect(recentRuns.map((r) => r.at)).toEqual([T0 + startOffsetMs(recent, PERIOD)]);
  });
});

describe('run on many targets', () => {
  const body = Buffer.from('download-doctor fleet sentinel\n');
  const file = {
    'Content-Type': 'text/plain',
    'Content-Disposition': 'attachment; filename="healthcheck.txt"',
  };

  /** A working stack per path prefix `/t/NAME/`; a target whose name starts with `slow` answers after 800 ms. */
  async function stack() {
    const answered: { target: string; path: string; at: number }[] = [];
    const server = await serveLoopback((req, res) => {
      const [, , name = '', ...rest] = (req.url ?? '').split('/');
      const path = `/${rest.join('/')}`;
      setTimeout(
        () => {
          if (path.startsWith('/app/'))
            res.writeHead(200, {
              ...file,
              'X-Accel-Redirect': '/_storage/healthcheck.txt',
              'Content-Length': 0,
            });
          else res.writeHead(200, { ...file, 'Content-Length': body.length });
          res.end(req.method === 'HEAD' || path.startsWith('/app/') ? undefined : body);
          answered.push({ target: name, path, at: performance.now() });
        },
        name.startsWith('slow') ? 800 : 0,
      );
    });
    const targets = ['slow-one', 'fast-two', 'fast-three'].map((name) => {
      const base = `${server.base}/t/${name}`;
      return targetInput({
        name,
        sentinel: {
          sha256: createHash('sha256').update(body).digest('hex'),
          size: body.length,
          contentType: 'text/plain',
          fileName: 'healthcheck.txt',
        },
        storage: { type: 'filesystem', path: '/nonexistent/healthcheck.txt' },
        app: {
          url: `${base}/app/download/`,
          offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck.txt' },
        },
        proxy: { url: `${base}/storage/` },
        endToEnd: { url: `${base}/download/` },
      });
    });
    const v = validateConfig({ targets });
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    return { server, config: v.config, answered };
  }

  it.each([
    { how: 'at once (the default pool)', concurrency: undefined },
    { how: 'one at a time (--concurrency 1)', concurrency: 1 },
  ])('runs the targets $how, and prints them in the config order', async ({ concurrency }) => {
    const { server, config, answered } = await stack();
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
    try {
      const { code, reports } = await runAndPrint(config, {
        format: 'table',
        ...(concurrency ? { concurrency } : {}),
      });
      expect(code).toBe(0);
      expect(reports.map((r) => [r.target, r.verdict.status])).toEqual([
        ['slow-one', 'healthy'],
        ['fast-two', 'healthy'],
        ['fast-three', 'healthy'],
      ]);
      const headings = printed.filter((l) => /^[a-z-]+:/.test(l)).map((l) => l.split(':')[0]);
      expect(headings).toEqual(['slow-one', 'fast-two', 'fast-three']);
      const lastOf = (t: string) => Math.max(...answered.filter((a) => a.target === t).map((a) => a.at));
      const firstOf = (t: string) => Math.min(...answered.filter((a) => a.target === t).map((a) => a.at));
      if (concurrency === 1) expect(firstOf('fast-two')).toBeGreaterThan(lastOf('slow-one'));
      // At once: the fast targets were done while the slow one still waited for its answers.
      else expect(lastOf('fast-three')).toBeLessThan(firstOf('slow-one'));
    } finally {
      log.mockRestore();
      await server.close();
    }
  });

  it('refuses a --concurrency that is not a whole number from 1 to 100, naming it', async () => {
    const { server, config } = await stack();
    try {
      for (const bad of ['0', '101', '2.5', 'many'])
        await expect(runAndPrint(config, { format: 'json', concurrency: bad })).rejects.toThrow(
          `--concurrency must be a whole number from 1 to 100 (got "${bad}")`,
        );
    } finally {
      await server.close();
    }
  });
});
