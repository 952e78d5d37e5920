/**
 * The four checks. Each is a function of the target and the probes: build the request (core), perform it
 * (probes), judge it (core). A failed check returns `ok: false`; only a broken check itself throws.
 *
 * Every result leaves through runCheck, which redacts the secrets the check resolved (and the error of a check
 * that throws), then makes every string of it safe to print (contract/text.ts: control characters escaped, long
 * values cut): every output, the stored report, the page and the logs are made of these results.
 */

import type { HttpCheckConfig, Target } from '../config/schema.ts';
import { MonitorCredentialsError, SecretMissingError } from '../contract/errors.ts';
import type { Layer } from '../contract/names.ts';
import { safeDeep } from '../contract/text.ts';
import type { CheckResult, HttpObservation } from '../contract/types.ts';
import { assessApp } from './app.ts';
import { notConfiguredResult } from './conditions.ts';
import { assessEndToEnd, RANGE_BYTES, validatorsOf } from './end-to-end.ts';
import type { Probes } from './probes.ts';
import { assessProxy } from './proxy.ts';
import { redactDeep, redactor } from './redact.ts';
import { httpRequest, printableUrl } from './requests.ts';
import { describeRef, resolveHeaders, type SecretResolver } from './secrets.ts';
import { assessStorage } from './storage.ts';
import { storageLocation } from './where.ts';

export interface CheckDeps {
  probes: Probes;
  secrets: SecretResolver;
  /** A fresh value per request for cache busting; injectable for tests. */
  nonce?: () => string;
  now?: () => Date;
}

type ProbeOptions = Omit<Parameters<typeof httpRequest>[2], 'nonce'>;

/** Resolves the check's headers (each secret value goes into `secrets`), then performs the request. */
async function probeHttp(
  check: HttpCheckConfig,
  options: ProbeOptions,
  deps: CheckDeps,
  secrets: Set<string>,
): Promise<HttpObservation> {
  let headers: Record<string, string>;
  try {
    const resolved = await resolveHeaders(check.headers, deps.secrets);
    for (const secret of resolved.secrets) secrets.add(secret);
    headers = resolved.headers;
  } catch (err) {
    if (!(err instanceof SecretMissingError)) throw err;
    // The monitor's own credentials failed to read the secret: the monitor needs fixing.
    const kind = err instanceof MonitorCredentialsError ? err.kind : 'secret-missing';
    return { reached: false, kind, error: err.message, timings: { totalMs: 0 } };
  }
  const nonce = deps.nonce?.() ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return deps.probes.http(httpRequest(check, headers, { ...options, nonce }));
}

/** How the request was made, where that is not plain from the URL: the reader of a report needs to know. */
function requestNotes(check: HttpCheckConfig): string[] {
  const notes: string[] = [];
  if (check.connectTo) {
    const host = new URL(check.url).host;
    notes.push(
      `connected to ${check.connectTo}, not to the address of ${host}; sent Host: ${check.host ?? host}`,
    );
  }
  for (const [name, value] of Object.entries(check.headers ?? {})) {
    if (typeof value !== 'string')
      notes.push(
        `sent ${name} from ${describeRef(value)}; its value is shown as [redacted] wherever it came back`,
      );
  }
  return notes;
}

function withNotes(r: CheckResult, notes: readonly string[]): CheckResult {
  const all = [...notes, ...(r.notes ?? [])];
  return all.length ? { ...r, notes: all } : r;
}

export async function runCheck(layer: Layer, t: Target, deps: CheckDeps): Promise<CheckResult> {
  const secrets = new Set<string>();
  try {
    // Redaction first: a secret cut in two, or with an escaped character in it, would no longer match.
    return safeDeep(redactDeep(await check(layer, t, deps, secrets), redactor(secrets)));
  } catch (err) {
    // A crash becomes the workflow's check-error evidence, with this message as its cause: redact it too.
    if (err instanceof Error) {
      const redact = redactor(secrets);
      err.message = redact(err.message);
      if (err.stack) err.stack = redact(err.stack);
    }
    throw err;
  }
}

