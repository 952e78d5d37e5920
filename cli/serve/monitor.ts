/**
 * `serve`'s monitor: runs each target on its schedule with the workflow of `run` (cli/run.ts on the local engine),
 * keeps every run in the store, and steps the same alarms as `run --publish` (functions/alerting/alarms.ts), paging
 * through the configured pagers. A run triggered by /probe is a run like the others: kept, and counted.
 */

import { metricData } from '../../functions/alerting/metrics.ts';
import { instanceNames, LOCAL_INSTANCE } from '../../functions/alerting/names.ts';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import { parseDuration } from '../../functions/config/duration.ts';
import { activeWindow } from '../../functions/config/maintenance.ts';
import { type Config, DEFAULT_SCHEDULE, type Target } from '../../functions/config/schema.ts';
import type { Report } from '../../functions/contract/types.ts';
import { deliverTransitions, type Pager } from '../pagers.ts';
import { runTarget } from '../run.ts';
import type { Store } from './store.ts';

export interface RunResult {
  target: string;
  at: Date;
  durationMs: number;
  report?: Report | undefined;
  error?: string | undefined;
}

export interface MonitorOptions {
  config: Config;
  store: Store;
  pagers: readonly Pager[];
  log: (line: string) => void;
  now?: () => Date;
  /** The instance whose names the alarms take (as `run --publish --instance`). @default LOCAL_INSTANCE */
  instance?: string;
  /** How a target runs. @default the workflow on the local engine, with the real probes (cli/run.ts) */
  run?: (config: Config, target: Target) => Promise<{ report: Report }>;
}

/** How often a target runs. */
export const everyMs = (t: Target) => parseDuration(t.schedule ?? DEFAULT_SCHEDULE) ?? 300_000;

/**
 * The longest a run of the target can take: stage 1, the confirmation's wait and checks, stage 2 (each check
 * bounded by its own deadline), and a margin for the rest. A graceful stop waits this long at most.
 */
export function runBoundMs(t: Target): number {
  const stage1 = Math.max(t.endToEnd.timeoutMs, t.app.timeoutMs);
  const stage2 = Math.max(t.storage?.timeoutMs ?? 0, t.proxy?.timeoutMs ?? 0);
  return stage1 + t.confirmDelayMs + stage1 + stage2 + 5_000;
}

/** Many pagers as one: every page goes to each of them (none configured: it is only logged and kept). */
function fanOut(pagers: readonly Pager[]): Pager {
  return {
    name: pagers.map((p) => p.name).join(', ') || 'no pager',
    send: async (n) => (await Promise.all(pagers.map((p) => p.send(n)))).join(', ') || 'the log only',
    close: () => {
      for (const p of pagers) p.close();
    },
  };
}

