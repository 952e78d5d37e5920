/**
 * `serve`'s monitor: runs each target on its schedule with the workflow of `run` (cli/run.ts on the local engine),
 * keeps every run in the store, and steps the same alarms as `run --publish` (functions/alerting/alarms.ts), paging
 * through the configured pagers. A run triggered by /probe is a run like the others: kept, and counted.
 *
 * The schedule (functions/config/schedule.ts): each target runs at its own slots, `k × period + offset`, the offset
 * stable and derived from its name, so that a fleet's starts spread over the period instead of coming in one burst.
 * Every run, scheduled or /probe, goes through one pool (cli/run-pool.ts): at most `concurrency` at once, and a few
 * against any one origin. A slot never queues a second run of a target: when its previous run is still going, the
 * slot is skipped (logged and counted); when it is still waiting for room, it stands for the new slot instead, the
 * older one counted as skipped. A scheduled run's lag (its start behind its slot) is logged and kept.
 */

import { isTransition, stepLocationSilence } from '../../functions/alerting/alarms.ts';
import { metricData } from '../../functions/alerting/metrics.ts';
import { instanceNames, LOCAL_INSTANCE } from '../../functions/alerting/names.ts';
import { type AlarmRule, targetRules } from '../../functions/alerting/rules.ts';
import { decideSlot } from '../../functions/alerting/slots.ts';
import { hasLocations, locationRunMs, waitMsOf } from '../../functions/config/locations.ts';
import { activeWindow } from '../../functions/config/maintenance.ts';
import { nextSlot, periodMs, startOffsetMs } from '../../functions/config/schedule.ts';
import type { Config, Target } from '../../functions/config/schema.ts';
import type { LocationResult, Report } from '../../functions/contract/types.ts';
import { pageText } from '../../functions/render/page.ts';
import { deliverTransitions, fanOut, type Pager } from '../pagers.ts';
import { runTarget } from '../run.ts';
import { DEFAULT_CONCURRENCY, originsOf, PER_ORIGIN, RunNotStartedError, RunPool } from '../run-pool.ts';
import { LocationInbox, scheduledSlotKey, slotRule } from './locations.ts';
import type { Store } from './store.ts';

export interface RunResult {
  target: string;
  at: Date;
  durationMs: number;
  report?: Report | undefined;
  error?: string | undefined;
  /** A scheduled run's start behind its slot. */
  lagMs?: number | undefined;
  /** At a location other than the home: what it sent the home. */
  sent?: LocationResult | undefined;
  /** The slot the run stands for (a scheduled run), by which the locations' results are matched. */
  slotOf?: string | undefined;
}

export interface MonitorOptions {
  config: Config;
  /** The history. A location other than the home keeps none: its results are the home's to keep. */
  store?: Store;
  pagers: readonly Pager[];
  log: (line: string) => void;
  now?: () => Date;
  /** The instance whose names the alarms take (as `run --publish --instance`). @default LOCAL_INSTANCE */
  instance?: string;
  /** How a target runs. @default the workflow on the local engine, with the real probes (cli/run.ts) */
  run?: (config: Config, target: Target) => Promise<{ report: Report }>;
  /** At most this many runs at once (`--concurrency`). @default DEFAULT_CONCURRENCY */
  concurrency?: number;
  /** At most this many runs at once against one origin. @default PER_ORIGIN */
  perOrigin?: number;
  /**
   * A location other than the home (`serve --location NAME --home URL`): each run is the location's (the end-to-end
   * check, or every check on the target's private network), sent to the home; no alarm is stepped here.
   */
  location?: {
    name: string;
    run: (t: Target, slot: string | undefined, at: Date) => Promise<LocationResult>;
    send: (result: LocationResult) => Promise<void>;
  };
}

/** What the schedule did for a target since serve started: for /metrics and the log. */
export interface ScheduleStats {
  /** Scheduled runs started. */
  runs: number;
  /** Slots that made no run of their own: the previous run was still going, or still waiting for room. */
  skipped: number;
  /** The latest scheduled run's start behind its slot (the time it waited for room, and the timer's own lag). */
  lastLagMs?: number;
  /** The largest such lag. */
  maxLagMs: number;
}

/** A target's scheduled run, from its slot until it settles: at most one per target. */
interface Pending {
  /** The slot it stands for: moved to the newest slot while it still waits for room. */
  slot: number;
  started: boolean;
  /** A run at start (no slot of its own): it stands for the first slot that comes while it is pending. */
  atStart: boolean;
}

