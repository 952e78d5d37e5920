/**
 * The four checks. Each is a function of the target and the probes: build the request (core), perform it
 * (probes), judge it (core). A failed check returns `ok: false`; only a broken check itself throws.
 */
import {
  assessApp,
  assessEndToEnd,
  assessProxy,
  assessStorage,
  notConfiguredResult,
  RANGE_BYTES,
} from './core/assess.ts';
import type { HttpCheckConfig, StorageConfig, Target } from './core/config.ts';
import { SecretMissingError } from './core/errors.ts';
import type { Layer } from './core/names.ts';
import type { Probes } from './core/probe.ts';
import { httpRequest, printableUrl } from './core/requests.ts';
import type { CheckResult, HttpObservation } from './core/types.ts';
import { resolveHeaders, type SecretResolver } from './probes/secrets.ts';

export interface CheckDeps {
  probes: Probes;
  secrets: SecretResolver;
  /** A fresh value per request for cache busting; injectable for tests. */
  nonce?: () => string;
  now?: () => Date;
}

type ProbeOptions = Omit<Parameters<typeof httpRequest>[2], 'nonce'>;

async function probeHttp(
  check: HttpCheckConfig,
  options: ProbeOptions,
  deps: CheckDeps,
): Promise<HttpObservation> {
  let headers: Record<string, string>;
  try {
    headers = await resolveHeaders(check.headers, deps.secrets);
  } catch (err) {
    if (!(err instanceof SecretMissingError)) throw err;
    return { reached: false, kind: 'secret-missing', error: err.message, timings: { totalMs: 0 } };
  }
  const nonce = deps.nonce?.() ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return deps.probes.http(httpRequest(check, headers, { ...options, nonce }));
}

function storageLocation(storage: StorageConfig): string {
  return storage.type === 's3' ? `s3://${storage.bucket}/${storage.key}` : storage.path;
}

export async function runCheck(layer: Layer, t: Target, deps: CheckDeps): Promise<CheckResult> {
  const startedAt = (deps.now?.() ?? new Date()).toISOString();
  switch (layer) {
    case 'end-to-end': {
      // The download, and beside it the optional probes: the internal location from outside (it must be
      // refused), and the first RANGE_BYTES bytes by Range (206, the same bytes as the download's first ones).
      const { internalUrl, rangeProbe } = t.endToEnd;
      const [obs, internal, range] = await Promise.all([
        probeHttp(t.endToEnd, { body: 'hash', headBytes: rangeProbe ? RANGE_BYTES : 0 }, deps),
        internalUrl ? probeHttp(t.endToEnd, { body: 'peek', url: internalUrl }, deps) : undefined,
        rangeProbe
          ? probeHttp(t.endToEnd, { body: 'hash', range: `bytes=0-${RANGE_BYTES - 1}` }, deps)
          : undefined,
      ]);
      return assessEndToEnd(t, obs, { target: printableUrl(t.endToEnd.url), startedAt }, { internal, range });
    }
    case 'app': {
      // Headers only: the body is peeked at, to tell "no header, no body" from the app streaming the file itself.
      const obs = await probeHttp(t.app, { body: 'peek' }, deps);
      return assessApp(t, obs, { target: printableUrl(t.app.url), startedAt });
    }
    case 'proxy': {
      if (!t.proxy) return notConfiguredResult('proxy', t.name, startedAt);
      const obs = await probeHttp(t.proxy, { body: 'hash' }, deps);
      return assessProxy(t, obs, { target: printableUrl(t.proxy.url), startedAt });
    }
    case 'storage': {
      if (!t.storage) return notConfiguredResult('storage', t.name, startedAt);
      const obs = await deps.probes.storage(t.storage);
      return assessStorage(t, obs, { target: storageLocation(t.storage), startedAt });
    }
  }
}
