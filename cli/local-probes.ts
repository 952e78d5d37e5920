/** The probes of a local run: real HTTP, real storage, secrets from the environment. */

import type { PresignProbe, StorageProbe } from '../functions/checks/probes.ts';
import type { CheckDeps } from '../functions/checks/run.ts';
import { httpProbe } from '../functions/probes/http.ts';
import { envResolver } from '../functions/probes/secrets.ts';

// The S3 client loads only when a check needs it: the storage check (stage 2, or `check storage`), or the proxy
// check of a private bucket (which signs its request).
const storage = () => import('../functions/probes/storage.ts');
// Every argument is passed on: the storage probe's options bound the bytes it reads (the sentinel's size).
const lazyStorageProbe: StorageProbe = async (...args) => (await storage()).storageProbe(...args);
const lazyPresignProbe: PresignProbe = async (...args) => (await storage()).presignProbe(...args);

export function localProbes(env: NodeJS.ProcessEnv = process.env): CheckDeps {
  return {
    probes: { http: httpProbe, storage: lazyStorageProbe, presign: lazyPresignProbe },
    secrets: envResolver(env),
  };
}
