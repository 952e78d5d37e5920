/** The probes of a local run: real HTTP, real storage, secrets from the environment. */
import type { CheckDeps } from '../functions/checks.ts';
import type { StorageProbe } from '../functions/core/probe.ts';
import { httpProbe } from '../functions/probes/http.ts';
import { envResolver } from '../functions/probes/secrets.ts';

/** The storage probe, loaded (with the S3 client) only when a storage check runs: stage 2, or `check storage`. */
const lazyStorageProbe: StorageProbe = async (storage) =>
  (await import('../functions/probes/storage.ts')).storageProbe(storage);

export function localProbes(env: NodeJS.ProcessEnv = process.env): CheckDeps {
  return { probes: { http: httpProbe, storage: lazyStorageProbe }, secrets: envResolver(env) };
}
