import { readFileSync } from 'node:fs';
import { findTarget } from '../../functions/core/config.ts';
import { putSentinel } from '../../functions/probes/storage.ts';
import { loadConfig } from '../config-file.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Options } from '../main.ts';

/** Uploads a sentinel to the target's S3 location and prints the `sentinel` block for the config. */
export async function seed(options: Options): Promise<number> {
  if (!options.file) throw new UsageError('seed needs --file PATH (the sentinel to upload)');
  const config = await loadConfig(options.config);
  const target = findTarget(config, options.target);
  if (target.storage.type !== 's3') {
    throw new UsageError(
      `target "${target.name}" stores on the filesystem: copy the file to ${target.storage.path} instead`,
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
  const { sha256, size } = await putSentinel(target.storage, body, options.contentType);
  console.error(`uploaded ${options.file} to s3://${target.storage.bucket}/${target.storage.key}`);
  console.log(
    JSON.stringify(
      { sentinel: { sha256, size, ...(options.contentType ? { contentType: options.contentType } : {}) } },
      null,
      2,
    ),
  );
  return EXIT.healthy;
}
