import { type CheckDeps, runCheck } from '../../functions/checks/run.ts';
import { whereOf } from '../../functions/checks/where.ts';
import type { Target } from '../../functions/config/schema.ts';
import { findTarget } from '../../functions/config/targets.ts';
import { UsageError } from '../../functions/contract/errors.ts';
import { type Layer, SCHEMA_VERSION } from '../../functions/contract/names.ts';
import type { Report, StageResults } from '../../functions/contract/types.ts';
import { loadConfig } from '../../functions/probes/config-file.ts';
import { diagnose } from '../../functions/verdict/diagnose.ts';
import { EXIT } from '../exit-codes.ts';
import { checkLine, exitCode, verdictLines } from '../format.ts';
import { fitHeapTo } from '../heap.ts';
import { localProbes } from '../local-probes.ts';
import { progressFor } from '../progress.ts';

export interface CheckOptions {
  config?: string;
  target?: string;
  format: 'table' | 'json';
}

/**
 * One check alone, without the workflow (no engine): the quickest probe of one layer. `all`: the four checks at
 * once, whatever each says, and their verdict (as `run --all-layers`, without the workflow): proves a new config.
 */
export async function check(layer: Layer | 'all', options: CheckOptions): Promise<number> {
  const { config, file } = await loadConfig(options.config);
  fitHeapTo(config);
  const target = findTarget(config, options.target);
  if ((layer === 'storage' || layer === 'proxy') && !target[layer]) {
    throw new UsageError(
      `target "${target.name}" has no "${layer}" settings in ${file}: add them to check ${layer}`,
    );
  }
  progressFor(options.format)(`config: ${file}`);
  const deps = localProbes();
  if (layer === 'all') {
    const report = await checkAll(target, deps);
    if (options.format === 'json') console.log(JSON.stringify(report, null, 2));
    else for (const line of reportLines(report)) console.log(line);
    return exitCode([report]);
  }
  const result = await runCheck(layer, target, deps);
  if (options.format === 'json') console.log(JSON.stringify(result, null, 2));
  else console.log(checkLine(result));
  return result.ok ? EXIT.healthy : EXIT.unhealthy;
}

/** The four checks at once, whatever each says, and their verdict: what `check all` and `init` print. */
export async function checkAll(target: Target, deps: CheckDeps): Promise<Report> {
  const [e2e, app, storage, proxy] = await Promise.all([
    runCheck('end-to-end', target, deps),
    runCheck('app', target, deps),
    runCheck('storage', target, deps),
    runCheck('proxy', target, deps),
  ]);
  const stages = { stage1: [e2e, app], stage2: [storage, proxy] } satisfies StageResults;
  return {
    schemaVersion: SCHEMA_VERSION,
    target: target.name,
    verdict: diagnose(stages),
    results: [e2e, app, storage, proxy],
    where: whereOf(target),
  };
}

/** A report as the table prints it: a line per check, then the verdict. */
export const reportLines = (report: Report): string[] => [
  ...report.results.map(checkLine),
  ...verdictLines(report.target, report.verdict),
];
