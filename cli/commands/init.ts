/**
 * `download-doctor init`: writes a commented config into the current project. With --download (and --app) it
 * asks the live stack once and fills in the sentinel and the offload header, so that the first `run` passes
 * against a working stack; what it cannot learn is left as TODO values that fail validation until filled in.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { formatProblems, validateConfig } from '../../functions/config/validate.ts';
import { UsageError } from '../../functions/contract/errors.ts';
import { DEFAULT_CONFIG_FILES } from '../../functions/probes/config-file.ts';
import {
  configJson,
  configTs,
  type InitFacts,
  initTarget,
  isTodo,
  type StorageInput,
} from '../config-template.ts';
import { EXIT } from '../exit-codes.ts';
import { offloadOfApp, sentinelOfUrl } from '../sentinel.ts';

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
  const storage = options.storage
    ? storageOf(
        options.storage,
        options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
        options.s3Endpoint,
      )
    : undefined;
  const [sentinel, offload] = await Promise.all([
    options.download ? sentinelOfUrl(options.download, '--download') : undefined,
    options.app ? offloadOfApp(options.app) : undefined,
  ]);
  const facts: InitFacts = {
    name: options.name,
    sentinel,
    endToEndUrl: options.download,
    appUrl: options.app,
    offload,
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

  const todo = v.ok ? [] : v.problems.map((p) => p.path);
  console.error(
    `wrote ${basename(file)}${sentinel ? ` (sentinel: ${sentinel.size} bytes, sha256 ${sentinel.sha256.slice(0, 12)}…)` : ''}`,
  );
  if (offload) console.error(`the app answers ${offload.header}: ${offload.value}`);
  if (todo.length > 0) console.error(`fill in: ${todo.join(', ')}`);
  else console.error(`next: npx download-doctor run${options.output ? ` --config ${options.output}` : ''}`);
  if (!options.proxy || !storage) {
    const where = options.format === 'ts' ? ' (see the comments)' : '';
    console.error(`add proxy and storage to name the layer at fault when a check fails${where}`);
  }
  return EXIT.healthy;
}
