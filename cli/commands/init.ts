/**
 * `download-doctor init`: writes a commented config into the current project. With --download (and --app) it
 * asks the live stack once and fills in the sentinel, the offload header and how the proxy reads the bucket; then
 * it proves the file: every check (`check all`) with the config it wrote, and what a check could not do for lack
 * of credentials. What it cannot learn is left as TODO values that fail validation until filled in.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ConfigInput, Target } from '../../functions/config/schema.ts';
import { formatProblems, validateConfig } from '../../functions/config/validate.ts';
import { UsageError } from '../../functions/contract/errors.ts';
import { MONITOR_KINDS } from '../../functions/contract/names.ts';
import type { Report } from '../../functions/contract/types.ts';
import { DEFAULT_CONFIG_FILES } from '../../functions/probes/config-file.ts';
import {
  configJson,
  configTs,
  type InitFacts,
  inferProxyAuth,
  initTarget,
  isTodo,
  type StorageInput,
} from '../config-template.ts';
import { EXIT } from '../exit-codes.ts';
import { localProbes } from '../local-probes.ts';
import { type AppAnswer, anonymousRead, offloadOfApp, sentinelOfUrl } from '../sentinel.ts';
import { checkAll, reportLines } from './check.ts';

export interface InitOptions {
  download?: string;
  app?: string;
  proxy?: string;
  storage?: string;
  region?: string;
  s3Endpoint?: string;
  name: string;
  format: 'ts' | 'json';
  output?: string;
  force?: boolean;
}

/** `s3://BUCKET/KEY` or an absolute path, as the config's storage block. */
export function storageOf(
  location: string,
  region: string | undefined,
  endpoint: string | undefined,
): StorageInput {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (s3) {
    if (!region) throw new UsageError('--storage s3://...: needs --region (or AWS_REGION)');
    const [, bucket = '', key = ''] = s3;
    return { type: 's3', bucket, key, region, ...(endpoint ? { endpoint } : {}) };
  }
  if (location.startsWith('/')) return { type: 'filesystem', path: location };
  throw new UsageError(`--storage: expected s3://BUCKET/KEY or an absolute path (got "${location}")`);
}

/**
 * The options of `init` that describe a target's stack: the inverse of init, for a stack whose config is known (the
 * sandbox prints them, so that a new user writes a config of their own as they would for their stack).
 */
export function initArgsOf(t: ConfigInput['targets'][number]): string[] {
  const storage =
    t.storage?.type === 's3'
      ? [
          '--storage',
          `s3://${t.storage.bucket}/${t.storage.key}`,
          '--region',
          t.storage.region,
          ...(t.storage.endpoint ? ['--s3-endpoint', t.storage.endpoint] : []),
        ]
      : t.storage
        ? ['--storage', t.storage.path]
        : [];
  return [
    'init',
    '--name',
    t.name,
    '--download',
    t.endToEnd.url,
    '--app',
    t.app.url,
    ...(t.proxy ? ['--proxy', t.proxy.url] : []),
    ...storage,
  ];
}

/**
 * Where the storage and proxy checks get AWS credentials: the SDK's default chain. Said when a check could not
 * run without them.
 */
export const CREDENTIALS_CHAIN =
  "S3 is read with the AWS SDK's default credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with " +
  'AWS_SESSION_TOKEN) in the environment, else AWS_PROFILE and the shared files (~/.aws/credentials, ' +
  "~/.aws/config, SSO included), else the container's or the instance's role";

