/**
 * The download-doctor command. Each command is thin: parse the arguments, call the engine or a helper, print.
 * Exit codes: 0 healthy, 1 degraded or failed, 2 bad config or usage, 3 the monitor itself failed.
 */
import { parseArgs } from 'node:util';
import { LAYERS, type Layer } from '../functions/core/names.ts';
import { SANDBOX_VARIANTS, type Variant } from '../sandbox/faults.ts';
import { EXIT, UsageError } from './errors.ts';
import { FORMATS, type Format } from './format.ts';

/** The sandbox's variants; the catalogue module is data only, so this costs the CLI nothing. */
const VARIANT_NAMES = Object.keys(SANDBOX_VARIANTS) as Variant[];

const HELP = `download-doctor: healthchecks for file downloads offloaded to a reverse proxy

Usage:
  download-doctor run [--config F] [--target NAME] [--format table|json|junit] [--publish URL [--alarm-state F]]
      Runs the workflow (end-to-end and app; storage and proxy when those fail) and prints the verdict.
      Without --target, every target runs. --publish sends the metrics to a CloudWatch-compatible endpoint and
      evaluates the alarms there, publishing pages and recovery notices to its SNS topics.
  download-doctor invoke --target NAME [--state-machine-arn ARN] [--endpoint URL] [--region R] [--format F] [--no-wait]
      Runs the target on the deployed workflow (Step Functions) and prints its verdict, like run. The ARN may come
      from DOWNLOAD_DOCTOR_STATE_MACHINE_ARN; the region is --region, else the ARN's. --no-wait prints the ARN.
  download-doctor check LAYER [--config F] [--target NAME] [--format table|json]
      Runs one check alone. LAYER: ${LAYERS.join(', ')}.
  download-doctor seed --file PATH [--content-type TYPE] [--config F] [--target NAME]
      Uploads a sentinel to the target's S3 location and prints its sha256 and size for the config.
  download-doctor snippets nginx|apache|lighttpd|django [--config F] [--target NAME]
      Prints the known-good nginx, Apache (mod_xsendfile) or lighttpd configuration, or Django settings and URL,
      for the target.
  download-doctor sandbox faults | sandbox up [--variant V]
      Lists the sandbox's faults, or starts the sandbox and keeps it running until Ctrl-C.
      V: ${VARIANT_NAMES.join(' (default), ')}.
  download-doctor demo [--fault NAME|all] [--variant V]
      Starts the local sandbox, runs healthy, breaks one layer, runs again, restores it and stops. A fault
      runs on its own variant; --fault all runs every fault (of --variant V, when given).

The config is download-doctor.config.ts (export default defineConfig({...})) or download-doctor.config.json.
Exit codes: 0 healthy, 1 degraded or failed, 2 bad config or usage, 3 the monitor itself failed.`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  target: { type: 'string', short: 't' },
  format: { type: 'string', short: 'f', default: 'table' },
  file: { type: 'string' },
  'content-type': { type: 'string' },
  fault: { type: 'string' },
  variant: { type: 'string' },
  publish: { type: 'string' },
  'alarm-state': { type: 'string' },
  'state-machine-arn': { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'no-wait': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Options = {
  config?: string | undefined;
  target?: string | undefined;
  format: Format;
  file?: string | undefined;
  contentType?: string | undefined;
  fault?: string | undefined;
  variant?: Variant | undefined;
  publish?: string | undefined;
  alarmState?: string | undefined;
  stateMachineArn?: string | undefined;
  endpoint?: string | undefined;
  region?: string | undefined;
  wait: boolean;
};

function parse(argv: string[]): { command: string[]; options: Options; help: boolean } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const format = values.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  }
  const variant = values.variant;
  if (variant !== undefined && !(VARIANT_NAMES as string[]).includes(variant)) {
    throw new UsageError(`--variant must be one of ${VARIANT_NAMES.join(', ')} (got "${variant}")`);
  }
  return {
    command: positionals,
    help: values.help === true,
    options: {
      config: values.config,
      target: values.target,
      format: format as Format,
      file: values.file,
      contentType: values['content-type'],
      fault: values.fault,
      variant: variant as Options['variant'],
      publish: values.publish,
      alarmState: values['alarm-state'],
      stateMachineArn: values['state-machine-arn'],
      endpoint: values.endpoint,
      region: values.region,
      wait: values['no-wait'] !== true,
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const { command, options, help } = parse(argv);
  const [name, arg, ...rest] = command;
  if (help || name === undefined || name === 'help') {
    console.log(HELP);
    return name === undefined && !help ? EXIT.usage : EXIT.healthy;
  }
  const noMore = (n: number) => {
    if (command.length > n) throw new UsageError(`unexpected argument "${command[n]}" (see --help)`);
  };
  switch (name) {
    case 'run':
      noMore(1);
      return (await import('./commands/run.ts')).run(options);
    case 'check': {
      noMore(2);
      if (!arg || !(LAYERS as readonly string[]).includes(arg)) {
        throw new UsageError(`check needs a LAYER: ${LAYERS.join(', ')}${arg ? ` (got "${arg}")` : ''}`);
      }
      return (await import('./commands/run.ts')).checkOne(arg as Layer, options);
    }
    case 'seed':
      noMore(1);
      return (await import('./commands/seed.ts')).seed(options);
    case 'snippets':
      noMore(2);
      if (arg !== 'nginx' && arg !== 'apache' && arg !== 'lighttpd' && arg !== 'django')
        throw new UsageError(
          `snippets needs a server: nginx, apache, lighttpd, django${arg ? ` (got "${arg}")` : ''}`,
        );
      return (await import('./commands/snippets.ts')).snippets(arg, options);
    case 'sandbox':
      noMore(2);
      return (await import('./commands/sandbox.ts')).sandbox(arg, options);
    case 'invoke':
      noMore(1);
      return (await import('./commands/invoke.ts')).invoke(options);
    case 'demo':
      noMore(1);
      return (await import('./commands/demo.ts')).demo(options);
    default:
      void rest;
      throw new UsageError(`unknown command "${name}" (see --help)`);
  }
}

/** Runs the CLI: known errors print one line and exit with their code; nothing prints a stack trace. */
export async function cli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    const e = err as Error;
    if (e instanceof UsageError || e.name === 'TargetNotFoundError') {
      console.error(`download-doctor: ${e.message}`);
      process.exitCode = EXIT.usage;
    } else {
      console.error(`download-doctor: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
      if (process.env.DEBUG?.includes('download-doctor')) console.error(e.stack);
      process.exitCode = EXIT.internal;
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await cli(process.argv.slice(2));