async function check(layer: Layer, t: Target, deps: CheckDeps, secrets: Set<string>): Promise<CheckResult> {
  const startedAt = (deps.now?.() ?? new Date()).toISOString();
  switch (layer) {
    case 'end-to-end': {
      // The download as a browser asks for it (its Accept-Encoding; the body decoded, and never read past the
      // sentinel's size), and beside it the optional probes: the internal location from outside (it must be
      // refused), the first RANGE_BYTES bytes by Range (206, the same bytes as the download's first ones), and a
      // HEAD (as GET); after it, a conditional GET with the validators it gave.
      const { internalUrl, rangeProbe, headProbe, conditionalProbe, acceptEncoding } = t.endToEnd;
      const encoding = acceptEncoding === false ? {} : { acceptEncoding };
      const maxBytes = t.sentinel.size;
      const [obs, internal, range, head] = await Promise.all([
        probeHttp(
          t.endToEnd,
          { body: 'hash', headBytes: rangeProbe ? RANGE_BYTES : 0, maxBytes, ...encoding },
          deps,
          secrets,
        ),
        internalUrl ? probeHttp(t.endToEnd, { body: 'peek', url: internalUrl }, deps, secrets) : undefined,
        rangeProbe
          ? probeHttp(
              t.endToEnd,
              { body: 'hash', range: `bytes=0-${RANGE_BYTES - 1}`, maxBytes: RANGE_BYTES },
              deps,
              secrets,
            )
          : undefined,
        headProbe
          ? probeHttp(t.endToEnd, { body: 'peek', method: 'HEAD', ...encoding }, deps, secrets)
          : undefined,
      ]);
      const validators = conditionalProbe ? validatorsOf(obs) : undefined;
      const conditional = validators
        ? await probeHttp(
            t.endToEnd,
            { body: 'hash', conditional: validators, maxBytes, ...encoding },
            deps,
            secrets,
          )
        : undefined;
      const ctx = { target: printableUrl(t.endToEnd.url), startedAt };
      const extra = { internal, range, head, conditional };
      return withNotes(assessEndToEnd(t, obs, ctx, extra), requestNotes(t.endToEnd));
    }
    case 'app': {
      // Headers only: the body is peeked at, to tell "no header, no body" from the app streaming the file itself.
      // With the HEAD probe, a HEAD too: when HEAD fails through the proxy, it tells the app from the proxy.
      const [obs, head] = await Promise.all([
        probeHttp(t.app, { body: 'peek' }, deps, secrets),
        t.endToEnd.headProbe ? probeHttp(t.app, { body: 'peek', method: 'HEAD' }, deps, secrets) : undefined,
      ]);
      const ctx = { target: printableUrl(t.app.url), startedAt };
      return withNotes(assessApp(t, obs, ctx, head), requestNotes(t.app));
    }
    case 'proxy': {
      if (!t.proxy) return notConfiguredResult('proxy', t.name, startedAt);
      const ctx = { target: printableUrl(t.proxy.url), startedAt };
      const notes = requestNotes(t.proxy);
      // A private bucket: the proxy passes the query on to S3, so the request carries the monitor's signature
      // (and no cache-busting parameter, which S3 would refuse as unsigned; the signature is new every time).
      if (t.storage?.type === 's3' && t.storage.proxyAuth === 'presigned') {
        const signed = await deps.probes.presign(t.storage);
        if (!signed.ok) return assessProxy(t, { reached: false, ...signed, timings: { totalMs: 0 } }, ctx);
        const url = `${t.proxy.url}${t.proxy.url.includes('?') ? '&' : '?'}${signed.query}`;
        const obs = await probeHttp(
          t.proxy,
          { body: 'hash', url, cacheBust: false, maxBytes: t.sentinel.size },
          deps,
          secrets,
        );
        return withNotes(assessProxy(t, obs, ctx), notes);
      }
      const obs = await probeHttp(t.proxy, { body: 'hash', maxBytes: t.sentinel.size }, deps, secrets);
      return withNotes(assessProxy(t, obs, ctx), notes);
    }
    case 'storage': {
      if (!t.storage) return notConfiguredResult('storage', t.name, startedAt);
      const obs = await deps.probes.storage(t.storage, { maxBytes: t.sentinel.size });
      return assessStorage(t, obs, { target: storageLocation(t.storage), startedAt });
    }
  }
}
