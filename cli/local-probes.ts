/** The probes of a local run: real HTTP, real storage, secrets from the environment. */

import type { PresignProbe, StorageProbe } from '../functions/checks/probes.ts';
import type { CheckDeps } from '../functions/checks/run.ts';
import { httpProbe } from '../functions/probes/http.ts';
import { envResolver } from '../functions/probes/secrets.ts';

// The S3 client loads only when a check needs it: the storage check (stage 2, or `check storage`), or the proxy
// check of a private bucket (which signs its request).
const storage = () => import('../functions/probes/storage.ts');
const lazyStorageProbe: StorageProbe = async (s) => (await storage()).storageProbe(s);
const lazyPresignProbe: PresignProbe = async (s) => (await storage()).presignProbe(s);

export function localProbes(env: NodeJS.ProcessEnv = process.env): CheckDeps {
  return {
    probes: { http: httpProbe, storage: lazyStorageProbe, presign: lazyPresignProbe },
    secrets: envResolver(env),
  };
}
