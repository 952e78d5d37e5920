/**
 * The four checks. Each is a function of the target and the probes: build the request (core), perform it
 * (probes), judge it (core). A failed check returns `ok: false`; only a broken check itself throws.
 */
import { assessApp, assessEndToEnd, assessProxy, assessStorage, RANGE_BYTES } from './core/assess.ts';
import type { HttpCheckConfig, Target } from './core/config.ts';
import type { Layer } from './core/names.ts';
import type { Probes } from './core/probe.ts';
import { httpRequest, printableUrl } from './core/requests.ts';
import type { CheckResult, HttpObservation } from './core/types.ts';
import { resolveHeaders, SecretMissingError, type SecretResolver } from './probes/secrets.ts';

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

function storageLocation(t: Target): string {
  return t.storage.type === 's3' ? `s3://${t.storage.bucket}/${t.storage.key}` : t.storage.path;
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
      const ctx = { target: printableUrl(t.proxy.url), startedAt };
      // A private bucket: the proxy passes the query on to S3, so the request carries the monitor's signature
      // (and no cache-busting parameter, which S3 would refuse as unsigned; the signature is new every time).
      if (t.storage.type === 's3' && t.storage.proxyAuth === 'presigned') {
        const signed = await deps.probes.presign(t.storage);
        if (!signed.ok) return assessProxy(t, { reached: false, ...signed, timings: { totalMs: 0 } }, ctx);
        const url = `${t.proxy.url}${t.proxy.url.includes('?') ? '&' : '?'}${signed.query}`;
        return assessProxy(t, await probeHttp(t.proxy, { body: 'hash', url, cacheBust: false }, deps), ctx);
      }
      return assessProxy(t, await probeHttp(t.proxy, { body: 'hash' }, deps), ctx);
    }
    case 'storage': {
      const obs = await deps.probes.storage(t.storage);
      return assessStorage(t, obs, { target: storageLocation(t), startedAt });
    }
  }
}
