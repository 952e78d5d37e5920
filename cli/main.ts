/**
 * The download-doctor command: each command declares its own options (commander) and loads its code only when it
 * runs, so `check` and `run` never load the AWS SDK, the CDK or the sandbox unless a setting needs them.
 * Exit codes: 0 healthy, 1 degraded or failed, 2 bad config or usage, 3 the monitor itself failed.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { withoutUrlPasswords } from '../functions/checks/redact.ts';
import { UsageError } from '../functions/contract/errors.ts';
import { LAYERS } from '../functions/contract/names.ts';
import pkg from '../package.json' with { type: 'json' };
import { SANDBOX_VARIANTS } from '../sandbox/variants.ts';
import { EXIT } from './exit-codes.ts';
import { DEFAULT_CONCURRENCY, PER_ORIGIN } from './run-pool.ts';

const VARIANTS = Object.keys(SANDBOX_VARIANTS);

const configOption = () => new Option('-c, --config <file>', 'the config file');
const targetOption = () => new Option('-t, --target <name>', 'the target to use (see the config)');
const formatOption = (formats: readonly string[]) =>
  new Option('-f, --format <format>', 'output format').choices(formats).default('table');
const variantOption = () => new Option('--variant <variant>', 'sandbox variant').choices(VARIANTS);
const concurrencyOption = () =>
  new Option(
    '--concurrency <n>',
    `at most this many runs at once (and at most ${PER_ORIGIN} against any one host:port)`,
  ).default(String(DEFAULT_CONCURRENCY));

/** Sets the exit code from a command's result. Commands are loaded when they run (`await import`). */
const exits =
  <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
  async (...args: A) => {
    process.exitCode = await action(...args);
  };

