/** Finding targets in a validated config, and what a target's settings imply. Pure. */
import { TargetNotFoundError } from '../contract/errors.ts';
import type { Config, S3StorageConfig, Target } from './schema.ts';

/** Where an S3 bucket is reached: what the addressing of its objects depends on. */
export type S3Address = Pick<S3StorageConfig, 'bucket' | 'region' | 'endpoint' | 'forcePathStyle'>;

/** With an endpoint (moto, MinIO, a VPC endpoint) path-style is the default; on AWS, virtual-hosted is. */
export function s3PathStyle(storage: S3Address): boolean {
  return storage.forcePathStyle ?? storage.endpoint !== undefined;
}

/** Where S3 is reached: the configured endpoint, or the region's. */
export function s3Endpoint(storage: S3Address): URL {
  return new URL(storage.endpoint ?? `https://s3.${storage.region}.amazonaws.com`);
}

/** The targets of one stack, the written target first: a target and those of its extra sentinels. */
export function stackTargets(config: Config, target: Target): Target[] {
  const stack = target.stack ?? target.name;
  return config.targets.filter((t) => (t.stack ?? t.name) === stack);
}

/** Finds a target by name; the error lists the names that exist. */
export function findTarget(config: Config, name: string | undefined): Target {
  if (name === undefined) {
    // One written target: it, even when its extra sentinels add targets (name those to pick them).
    const [only, ...rest] = config.targets;
    if (only && rest.every((t) => t.stack === only.name)) return only;
    throw new TargetNotFoundError(
      `several targets are configured; choose one with --target (${config.targets.map((t) => t.name).join(', ')})`,
    );
  }
  const target = config.targets.find((t) => t.name === name);
  if (!target) {
    throw new TargetNotFoundError(
      `no target named "${name}" (configured: ${config.targets.map((t) => t.name).join(', ')})`,
    );
  }
  return target;
}
