import v8 from 'node:v8';
import type { Config } from '../functions/config/schema.ts';

/** From this size on, a sentinel's body would fill V8's default young generation many times over. */
export const BIG_SENTINEL_BYTES = 64 * 1024 * 1024;

/**
 * A download's body arrives in fresh 64 KiB buffers, freed at V8's next scavenge, which by default may wait for
 * dozens of MiB of them: for a big sentinel, a small young generation scavenges sooner (1 GiB: under 100 MiB at
 * peak, not 120). Only then: the extra scavenges cost about 30 ms of every start, which a small sentinel never
 * needs. Call it once the config is read, before any check runs.
 */
export function fitHeapTo(config: Config): void {
  if (config.targets.some((t) => t.sentinel.size >= BIG_SENTINEL_BYTES)) smallYoungGeneration();
}

/** V8's young generation kept small (see fitHeapTo): for a download whose size is not known beforehand, too. */
export function smallYoungGeneration(): void {
  v8.setFlagsFromString('--scavenger-max-new-space-capacity-mb=1');
}