export async function init(options: InitOptions): Promise<number> {
  const file = resolve(options.output ?? DEFAULT_CONFIG_FILES[options.format === 'json' ? 1 : 0]);
  if (existsSync(file) && !options.force) {
    throw new UsageError(`${file} exists: pass --force to overwrite it`);
  }
  if (!options.output) {
    // Two default files side by side would make every command refuse to choose.
    const other = resolve(DEFAULT_CONFIG_FILES[options.format === 'json' ? 0 : 1]);
    if (existsSync(other)) {
      throw new UsageError(`${other} exists already: remove it, or write elsewhere with --output FILE`);
    }
  }
  if (options.app && !options.download) throw new UsageError('--app needs --download URL too');
  const given = options.storage
    ? storageOf(
        options.storage,
        options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
        options.s3Endpoint,
      )
    : undefined;
  const [sentinel, app] = await Promise.all([
    options.download ? sentinelOfUrl(options.download, '--download') : undefined,
    options.app ? offloadOfApp(options.app) : undefined,
  ]);
  const auth = await proxyAuthOf(given, app);
  const storage = given && auth ? { ...given, proxyAuth: auth.proxyAuth } : given;
  const facts: InitFacts = {
    name: options.name,
    sentinel,
    endToEndUrl: options.download,
    appUrl: options.app,
    offload: app?.offload,
    proxyUrl: options.proxy,
    storage,
    source: options.download
      ? `what ${options.download} served on ${new Date().toISOString().slice(0, 10)}`
      : undefined,
  };
  const text = options.format === 'json' ? configJson(facts) : configTs(facts);

  // Anything wrong besides the TODOs (a bad --name, a bad URL) is refused before a file is written.
  const v = validateConfig({ targets: [initTarget(facts)] });
  const problems = v.ok ? [] : v.problems.filter((p) => !isTodo(p.value));
  if (problems.length > 0) throw new UsageError(`init: ${formatProblems(problems)}`);
  writeFileSync(file, text);

  const shown = options.output ?? basename(file);
  console.error(
    `wrote ${shown}${sentinel ? ` (sentinel: ${sentinel.size} bytes, sha256 ${sentinel.sha256.slice(0, 12)}…${sentinel.contentType ? `, ${sentinel.contentType}` : ''})` : ''}`,
  );
  if (app) console.error(`the app answers ${app.offload.header}: ${app.offload.value}`);
  if (auth) console.error(`storage.proxyAuth: "${auth.proxyAuth}": ${auth.why}`);
  const missing = [
    ...(options.proxy ? [] : ['--proxy URL (a proxy location serving the sentinel straight from storage)']),
    ...(storage ? [] : ['--storage s3://BUCKET/KEY or PATH']),
  ];
  const hint =
    missing.length > 0 &&
    `to name the layer at fault when a check fails, add ${missing.join(' and ')}${options.format === 'ts' ? ' (see the comments in the file)' : ''}`;
  if (!v.ok) {
    console.error(`fill in: ${v.problems.map((p) => p.path).join(', ')}`);
    if (hint) console.error(hint);
    return EXIT.healthy;
  }

  // The proof: every check with the config as written, whatever each says.
  const [target] = v.config.targets as [Target];
  console.error(`checking ${target.name} with every check (as \`download-doctor check all\`):`);
  const report = await checkAll(target, localProbes());
  for (const line of reportLines(report)) console.log(line);
  const code = initExit(report);
  for (const line of couldNotRun(report)) console.error(line);
  if (hint) console.error(hint);
  const config = options.output ? ` --config ${options.output}` : '';
  if (code === EXIT.healthy) console.error(`next: npx download-doctor run${config}`);
  else
    console.error(
      `the checks above fail with this config: fix the stack or ${shown}, then npx download-doctor check all${config}`,
    );
  return code;
}

/** The bucket's proxyAuth, when the storage is S3 and the app answered with X-Accel-Redirect. */
async function proxyAuthOf(storage: StorageInput | undefined, app: AppAnswer | undefined) {
  if (storage?.type !== 's3' || app?.offload.header !== 'X-Accel-Redirect') return undefined;
  return inferProxyAuth(app.signed, app.signed ? undefined : await anonymousRead(storage));
}

/** The checks that could not run for want of the monitor's credentials, and where those come from. */
function couldNotRun(report: Report): string[] {
  const stopped = report.results.filter((r) => r.kind !== undefined && MONITOR_KINDS.has(r.kind));
  if (stopped.length === 0) return [];
  return [
    ...stopped.map((r) => `the ${r.layer} check could not run: ${r.message}`),
    `${CREDENTIALS_CHAIN}; then check again: npx download-doctor check all`,
  ];
}

/**
 * init's exit code, from the checks of the written config (docs/cli.md): 0 when downloads work and every check
 * the config sets up passes or could only not run for want of credentials; 1 when the stack is degraded or
 * failed; 2 when downloads work but a diagnostic the file sets up fails (its settings are wrong).
 */
function initExit(report: Report): number {
  if (report.verdict.status !== 'healthy') return EXIT.unhealthy;
  const wrong = report.results.filter(
    (r) => !r.ok && r.kind !== 'not-configured' && !(r.kind !== undefined && MONITOR_KINDS.has(r.kind)),
  );
  return wrong.length > 0 ? EXIT.usage : EXIT.healthy;
}