export class Monitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Runs under way, so that a stop can wait for them. */
  private readonly running = new Set<Promise<RunResult>>();
  /** A /probe of a target that is already being probed shares that run. */
  private readonly probing = new Map<string, Promise<RunResult>>();
  /** Each target's alarm evaluations, one after the other. */
  private readonly evaluating = new Map<string, Promise<void>>();
  private readonly pager: Pager;
  /** The names of the alarms (the instance's: `download-doctor-local-TARGET-RULE` by default). */
  private readonly names: ReturnType<typeof instanceNames>;
  private stopping = false;

  constructor(private readonly o: MonitorOptions) {
    this.pager = fanOut(o.pagers);
    this.names = instanceNames(o.instance ?? LOCAL_INSTANCE);
  }

  get targets(): readonly Target[] {
    return this.o.config.targets;
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /** Schedules every target: its first run one interval after its latest stored run (now, if none). */
  start(): void {
    for (const t of this.targets) {
      const last = this.o.store.latest(t.name)?.at.getTime();
      const first = last === undefined ? 0 : Math.max(0, last + everyMs(t) - this.now().getTime());
      this.schedule(t, first);
    }
  }

  private schedule(t: Target, delayMs: number): void {
    if (this.stopping) return;
    const timer = setTimeout(async () => {
      const started = Date.now();
      try {
        await this.run(t, 'schedule');
      } catch (err) {
        // The run's own failures are results; this is the monitor's (its history cannot be written, say).
        this.o.log(
          `${t.name}: the run could not be kept (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      this.schedule(t, Math.max(0, started + everyMs(t) - Date.now()));
    }, delayMs);
    this.timers.set(t.name, timer);
  }

  /** Runs a target now for /probe (joining a probe of it already under way). */
  probe(t: Target): Promise<RunResult> {
    const pending = this.probing.get(t.name);
    if (pending) return pending;
    const run = this.run(t, 'probe').finally(() => this.probing.delete(t.name));
    this.probing.set(t.name, run);
    return run;
  }

  private run(t: Target, source: 'schedule' | 'probe'): Promise<RunResult> {
    const run = this.runOnce(t, source);
    this.running.add(run);
    return run.finally(() => this.running.delete(run));
  }

  private async runOnce(t: Target, source: 'schedule' | 'probe'): Promise<RunResult> {
    const at = this.now();
    const start = performance.now();
    let report: Report | undefined;
    let error: string | undefined;
    try {
      ({ report } = await (this.o.run ?? runTarget)(this.o.config, t));
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const result: RunResult = { target: t.name, at, durationMs: performance.now() - start, report, error };
    this.o.store.recordRun({ ...result, source, everyMs: everyMs(t) });
    const outcome = report
      ? `${report.verdict.status}${report.verdict.fault ? ` (fault ${report.verdict.faults.join(', ')})` : ''}`
      : `no verdict: ${error}`;
    this.o.log(`${at.toISOString()} ${t.name}: ${outcome} [${source}, ${Math.round(result.durationMs)} ms]`);
    await this.evaluate(t.name, report, at);
    return result;
  }

  /** Steps the target's alarms with the run's data and delivers the transitions, one run at a time per target. */
  private evaluate(target: string, report: Report | undefined, at: Date): Promise<void> {
    const previous = this.evaluating.get(target) ?? Promise.resolve();
    const next = previous.then(async () => {
      const memory = this.o.store.alarmMemory(target);
      try {
        const sent = await deliverTransitions(
          memory,
          target,
          report,
          report ? metricData(report, at) : [],
          this.pager,
          at,
          this.names,
          undefined,
          (alarm) => this.o.store.openIncident(alarm)?.openedAt,
        );
        for (const s of sent) {
          // A page sent opens an incident; the alarm's return to OK closes it (its notice sent or held back).
          const rule = TARGET_ALARMS.find((r) => this.names.alarm(target, r) === s.alarm);
          if (rule?.topic === 'page' && (s.state === 'OK' || !s.suppressed))
            this.o.store.noteIncident({ target, alarm: s.alarm, rule: rule.id, state: s.state, at }, report);
          this.o.store.recordNotification(target, {
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
      } catch (err) {
        // Not remembered: the transition is evaluated again at the next run.
        this.o.log(
          `  a page could not be sent (${err instanceof Error ? err.message : String(err)}): it is tried again at the next run`,
        );
      } finally {
        this.o.store.saveAlarms(target, memory);
      }
    });
    const settled = next.catch(() => {});
    this.evaluating.set(target, settled);
    return settled;
  }

  /** The alarms of a target as stored, for the status page. */
  alarms(target: string) {
    const memory = this.o.store.alarmStates(target);
    return TARGET_ALARMS.map((r) => {
      const name = this.names.alarm(target, r);
      return { name, state: memory[name]?.state ?? ('OK' as const) };
    });
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
    const bound = Math.max(0, ...this.targets.map(runBoundMs));
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

  /** How many runs are under way. */
  get busy(): number {
    return this.running.size;
  }
}
