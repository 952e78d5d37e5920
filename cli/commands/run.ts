import type { Datum } from '../../functions/alerting/metrics.ts';
import { INSTANCE_NAME, INSTANCE_NAME_RULE, LOCAL_INSTANCE } from '../../functions/alerting/names.ts';
import type { Config } from '../../functions/config/schema.ts';
import { findTarget } from '../../functions/config/targets.ts';
import { UsageError } from '../../functions/contract/errors.ts';
import type { Report } from '../../functions/contract/types.ts';
import { loadConfig } from '../../functions/probes/config-file.ts';
import { checkLine, exitCode, maintenanceLine, toHtml, toJson, toJunit, verdictLines } from '../format.ts';
import { fitHeapTo } from '../heap.ts';
import { progressFor } from '../progress.ts';
import { runTarget } from '../run.ts';
import { countRun, defaultRunCountFile } from '../run-count.ts';
import { concurrencyOf, originsOf, RunPool } from '../run-pool.ts';

export interface RunOptions {
  config?: string;
  target?: string;
  format: 'table' | 'json' | 'junit' | 'html';
  publish?: string;
  alarmState?: string;
  /** The instance whose names `--publish` uses (metric namespace, alarm names). @default LOCAL_INSTANCE */
  instance?: string;
  /** A full run: all four checks whatever stage 1 says. */
  allLayers?: boolean;
  /**
   * Where the runs of targets with `fullRunEvery` are counted (none: no counting, no full runs but asked ones); a
   * function, called only when a target counts.
   */
  runCountFile?: string | (() => string);
  /** At most this many runs at once (and a few against one origin: cli/run-pool.ts). @default DEFAULT_CONCURRENCY */
  concurrency?: string | number;
  /** The config file read, as shown: the HTML report's "Run it again" names it. */
  configFile?: string;
}

/**
 * Runs the targets and prints them in the chosen format; returns the exit code. The runs go at once, within the
 * bounds of a pool (`concurrency`, and a few against one origin); each target's lines come once its run is over, in
 * the config's order whatever order the runs end in, and in a fixed order within (stage 1, then stage 2; by layer
 * within a stage). With `--publish`, the alarms are evaluated one target after the other, in the same order: they
 * share one state file.
 */
export async function runAndPrint(
  config: Config,
  options: Omit<RunOptions, 'config'>,
): Promise<{ code: number; reports: Report[] }> {
  if (options.alarmState && !options.publish) throw new UsageError('--alarm-state needs --publish URL');
  if (options.instance && !options.publish) throw new UsageError('--instance needs --publish URL');
  const instance = options.instance ?? LOCAL_INSTANCE;
  if (!INSTANCE_NAME.test(instance))
    throw new UsageError(`--instance "${instance}": must be ${INSTANCE_NAME_RULE}`);
  const pool = new RunPool(concurrencyOf(options.concurrency));
  // A sentinel on a schedule of its own (a big one) runs only when named.
  const targets = options.target
    ? [findTarget(config, options.target)]
    : config.targets.filter((t) => !t.ownSchedule);
  const progress = progressFor(options.format);
  const reports: Report[] = [];
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // The CloudWatch and SNS clients load only when --publish asks for them.
  const telemetry = options.publish ? await import('../local-alarms.ts') : undefined;
  const runs = targets.map((target) => {
    const published: Datum[] = [];
    const publisher =
      telemetry && options.publish
        ? telemetry.publisher(options.publish, region, instance, published)
        : undefined;
    // Counted in the config's order, as the runs are started.
    const counted = options.runCountFile ? countRun(target, options.runCountFile) : false;
    const allLayers = options.allLayers === true || counted;
    const run = pool.run(originsOf(target), () => runTarget(config, target, publisher, { allLayers }));
    // Awaited in order below: a run that fails while an earlier one is awaited is not an unhandled rejection.
    run.catch(() => {});
    return { target, published, allLayers, run };
  });
  for (const { target, published, allLayers, run } of runs) {
    const { report } = await run;
    progress(`${target.name}:${allLayers ? ' (a full run: all four checks)' : ''}`);
    for (const r of report.results) progress(checkLine(r));
    for (const line of verdictLines(target.name, report.verdict)) progress(line);
    if (report.maintenance) progress(maintenanceLine(report.maintenance));
    if (telemetry && options.publish) {
      const sent = await telemetry.evaluateLocalAlarms(report, published, {
        endpoint: options.publish,
        region,
        instance,
        stateFile: options.alarmState,
      });
      progress(`  published ${published.length} metrics to ${options.publish}`);
      for (const s of sent) {
        const what = s.state === 'ALARM' ? 'page' : 'notice';
        progress(`  ${what} ${s.suppressed ? `not sent, ${s.suppressed}` : 'sent'}: ${s.page.subject}`);
      }
    }
    reports.push(report);
  }
  if (options.format === 'json') console.log(toJson(reports));
  if (options.format === 'junit') console.log(toJunit(reports));
  if (options.format === 'html') console.log(toHtml(reports, { configFile: options.configFile }));
  return { code: exitCode(reports), reports };
}

export async function run(options: RunOptions): Promise<number> {
  const { config, file } = await loadConfig(options.config);
  fitHeapTo(config);
  progressFor(options.format)(`config: ${file}`);
  return (
    await runAndPrint(config, { runCountFile: () => defaultRunCountFile(file), configFile: file, ...options })
  ).code;
}
