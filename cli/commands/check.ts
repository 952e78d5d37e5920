import { runCheck } from '../../functions/checks.ts';
import { loadConfig } from '../../functions/config-file.ts';
import { findTarget } from '../../functions/core/config.ts';
import { UsageError } from '../../functions/core/errors.ts';
import type { Layer } from '../../functions/core/names.ts';
import { EXIT } from '../exit-codes.ts';
import { checkLine } from '../format.ts';
import { localProbes } from '../local-probes.ts';
import { progressFor } from '../progress.ts';

export interface CheckOptions {
  config?: string;
  target?: string;
  format: 'table' | 'json';
}

/** One check alone, without the workflow (no engine, no diagnosis): the quickest probe of one layer. */
export async function check(layer: Layer, options: CheckOptions): Promise<number> {
  const { config, file } = await loadConfig(options.config);
  const target = findTarget(config, options.target);
  if ((layer === 'storage' || layer === 'proxy') && !target[layer]) {
    throw new UsageError(
      `target "${target.name}" has no "${layer}" settings in ${file}: add them to check ${layer}`,
    );
  }
  progressFor(options.format)(`config: ${file}`);
  const result = await runCheck(layer, target, localProbes());
  if (options.format === 'json') console.log(JSON.stringify(result, null, 2));
  else console.log(checkLine(result));
  return result.ok ? EXIT.healthy : EXIT.unhealthy;
}
