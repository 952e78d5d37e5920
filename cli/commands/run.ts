import { runCheck } from '../../functions/checks.ts';
import { type Config, findTarget } from '../../functions/core/config.ts';
import type { Layer } from '../../functions/core/names.ts';
import type { Datum } from '../../functions/core/telemetry.ts';
import type { Report } from '../../functions/core/types.ts';
import { httpProbe } from '../../functions/probes/http.ts';
import { envResolver } from '../../functions/probes/secrets.ts';
import { presignProbe, storageProbe } from '../../functions/probes/storage.ts';
import { cloudWatchPublisher } from '../../functions/probes/telemetry.ts';
import { loadConfig } from '../config-file.ts';
import { EXIT } from '../errors.ts';
import { checkLine, toJson, toJunit, verdictLines, worstStatus } from '../format.ts';
import { defaultStateFile, evaluateLocalAlarms } from '../local-alarms.ts';
import type { Options } from '../main.ts';
import { runTarget } from '../run.ts';

/** Runs the targets and prints them in the chosen format; returns the exit code. */
export async function runAndPrint(
  config: Config,
  options: Pick<Options, 'target' | 'format' | 'publish' | 'alarmState'>,
): Promise<{ code: number; reports: Report[] }> {
  const targets = options.target ? [findTarget(config, options.target)] : config.targets;
  // Progress goes to stdout for the table, and to stderr (only on a terminal) for machine formats.
  const progress =
    options.format === 'table'
      ? (line: string) => console.log(line)
      : (line: string) => process.stderr.isTTY && console.error(line);
  const reports: Report[] = [];
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  for (const target of targets) {
    progress(`${target.name}:`);
    const published: Datum[] = [];
    const publisher = options.publish
      ? cloudWatchPublisher({ endpoint: options.publish, region })
      : undefined;
    const telemetry = publisher
      ? {
          publish: async (data: Datum[]) => {
            await publisher(data);
            published.push(...data);
          },
        }
      : undefined;
    const { report } = await runTarget(config, target, (r) => progress(checkLine(r)), telemetry);
    for (const line of verdictLines(target.name, report.verdict)) progress(line);
    if (options.publish) {
      const sent = await evaluateLocalAlarms(report, published, {
        endpoint: options.publish,
        region,
        stateFile: options.alarmState ?? defaultStateFile(options.publish),
      });
      progress(`  published ${published.length} metrics to ${options.publish}`);
      for (const s of sent) progress(`  ${s.state === 'ALARM' ? 'page' : 'notice'} sent: ${s.page.subject}`);
    }
    reports.push(report);
  }
  if (options.format === 'json') console.log(toJson(reports));
  if (options.format === 'junit') console.log(toJunit(reports));
  return { code: worstStatus(reports) === 'healthy' ? EXIT.healthy : EXIT.unhealthy, reports };
}

export async function run(options: Options): Promise<number> {
  const config = await loadConfig(options.config);
  return (await runAndPrint(config, options)).code;
}

export async function checkOne(layer: Layer, options: Options): Promise<number> {
  const config = await loadConfig(options.config);
  const target = findTarget(config, options.target);
  const result = await runCheck(layer, target, {
    probes: { http: httpProbe, storage: storageProbe, presign: presignProbe },
    secrets: envResolver(process.env),
  });
  if (options.format === 'json') console.log(JSON.stringify(result, null, 2));
  else console.log(checkLine(result));
  return result.ok ? EXIT.healthy : EXIT.unhealthy;
}
