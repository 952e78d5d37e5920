import { readFileSync } from 'node:fs';
import { findTarget } from '../../functions/config/targets.ts';
import { UsageError } from '../../functions/contract/errors.ts';
import { loadConfig } from '../../functions/probes/config-file.ts';
import { putSentinel } from '../../functions/probes/storage.ts';
import { EXIT } from '../exit-codes.ts';

export interface SeedOptions {
  file: string;
  contentType?: string;
  config?: string;
  target?: string;
}

/** Uploads a sentinel to the target's S3 location and prints the `sentinel` block for the config. */
export async function seed(options: SeedOptions): Promise<number> {
  const { config, file } = await loadConfig(options.config);
  const target = findTarget(config, options.target);
  const storage = target.storage;
  if (storage?.type !== 's3') {
    throw new UsageError(
      storage
        ? `target "${target.name}" stores on the filesystem: copy the file to ${storage.path} instead`
        : `target "${target.name}" has no storage in ${file}: add one (s3) to seed it`,
    );
  }
  let body: Buffer;
  try {
    body = readFileSync(options.file);
  } catch (err) {
    throw new UsageError(
      `--file: cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const { sha256, size } = await putSentinel(storage, body, options.contentType);
  console.error(`uploaded ${options.file} to s3://${storage.bucket}/${storage.key}`);
  const sentinel = { sha256, size, ...(options.contentType ? { contentType: options.contentType } : {}) };
  console.log(JSON.stringify({ sentinel }, null, 2));
  return EXIT.healthy;
}