/**
 * The longest a run of the target can take: stage 1, the confirmation's wait and checks, stage 2 (each check
 * bounded by its own deadline), and a margin for the rest. A graceful stop waits this long at most.
 */
export function runBoundMs(t: Target): number {
  const stage1 = Math.max(t.endToEnd.timeoutMs, t.app.timeoutMs);
  const stage2 = Math.max(t.storage?.timeoutMs ?? 0, t.proxy?.timeoutMs ?? 0);
  return stage1 + t.confirmDelayMs + stage1 + stage2 + 5_000;
}

export class Monitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Runs under way (started, not waiting for room), so that a stop can wait for them. */
  private readonly running = new Set<Promise<unknown>>();
  /** A /probe of a target that is already being probed shares that run. */
  private readonly probing = new Map<string, Promise<RunResult>>();
  /** Each target's scheduled run, from its slot until it settles. */
  private readonly scheduled = new Map<string, Pending>();
  private readonly stats = new Map<string, ScheduleStats>();
  /** Each target's alarm evaluations, one after the other. */
  private readonly evaluating = new Map<string, Promise<void>>();
  private readonly pager: Pager;
  private readonly pool: RunPool;
  /** The names of the alarms (the instance's: `download-doctor-local-TARGET-RULE` by default). */
  private readonly names: ReturnType<typeof instanceNames>;
  /** The rules a target's runs step (with several locations, `location-path` too). */
  readonly rules: readonly AlarmRule[];
  /** At the home of several locations: the other locations' results (POST /ingest). */
  readonly inbox?: LocationInbox;
  private locationTimer?: NodeJS.Timeout;
  private stopping = false;

  constructor(private readonly o: MonitorOptions) {
    this.pager = fanOut(o.pagers, o.log);
    this.names = instanceNames(o.instance ?? LOCAL_INSTANCE);
    this.pool = new RunPool(o.concurrency ?? DEFAULT_CONCURRENCY, o.perOrigin ?? PER_ORIGIN);
    for (const t of o.config.targets) this.stats.set(t.name, { runs: 0, skipped: 0, maxLagMs: 0 });
    const several = hasLocations(o.config);
    this.rules = targetRules(several);
    if (several && !o.location) this.inbox = new LocationInbox(o.config, () => this.now(), o.log);
  }

  get targets(): readonly Target[] {
    return this.o.config.targets;
  }

  /** The history: only a location other than the home runs without one, and never reads it. */
  private get store(): Store {
    if (!this.o.store) throw new Error('serve keeps no history at a location other than the home');
    return this.o.store;
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /**
   * Schedules every target at its slots. A target without a run in its last period (a new one, or after a long
   * stop) also runs at start, through the pool like any run, so that a new serve shows verdicts at once.
   */
  start(): void {
    const now = this.now().getTime();
    for (const t of this.targets) {
      const period = periodMs(t);
      const last = this.o.store?.latest(t.name)?.at.getTime();
      if (last === undefined || now - last >= period) this.runAt(t, now, true);
      this.arm(t, nextSlot(now + 1, period, startOffsetMs(t.name, period)));
    }
    if (this.inbox) {
      // Each location's silence, stepped once a period of the shortest schedule (as no-data is, once a run).
      const every = Math.min(...this.targets.map((t) => periodMs(t)));
      const started = now;
      this.locationTimer = setInterval(() => {
        this.stepLocations(every, started).catch((err) =>
          this.o.log(`locations: ${err instanceof Error ? err.message : String(err)}`),
        );
      }, every);
    }
  }

  /**
   * Steps each location's silence: whether it sent anything in the last period (and the wait the home grants it).
   * Its notice goes to the monitor's topic, as `no-data`'s does.
   */
  private async stepLocations(everyMs: number, startedMs: number): Promise<void> {
    const inbox = this.inbox;
    if (!inbox) return;
    const now = this.now();
    const window =
      everyMs + waitMsOf(this.o.config, everyMs, Math.max(0, ...this.targets.map(locationRunMs)));
    // A new home gives every location its first period (plus the wait) before it counts a silence.
    if (now.getTime() - startedMs < window) return;
    for (const location of inbox.locations) {
      const key = `@location ${location}`;
      const memory = this.store.alarmMemory(key);
      const seen = inbox.lastSeen(location);
      const step = stepLocationSilence(
        memory,
        location,
        seen !== undefined && now.getTime() - seen <= window,
        this.names,
      );
      memory[step.name] = { periods: step.periods, state: isTransition(step) ? step.previous : step.state };
      if (isTransition(step)) {
        const t = { alarmName: step.name, target: location, rule: step.rule, state: step.state, at: now };
        const page = pageText(t, undefined);
        try {
          const where = await this.pager.send({ ...t, alarm: step.name, page });
          memory[step.name] = { periods: step.periods, state: step.state };
          this.store.recordNotification(key, {
            at: now,
            alarm: step.name,
            state: step.state,
            subject: page.subject,
            sentTo: where,
          });
          this.o.log(`  sent to ${where}: ${page.subject}`);
        } catch (err) {
          this.o.log(
            `  a notice could not be sent (${err instanceof Error ? err.message : String(err)}): it is tried again at the next period`,
          );
        }
      }
      this.store.saveAlarms(key, memory);
    }
  }

  private arm(t: Target, slot: number): void {
    if (this.stopping) return;
    const timer = setTimeout(() => this.onSlot(t, slot), Math.max(0, slot - this.now().getTime()));
    this.timers.set(t.name, timer);
  }

  /** A slot of the target has come: its run starts (once there is room), unless one is still pending. */
  private onSlot(t: Target, slot: number): void {
    const stats = this.stats.get(t.name) as ScheduleStats;
    // The next slot; slots the timer came too late for (a suspended process) are skipped, not run at once.
    const period = periodMs(t);
    const at = new Date(slot).toISOString();
    let next = slot + period;
    let missed = 0;
    for (const now = this.now().getTime(); next <= now; next += period) missed += 1;
    if (missed) {
      stats.skipped += missed;
      this.o.log(
        `${at} ${t.name}: ${missed} slot(s) skipped, the timer came that late (a suspended process?)`,
      );
    }
    this.arm(t, next);
    const pending = this.scheduled.get(t.name);
    if (pending?.atStart) {
      // The run at start, still pending, is this slot's run: a new serve's first burst is not an overload.
      pending.atStart = false;
      if (!pending.started) pending.slot = slot;
      return;
    }
    if (pending?.started) {
      stats.skipped += 1;
      this.o.log(`${at} ${t.name}: slot skipped, its previous run is still going`);
      return;
    }
    if (pending) {
      stats.skipped += 1;
      this.o.log(
        `${at} ${t.name}: slot skipped, its previous run still waits for room (it runs for this slot)`,
      );
      pending.slot = slot;
      return;
    }
    this.runAt(t, slot, false);
  }

  /** A scheduled run for `slot` (or at start), through the pool. */
  private runAt(t: Target, slot: number, atStart: boolean): void {
    const entry: Pending = { slot, started: false, atStart };
    this.scheduled.set(t.name, entry);
    this.run(t, 'schedule', entry)
      .catch((err) => {
        if (err instanceof RunNotStartedError) return;
        // The run's own failures are results; this is the monitor's (its history cannot be written, say).
        this.o.log(
          `${t.name}: the run could not be kept (${err instanceof Error ? err.message : String(err)})`,
        );
      })
      .finally(() => {
        if (this.scheduled.get(t.name) === entry) this.scheduled.delete(t.name);
      });
  }

  /** Runs a target now for /probe (joining a probe of it already under way). */
  probe(t: Target): Promise<RunResult> {
    const pending = this.probing.get(t.name);
    if (pending) return pending;
    const run = this.run(t, 'probe')
      .catch((err) => {
        if (!(err instanceof RunNotStartedError)) throw err;
        return { target: t.name, at: this.now(), durationMs: 0, error: 'not run: serve is stopping' };
      })
      .finally(() => this.probing.delete(t.name));
    this.probing.set(t.name, run);
    return run;
  }

  /**
   * A run: the workflow through the pool (a scheduled one counts its lag behind its slot as it starts), then,
   * with its room given back, the store and the alarms.
   */
  private async run(t: Target, source: 'schedule' | 'probe', slot?: Pending): Promise<RunResult> {
    // Under way from its start to the end of its alarms: what a stop waits for.
    let done: () => void = () => {};
    let midSlot = false;
    const underWay = new Promise<void>((resolve) => (done = resolve));
    const result = await this.pool.run(originsOf(t), async (): Promise<RunResult> => {
      this.running.add(underWay);
      const at = this.now();
      let lagMs: number | undefined;
      if (slot) {
        slot.started = true;
        lagMs = Math.max(0, at.getTime() - slot.slot);
        const stats = this.stats.get(t.name) as ScheduleStats;
        stats.runs += 1;
        stats.lastLagMs = lagMs;
        stats.maxLagMs = Math.max(stats.maxLagMs, lagMs);
      }
      const start = performance.now();
      const slotOf = slot ? scheduledSlotKey(t, slot.slot) : undefined;
      // A run at start that no slot took over stands for the slot under way, begun before this serve was.
      if (slot?.atStart) midSlot = true;
      try {
        if (this.o.location) {
          const sent = await this.o.location.run(t, slotOf, at);
          return { target: t.name, at, durationMs: performance.now() - start, sent, lagMs };
        }
        const { report } = await (this.o.run ?? runTarget)(this.o.config, t);
        return { target: t.name, at, durationMs: performance.now() - start, report, lagMs, slotOf };
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        return { target: t.name, at, durationMs: performance.now() - start, error, lagMs };
      }
    });
    // The slot's run is done: the next slot may start while the home waits for the other locations.
    if (slot && this.scheduled.get(t.name) === slot) this.scheduled.delete(t.name);
    try {
      if (this.o.location) {
        await this.sendToHome(result, source);
        return result;
      }
      if (result.report)
        result.report = await this.decide(t, result.report, result.slotOf).catch((err: unknown) => {
          this.o.log(
            `${t.name}: the locations could not be combined (${err instanceof Error ? err.message : String(err)}): the home's run stands`,
          );
          return result.report as Report;
        });
      // A slot whose wait a stop cut short, with locations missing, is neither kept nor stepped: deciding it without
      // them could page on the home's path alone. Its alarms stay as they were, for the next start. So is the slot
      // under way when serve started: the others sent theirs at its start, to no home.
      const missing = result.report?.agreement?.locations.filter((l) => l.outcome === 'unknown' && !l.kind);
      if ((this.stopping || midSlot) && missing?.length) {
        const names = missing.map((l) => l.location).join(', ');
        this.o.log(
          this.stopping
            ? `${t.name}: the slot is not decided (serve is stopping before ${names} sent)`
            : `${t.name}: the slot is not decided (serve started during it: ${names} sent theirs before)`,
        );
        return result;
      }
      // A run that cannot be stored (a full disk, a locked database) still steps the alarms: a page must not wait
      // for the history. The failure is logged, and the run is still answered.
      try {
        this.keep(result, source, t);
      } catch (err) {
        this.o.log(
          `${t.name}: the run could not be kept in the history (${err instanceof Error ? err.message : String(err)}); its alarms are stepped all the same`,
        );
      }
      await this.evaluate(t.name, result.report, result.at);
      return result;
    } finally {
      done();
      this.running.delete(underWay);
    }
  }

  /**
   * At the home of several locations: the home's run of a slot, decided with the other locations' results of the
   * same slot (waiting for them at most the target's share of its period once the home's run is done); off the
   * schedule (/probe), with each location's latest of the last period. One location: the run as it is.
   */
  private async decide(t: Target, report: Report, slot: string | undefined): Promise<Report> {
    const inbox = this.inbox;
    if (!inbox) return report;
    const rule = slotRule(this.o.config, t);
    const others = await inbox.collect(t, slot, rule.waitMs);
    const decision = decideSlot({ home: { report, at: this.now() }, others }, rule);
    try {
      this.store.recordLocations(t.name, this.now(), decision.agreement.locations);
    } catch (err) {
      // The history's loss, not the decision's: the decided report still steps the alarms.
      this.o.log(
        `${t.name}: the locations' outcomes could not be kept (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    return decision.report;
  }

  /** At a location: its result to the home, and the log. */
  private async sendToHome(r: RunResult, source: 'schedule' | 'probe'): Promise<void> {
    const sent = r.sent;
    const e2e = sent?.results.find((x) => x.layer === 'end-to-end');
    const outcome = !sent
      ? `no result: ${r.error}`
      : sent.error
        ? `no result: ${sent.error}`
        : e2e
          ? `end to end ${e2e.ok ? (e2e.slow ? 'slow' : 'ok') : `failed [${e2e.kind}]`} in ${Math.round(e2e.timings.totalMs)} ms`
          : 'no end-to-end result';
    const line = `${r.at.toISOString()} ${r.target}: ${outcome} [${source}, ${Math.round(r.durationMs)} ms]`;
    if (!sent || !this.o.location) return this.o.log(line);
    try {
      await this.o.location.send(sent);
      this.o.log(`${line}, sent to the home`);
    } catch (err) {
      this.o.log(
        `${line}, not sent (${err instanceof Error ? err.message : String(err)}): the home counts it unknown`,
      );
    }
  }

  /** The run into the store (with the target's period: its outcome counts until the next run) and the log. */
  private keep(r: RunResult, source: 'schedule' | 'probe', t: Target): void {
    const { lagMs, sent: _sent, slotOf: _slot, ...run } = r;
    const outcome = r.report
      ? `${r.report.verdict.status}${r.report.verdict.fault ? ` (fault ${r.report.verdict.faults.join(', ')})` : ''}`
      : `no verdict: ${r.error}`;
    const lag = lagMs === undefined ? '' : ` (lag ${Math.round(lagMs)} ms)`;
    this.o.log(
      `${r.at.toISOString()} ${r.target}: ${outcome} [${source}, ${Math.round(r.durationMs)} ms]${lag}`,
    );
    if (r.report?.agreement) this.o.log(`  locations: ${r.report.agreement.summary}`);
    this.store.recordRun({ ...run, source, everyMs: periodMs(t) });
  }

  /** Steps the target's alarms with the run's data and delivers the transitions, one run at a time per target. */
  private evaluate(target: string, report: Report | undefined, at: Date): Promise<void> {
    const previous = this.evaluating.get(target) ?? Promise.resolve();
    const next = previous.then(async () => {
      const memory = this.store.alarmMemory(target);
      let sent: Awaited<ReturnType<typeof deliverTransitions>>;
      try {
        sent = await deliverTransitions(
          memory,
          target,
          report,
          report ? metricData(report, at) : [],
          this.pager,
          at,
          this.names,
          undefined,
          (alarm) => this.store.openIncident(alarm)?.openedAt,
          this.rules,
        );
      } catch (err) {
        // Not remembered: the transition is evaluated again at the next run.
        this.o.log(
          `  a page could not be sent (${err instanceof Error ? err.message : String(err)}): it is tried again at the next run`,
        );
        return;
      } finally {
        this.store.saveAlarms(target, memory);
      }
      for (const s of sent) {
        // A page sent opens an incident; the alarm's return to OK closes it (its notice sent or held back).
        const rule = this.rules.find((r) => this.names.alarm(target, r) === s.alarm);
        if (rule?.topic === 'page' && (s.state === 'OK' || !s.suppressed))
          this.store.noteIncident({ target, alarm: s.alarm, rule: rule.id, state: s.state, at }, report);
        this.store.recordNotification(target, {
          at,
          alarm: s.alarm,
          state: s.state,
          subject: s.page.subject,
          sentTo: s.where,
          held: s.suppressed,
        });
        this.o.log(
          `  ${s.suppressed ? `held back (${s.suppressed})` : `sent to ${s.where}`}: ${s.page.subject}`,
        );
      }
    });
    // The next evaluation of the target waits for this one, whatever became of it; what failed (the alarms' memory
    // could not be read or saved) is logged, never dropped.
    const settled = next.catch((err: unknown) =>
      this.o.log(
        `${target}: the alarms could not be evaluated (${err instanceof Error ? err.message : String(err)}): they are stepped again at the next run`,
      ),
    );
    this.evaluating.set(target, settled);
    return settled;
  }

  /** The alarms of a target as stored, for the status page. */
  alarms(target: string) {
    const memory = this.store.alarmStates(target);
    return this.rules.map((r) => {
      const name = this.names.alarm(target, r);
      return { name, state: memory[name]?.state ?? ('OK' as const) };
    });
  }

  /** What the schedule did for the target since serve started. */
  scheduleStats(target: string): ScheduleStats | undefined {
    const s = this.stats.get(target);
    return s && { ...s };
  }

  /** The maintenance window a target is in now, if any. */
  maintenance(t: Target) {
    return activeWindow(t.maintenance, this.now());
  }

  /**
   * Stops scheduling, and waits for the runs under way to finish (each within its deadline): at most the longest
   * run bound of the targets. Resolves false when some did not finish in time.
   */
  async stop(): Promise<boolean> {
    this.stopping = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    clearInterval(this.locationTimer);
    this.pool.close();
    // A home's runs stop waiting for the other locations (their slots are not stepped: see run).
    this.inbox?.stop();
    const bound = Math.max(0, ...this.targets.map((t) => runBoundMs(t)));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.allSettled([...this.running, ...this.evaluating.values()]).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), bound);
      }),
    ]);
    clearTimeout(timer);
    this.pager.close();
    return finished;
  }

  /** How many runs are under way (not counting those waiting for room). */
  get busy(): number {
    return this.running.size;
  }

  /** How many runs wait for room in the pool. */
  get waiting(): number {
    return this.pool.waiting;
  }
}