export function program(): Command {
  const p = new Command('download-doctor')
    .description(
      'healthchecks for file downloads offloaded to a reverse proxy (X-Accel-Redirect, X-Sendfile)',
    )
    .version(pkg.version)
    .showHelpAfterError('(see download-doctor --help)')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`download-doctor: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText(
      'after',
      `
The config is download-doctor.config.ts (export default defineConfig({...})) or download-doctor.config.json
in the current directory, or --config FILE. \`download-doctor init\` writes one.
Exit codes: 0 healthy, 1 degraded or failed, 2 bad config or usage, 3 the monitor itself failed.`,
    );

  p.command('run')
    .description(
      'run the workflow (end-to-end and app; storage and proxy when those fail) and print the verdict; ' +
        'without --target, every target runs',
    )
    .addOption(configOption())
    .addOption(targetOption())
    .addOption(formatOption(['table', 'json', 'junit', 'html']))
    .option(
      '--publish <url>',
      'send the metrics to a CloudWatch-compatible endpoint and evaluate the alarms there',
    )
    .option('--alarm-state <file>', 'where --publish keeps the alarm states between runs')
    .option(
      '--instance <name>',
      'with --publish: the instance whose metric namespace and alarm names to use, as the construct names ' +
        'them (default: local)',
    )
    .option(
      '--all-layers',
      "a full run: storage and proxy too, whatever end-to-end and app say (proves the checks' own settings)",
    )
    .addOption(concurrencyOption())
    .action(exits(async (opts) => (await import('./commands/run.ts')).run(opts)));

  p.command('serve')
    .description(
      'keep running: each target on its schedule, its history in SQLite, pages on M-of-N alarms, and endpoints ' +
        'for people and Prometheus (/, /targets/NAME, /health, /metrics, /probe?target=NAME)',
    )
    .addOption(configOption())
    .option('--host <address>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: any free port)', '9810')
    .option(
      '--data-dir <dir>',
      'where the history (SQLite: alarm states, reports, uptime, incidents) is kept, made 0700 ' +
        '(default: $XDG_STATE_HOME/download-doctor, or ~/.local/state/download-doctor)',
    )
    .option('--db <file>', 'the history database itself, in place of DIR/serve.db')
    .option('--keep-runs <span>', 'how long each run is kept in detail (then hourly and daily figures)', '7d')
    .option('--keep-hourly <span>', 'how long the hourly figures are kept', '90d')
    .option('--keep-daily <span>', 'how long the daily figures and the incidents are kept', '400d')
    .option(
      '--token-env <name>',
      'require `Authorization: Bearer TOKEN` (or a log-in), TOKEN read from this variable',
    )
    .option(
      '--token-file <file>',
      'require `Authorization: Bearer TOKEN` (or a log-in), TOKEN read from this file (mode 0600)',
    )
    .option(
      '--public-status',
      'with a token: the status pages (/, /status/NAME) open to anyone, without details',
    )
    .option('--sns-endpoint <url>', 'page through the SNS topics of this SNS-compatible endpoint')
    .option('--webhook <url>', 'page by POSTing JSON to this URL')
    .option('--webhook-env <name>', 'page by POSTing JSON to the URL in this variable (a URL with a secret)')
    .addOption(concurrencyOption())
    .option(
      '--location <name>',
      "run as this location of the config's `locations`: its checks' results go to the home (--home), which decides and pages",
    )
    .option('--home <url>', 'with --location: the home serve, whose POST /ingest receives the results')
    .option(
      '--home-token-env <name>',
      "with --location: this location's ingest token (in the home's --ingest-tokens-file), read from this variable",
    )
    .option(
      '--home-token-file <file>',
      "with --location: this location's ingest token (in the home's --ingest-tokens-file), read from this file (mode 0600)",
    )
    .option(
      '--ingest-tokens-file <file>',
      "at the home of several locations: each other location's token for POST /ingest, one `LOCATION TOKEN` a line (mode 0600)",
    )
    .action(exits(async (opts) => (await import('./commands/serve.ts')).serve(opts)));

  p.command('report')
    .description(
      "the SLO report from serve's history or a deployed instance's: availability per target, the time " +
        'degraded, the incidents with their durations and layers',
    )
    .requiredOption('--since <span>', 'how far back: 30d, 7d, 36h')
    .option('--until <date>', 'the end of the span (ISO 8601; default: now)')
    .addOption(formatOption(['table', 'json', 'html']))
    .option('--data-dir <dir>', "serve's state directory (default: as serve's)")
    .option('--db <file>', "serve's database itself")
    .option(
      '--objective <percent>',
      'an availability objective (99.9): the error budget, and exit 1 when missed',
    )
    .option('--instance <name>', "a deployed instance's history on AWS, in place of serve's")
    .option(
      '--table <name>',
      "with --instance: its table, the stack's TableName (default: DOWNLOAD_DOCTOR_TABLE)",
    )
    .option('--region <region>', 'with --instance: the region (default: AWS_REGION)')
    .option('--endpoint <url>', 'with --instance: a DynamoDB endpoint')
    .action(exits(async (opts) => (await import('./commands/report.ts')).report(opts)));

  p.command('check')
    .description('run one check alone, or all four (all) with their verdict')
    .addArgument(new Argument('<layer>', 'the layer to check, or all').choices([...LAYERS, 'all']))
    .addOption(configOption())
    .addOption(targetOption())
    .addOption(formatOption(['table', 'json']))
    .action(exits(async (layer, opts) => (await import('./commands/check.ts')).check(layer, opts)));

  p.command('init')
    .description(
      'write a commented download-doctor.config.ts here; with --download (and --app) it fetches the sentinel ' +
        'once and fills in what a working stack serves',
    )
    .option('--download <url>', 'the healthcheck download through the proxy (end to end)')
    .option('--app <url>', "the same route on the app's own port (the offload header is read there)")
    .option('--proxy <url>', 'a proxy location serving the sentinel straight from storage')
    .option('--storage <location>', 'where the sentinel is stored: s3://BUCKET/KEY, or an absolute path')
    .option('--region <region>', 'the S3 region (default: AWS_REGION)')
    .option('--s3-endpoint <url>', 'an S3-compatible endpoint (MinIO, a VPC endpoint)')
    .option('--name <name>', 'the target name', 'production')
    .addOption(new Option('--format <format>', 'the config file type').choices(['ts', 'json']).default('ts'))
    .option('-o, --output <file>', 'where to write (default: download-doctor.config.ts or .json here)')
    .option('--force', 'overwrite an existing file')
    .action(exits(async (opts) => (await import('./commands/init.ts')).init(opts)));

  p.command('hash')
    .description(
      "print the sha256, size and content type of a local file or a URL (the config's sentinel block)",
    )
    .argument('<file-or-url>', 'a file, or an http(s) URL to download once')
    .action(exits(async (source) => (await import('./commands/hash.ts')).hash(source)));

  p.command('seed')
    .description("upload a sentinel to the target's S3 location and print its sentinel block")
    .requiredOption('--file <path>', 'the file to upload')
    .option('--content-type <type>', "the object's Content-Type")
    .addOption(configOption())
    .addOption(targetOption())
    .action(exits(async (opts) => (await import('./commands/seed.ts')).seed(opts)));

  p.command('snippets')
    .description('print the known-good configuration of one part of the stack, for a target')
    .addArgument(new Argument('<server>', 'which part').choices(['nginx', 'apache', 'lighttpd', 'django']))
    .addOption(configOption())
    .addOption(targetOption())
    .action(exits(async (server, opts) => (await import('./commands/snippets.ts')).snippets(server, opts)));

  p.command('invoke')
    .description('run a target on the deployed workflow (Step Functions) and print its verdict, like run')
    .requiredOption('-t, --target <name>', 'a target of the deployed config')
    .option('--state-machine-arn <arn>', 'the workflow (default: DOWNLOAD_DOCTOR_STATE_MACHINE_ARN)')
    .option('--endpoint <url>', 'a Step Functions endpoint (default: the region of the ARN)')
    .option('--region <region>', "the region (default: the ARN's)")
    .addOption(formatOption(['table', 'json', 'junit', 'html']))
    .option('--all-layers', 'a full run: storage and proxy too, whatever end-to-end and app say')
    .option('--no-wait', 'start the execution, print its ARN and return')
    .action(exits(async (opts) => (await import('./commands/invoke.ts')).invoke(opts)));

  const sandbox = p
    .command('sandbox')
    .description('the local download stack (nginx, Apache or lighttpd; Django; moto)');
  sandbox
    .command('faults')
    .description("list the sandbox's faults, by variant")
    .addOption(variantOption())
    .action(exits(async (opts) => (await import('./commands/sandbox.ts')).faults(opts)));
  sandbox
    .command('up')
    .description('start the sandbox and keep it running until Ctrl-C')
    .addOption(variantOption().default('nginx-s3'))
    .action(exits(async (opts) => (await import('./commands/sandbox.ts')).up(opts)));

  p.command('demo')
    .description(
      'start the sandbox, run healthy, break one layer, run again, restore it and stop; ' +
        '--fault all runs every fault (of --variant, when given)',
    )
    .option('--fault <name>', 'a fault of the sandbox (see sandbox faults), or all')
    .addOption(variantOption())
    .action(exits(async (opts) => (await import('./commands/demo.ts')).demo(opts)));

  return p;
}

/** Commander's own exits that are not errors. */
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/**
 * Runs the CLI: known errors print one line and exit with their code; nothing prints a stack trace (unless
 * DEBUG names download-doctor). A closed stdout (`| head`) ends the command quietly.
 */
export async function cli(argv: string[]): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.healthy);
      throw err;
    });
  }
  const p = program();
  if (argv.length === 0) {
    process.stderr.write(p.helpInformation());
    process.exitCode = EXIT.usage;
    return;
  }
  try {
    await p.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = HELP_CODES.has(err.code) ? EXIT.healthy : EXIT.usage;
    } else if (err instanceof UsageError) {
      console.error(`download-doctor: ${withoutUrlPasswords(err.message)}`);
      process.exitCode = EXIT.usage;
    } else {
      const e = err instanceof Error ? err : new Error(String(err));
      console.error(
        `download-doctor: ${e.name === 'Error' ? '' : `${e.name}: `}${withoutUrlPasswords(e.message)}`,
      );
      if (process.env.DEBUG?.includes('download-doctor')) console.error(e.stack);
      process.exitCode = EXIT.internal;
    }
  }
}
