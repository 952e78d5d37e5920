/**
 * The verdict: which layer is at fault, derived from the check results by one table of rules.
 *
 * Read it against the recipe (write-healthchecks): end to end is the summary check; when it fails, storage,
 * the proxy and the app are judged separately, and the first layer that fails explains the ones downstream.
 * The first matching row wins.
 *
 * The rules read data only: each result's kind, ok, slow and evidence, and its conditions' kind, pass and data
 * fields (contract/wire.ts). Never a message, a subject, or a value as it prints: rewording them changes no verdict
 * (test/unit/verdict-wording.test.ts).
 */

import { contentTypesMatch } from '../contract/content-type.ts';
import { CACHE_HEADERS, type FailureKind, type Layer } from '../contract/names.ts';
import { briefOffload } from '../contract/text.ts';
import type { CheckResult } from '../contract/types.ts';
import { firstFailure } from '../contract/wire.ts';
import { isReadFailure, type Results, type Rule } from './outcome.ts';

const msg = (r: Results, layer: Layer) => r[layer]?.message ?? 'not run';
const e2e = (r: Results) => `end to end: ${msg(r, 'end-to-end')}`;
const offloadSeen = (r: Results) => {
  const headers = r.app?.observed.headers ?? {};
  const [name, value] = Object.entries(headers).find(([k]) => k.startsWith('x-')) ?? ['offload header', '?'];
  return `${name}: ${briefOffload(value)}`;
};

/** Where to look when proxy and app each work but not together, in the words of the proxy the header is for. */
const glueHint = (r: Results): string => {
  const headers = r.app?.observed.headers ?? {};
  const leaked = r['end-to-end']?.kind === 'header-leak';
  if ('x-sendfile' in headers || 'x-lighttpd-send-file' in headers) {
    return leaked
      ? 'the proxy does not act on the header: check `XSendFile On` (Apache) or `"allow-x-send-file" => "enable"` (lighttpd) on the download route'
      : 'check the download route (its way to the app, the Host it sends), that X-Sendfile is allowed there, and that the path the app sends is under the allowed directory (`XSendFilePath` for Apache, `x-sendfile-docroot` for lighttpd)';
  }
  if (leaked)
    return 'the proxy passes the header through: check that the route is proxied by nginx and does not ignore X-Accel-Redirect';
  // Cut while the proxy check reads the whole sentinel: what the internal location buffers for a slow client.
  if (r['end-to-end']?.kind === 'truncated')
    return 'the download is cut while the proxy check reads it whole: check what the internal location buffers for a client slower than storage (a writable proxy_temp_path, proxy_max_temp_file_size: 1 GiB by default, storage closing a connection nginx stopped reading)';
  return "check the proxy's route to the app (the Host it sends) and the internal location the header names";
};

/** Failures of a check's request that mean nothing answered at all (no connection). */
const NO_CONNECTION: readonly FailureKind[] = ['connect-refused', 'connect-failed'];

/** Failures of what the download's headers say: their values, their number, the encoding they announce. */
const HEADER_KINDS: readonly FailureKind[] = [
  'header-mismatch',
  'filename-mismatch',
  'header-conflict',
  'content-decoding',
];

/** The response header the end-to-end check's first failure is about (`content-type`), when it is a header's. */
function failedHeader(r: CheckResult | undefined): string | undefined {
  const failed = r && firstFailure(r.conditions);
  return failed && HEADER_KINDS.includes(failed.kind) ? failed.header : undefined;
}

/**
 * Storage holds the wrong value of the header end to end fails on: the object's metadata (its condition failed),
 * or, on disk, a type map that gives the file's name another media type than the sentinel's.
 */
function storageCarries(r: Results): { header: string; value: string } | undefined {
  const header = failedHeader(r['end-to-end']);
  const storage = r.storage;
  const value = header && storage?.observed.headers?.[header];
  if (!header || value === undefined || !storage) return undefined;
  // S3: the storage check judged the object's own metadata (its conditions name the header).
  const objectCondition = storage.conditions.find((c) => c.header === header);
  if (objectCondition) return objectCondition.pass ? undefined : { header, value };
  // On disk, the value is a type map's guess: only a media type that differs from the sentinel's says anything.
  if (header !== 'content-type') return undefined;
  const download = r['end-to-end']?.conditions.find((c) => c.probe === 'download' && c.header === header);
  const wanted = download?.expectedValue;
  const seen = download?.observedValue;
  if (typeof wanted !== 'string' || typeof seen !== 'string') return undefined;
  return !contentTypesMatch(value, wanted) && contentTypesMatch(seen, value) ? { header, value } : undefined;
}

/** A proxy in front of S3 answers 404 (or 403) with nothing of storage's in it, and end to end gets 404 too. */
const masksStorage = (r: Results) => {
  const failed = r.proxy && firstFailure(r.proxy.conditions);
  return (
    failed?.kind === 'status' &&
    failed.storageSign === false &&
    (failed.observedValue === 403 || failed.observedValue === 404) &&
    r['end-to-end']?.observed.status === 404
  );
};

/** The host and port a check reached (or tried to), from its target URL. */
const addressOf = (r: CheckResult | undefined, otherwise: string) => {
  try {
    return new URL(r?.target ?? '').host || otherwise;
  } catch {
    return otherwise;
  }
};

/** Where the proxy check reached the proxy (its host and port). */
const proxyAddress = (r: Results) => addressOf(r.proxy, 'the proxy');

/** The app's port did not answer at all: what that reads as, by the failure's kind. */
const APP_UNANSWERED: Partial<Record<FailureKind, (port: string) => string>> = {
  'connect-refused': (port) => `the app's port ${port} refuses connections: is the app running?`,
  'connect-failed': (port) =>
    `the app's port ${port} cannot be reached: is its host up, and the port open to the monitor?`,
  timeout: (port) => `the app's port ${port} does not answer in time: is the app overloaded or hung?`,
  reset: (port) => `the app's port ${port} drops the connection: is the app crashing?`,
};

/** The summary of an app that gave no answer (refused, unreachable, timed out, reset), with the check's words. */
const appUnanswered = (r: Results): string | undefined => {
  const say = r.app?.kind && APP_UNANSWERED[r.app.kind];
  return say ? `${say(addressOf(r.app, "the app's URL"))} (${msg(r, 'app')}); ${e2e(r)}` : undefined;
};

/** The conditional probe failed on the offload header: the app answered with it, and the proxy passed it on. */
const conditionalOffload = (r: Results) => {
  const failed = firstFailure(r['end-to-end']?.conditions ?? []);
  return failed?.probe === 'conditional' && failed.header !== undefined;
};

/** End to end got the whole body, of the sentinel's size (not cut, not longer), but other bytes. */
const wholeBodyOtherBytes = (r: Results) => {
  const e2e = r['end-to-end'];
  const size = e2e?.conditions.find(
    (c) => c.probe === 'download' && (c.kind === 'size-mismatch' || c.kind === 'truncated'),
  );
  return e2e?.kind === 'checksum-mismatch' && size?.pass === true;
};

/** A validator's value as compared: an ETag without its weak mark, a date as a time. */
const validator = (name: string, v: string): string | number =>
  name === 'last-modified' ? Date.parse(v) : v.replace(/^W\//, '');

/**
 * What in the download's headers shows that a copy served it, not storage's object: validators that storage's
 * object no longer has, or a cache's own headers (Age, a cache status). Each with its value.
 */
function copySigns(r: Results): string[] {
  const seen = r['end-to-end']?.observed.headers ?? {};
  const object = r.storage?.observed.headers ?? {};
  const signs: string[] = [];
  for (const name of ['etag', 'last-modified']) {
    const mine = seen[name];
    const theirs = object[name];
    if (mine !== undefined && theirs !== undefined && validator(name, mine) !== validator(name, theirs))
      signs.push(`${name}: ${mine} where storage's object has ${theirs}`);
  }
  for (const name of CACHE_HEADERS) if (seen[name] !== undefined) signs.push(`${name}: ${seen[name]}`);
  return signs;
}

export const RULES: readonly Rule[] = [
  // Stage 1: end to end and the app.
  {
    id: 'end-to-end-could-not-run',
    when: { 'end-to-end': 'inconclusive' },
    status: 'failed',
    fault: 'unknown',
    summary: (r) => `the end-to-end check could not run, so nothing is known: ${msg(r, 'end-to-end')}`,
  },
  {
    // Nothing answered at the end-to-end URL, while the proxy check reached the proxy: the route to the app
    // (which needs an answer first) is not in question.
    id: 'end-to-end-unreachable',
    when: { 'end-to-end': { kind: NO_CONNECTION }, proxy: 'ok' },
    status: 'failed',
    fault: 'unknown',
    summary: (r) =>
      `the end-to-end URL cannot be reached at all (${msg(r, 'end-to-end')}), while the proxy check reached ` +
      `${proxyAddress(r)}: this is not the proxy's route to the app; check the end-to-end URL's host and port ` +
      '(in the config, or DNS), or what listens in front of the proxy (a load balancer)',
  },
  // The download works, but one of the end-to-end layer's extra probes fails: the proxy's configuration.
  {
    id: 'internal-location-exposed',
    when: { 'end-to-end': { kind: 'internal-exposed' } },
    status: 'degraded',
    fault: 'proxy',
    summary: (r) =>
      `SECURITY: downloads work, but the internal offload location serves outside requests, so storage is ` +
      `exposed without the app's access checks (is "internal;" missing?): ${msg(r, 'end-to-end')}`,
  },
  {
    // Django streaming the file itself ignores Range: the app is the cause, not the proxy.
    id: 'served-not-offloaded-no-ranges',
    when: { 'end-to-end': { kind: 'range-ignored' }, app: 'not-offloaded' },
    status: 'degraded',
    fault: 'app',
    summary: (r) =>
      `the file is served, but not offloaded: the app streams it itself, and without Range support (${msg(r, 'app')})`,
  },
  {
    id: 'range-ignored',
    when: { 'end-to-end': { kind: 'range-ignored' } },
    status: 'degraded',
    fault: 'proxy',
    summary: (r) =>
      `downloads work, but Range requests do not get a partial answer, so resumed downloads start over: ${msg(r, 'end-to-end')}`,
  },
  {
    // The app answers HEAD otherwise than GET too: the app's (a view limited to GET, say).
    id: 'head-fails-at-app',
    when: { 'end-to-end': { kind: 'head-mismatch' }, app: { kind: 'head-mismatch' } },
    status: 'degraded',
    fault: 'app',
    summary: (r) =>
      `downloads work, but HEAD does not answer as GET does, from the app already: ${msg(r, 'app')}`,
  },
  {
    id: 'head-fails-at-proxy',
    when: { 'end-to-end': { kind: 'head-mismatch' }, app: 'ok' },
    status: 'degraded',
    fault: 'proxy',
    summary: (r) =>
      `downloads work, but HEAD through the proxy does not answer as GET does, while the app answers HEAD ` +
      `(a storage URL signed for GET only answers GET): ${msg(r, 'end-to-end')}`,
  },
  {
    id: 'conditional-answered-with-offload',
    when: { 'end-to-end': { kind: 'conditional-mismatch' } },
    also: conditionalOffload,
    status: 'degraded',
    fault: 'app',
    summary: (r) =>
      `downloads work, but the app answers a conditional GET with the offload header, which reaches the client ` +
      `(caches keep an empty answer): ${msg(r, 'end-to-end')}`,
  },
  {
    id: 'conditional-mismatch',
    when: { 'end-to-end': { kind: 'conditional-mismatch' } },
    status: 'degraded',
    fault: 'proxy',
    summary: (r) =>
      `downloads work, but a conditional GET (a cache revalidating) gets a wrong answer: ${msg(r, 'end-to-end')}`,
  },
  {
    // Storage and proxy may fail here in a full run (every check ran): downloads work, so their failures are
    // about the checks' own settings, a monitor warning (see monitorWarning), not a page.
    id: 'healthy',
    when: {
      'end-to-end': 'fast',
      app: 'fast',
      storage: ['fast', 'not-run', 'fail', 'inconclusive'],
      proxy: ['fast', 'not-run', 'fail', 'inconclusive'],
    },
    status: 'healthy',
    fault: null,
    summary: (r) => `downloads work and are offloaded (${offloadSeen(r)})`,
  },
  {
    id: 'served-not-offloaded',
    when: { 'end-to-end': 'ok', app: 'not-offloaded' },
    status: 'degraded',
    fault: 'app',
    summary: (r) => `the file is served, but not offloaded: the app streams it itself (${msg(r, 'app')})`,
  },
  {
    id: 'served-app-check-fails',
    when: { 'end-to-end': 'ok', app: 'fail' },
    status: 'degraded',
    fault: 'app',
    summary: (r) => `downloads work, but the app's own port fails its check: ${msg(r, 'app')}`,
  },
  {
    id: 'served-app-check-could-not-run',
    when: { 'end-to-end': 'ok', app: 'inconclusive' },
    status: 'degraded',
    fault: 'unknown',
    summary: (r) => `downloads work, but the app check could not run: ${msg(r, 'app')}`,
  },
  {
    id: 'slow-storage',
    when: { 'end-to-end': 'ok', app: 'ok', storage: 'slow' },
    status: 'degraded',
    fault: 'storage',
    summary: (r) => `downloads work but are slow, and storage is slow: ${msg(r, 'storage')}`,
  },
  {
    id: 'slow-proxy',
    when: { 'end-to-end': 'ok', app: 'ok', proxy: 'slow' },
    status: 'degraded',
    fault: 'proxy',
    summary: (r) =>
      `downloads work but are slow, and the proxy is slow to serve from storage: ${msg(r, 'proxy')}`,
  },
  {
    id: 'slow-app',
    when: { 'end-to-end': 'ok', app: 'slow' },
    status: 'degraded',
    fault: 'app',
    summary: (r) => `downloads work, but the app is slow to answer: ${msg(r, 'app')}`,
  },
  {
    id: 'slow-end-to-end',
    when: { 'end-to-end': 'slow', app: 'ok' },
    status: 'degraded',
    fault: 'unknown',
    summary: (r) => `downloads work but are slow, and no single layer is slow: ${e2e(r)}`,
  },
  // End to end fails: its cause is named from the other three checks.
  {
    // A copy between the client and storage: the download is whole and of the sentinel's size, but old bytes,
    // while storage and the proxy's own route serve the sentinel; its headers show where it came from.
    id: 'stale-copy-in-path',
    when: { 'end-to-end': { kind: 'checksum-mismatch' }, storage: 'ok', proxy: 'ok' },
    also: (r) => wholeBodyOtherBytes(r) && copySigns(r).length > 0,
    status: 'failed',
    fault: 'proxy',
    summary: (r) =>
      `downloads get other bytes of the sentinel's size, while storage and the proxy's own route serve the ` +
      `sentinel: a cache (or a CDN, or a second copy) between the client and storage keeps old bytes, as the ` +
      `download's headers show (${copySigns(r).join('; ')}); purge it, or fix its key or lifetime: ${e2e(r)}`,
  },
  {
    // The wrong header end to end is what storage holds: the object's metadata (or, on disk, the file's name).
    id: 'object-metadata',
    when: { 'end-to-end': 'fail' },
    also: (r) => storageCarries(r) !== undefined,
    status: 'failed',
    fault: 'storage',
    summary: (r) => {
      const { header, value } = storageCarries(r) ?? { header: '?', value: '?' };
      const source =
        r.storage?.kind === 'metadata-mismatch'
          ? "the object's metadata"
          : "the type map, by the file's name";
      return `clients get what storage holds besides the bytes: ${header}: ${JSON.stringify(value)} (${source}); end to end: ${msg(r, 'end-to-end')}`;
    },
  },
  {
    // The cross-check: the proxy serves the sentinel's exact bytes from storage in the same run, so storage
    // serves it; the storage check reading nothing (or other bytes) is about its own settings.
    id: 'storage-check-settings',
    when: { 'end-to-end': 'fail', proxy: 'ok' },
    also: (r) => isReadFailure(r.storage),
    status: 'failed',
    fault: 'unknown',
    summary: (r) =>
      `the proxy serves the sentinel's exact bytes from storage, yet the storage check fails (${msg(r, 'storage')}): ` +
      `its own settings (bucket, key, region, endpoint, credentials) are wrong, so storage is not at fault; ` +
      `end to end: ${msg(r, 'end-to-end')}; app: ${msg(r, 'app')}`,
  },
  {
    id: 'storage-fails',
    when: { 'end-to-end': 'fail', storage: 'fail' },
    also: (r) => isReadFailure(r.storage),
    status: 'failed',
    fault: 'storage',
    summary: (r) =>
      `storage cannot serve the sentinel, which explains everything downstream: ${msg(r, 'storage')}`,
  },
  {
    id: 'storage-check-could-not-run',
    when: { 'end-to-end': 'fail', storage: ['inconclusive', 'not-run'] },
    status: 'failed',
    fault: 'unknown',
    summary: (r) => `end to end fails and the storage check could not run (${msg(r, 'storage')}); ${e2e(r)}`,
  },
  {
    // A 404 (or 403) from the proxy's own storage location without anything of S3's in it, while storage reads
    // fine: the proxy answers in S3's place (error_page with proxy_intercept_errors hides S3's own error).
    id: 'proxy-masks-storage-errors',
    when: { 'end-to-end': 'fail', storage: 'readable', proxy: 'fail' },
    also: masksStorage,
    status: 'failed',
    fault: 'proxy',
    summary: (r) =>
      `the proxy cannot serve from storage, and its error carries nothing of storage's (no x-amz-* header, no S3 ` +
      `error document), though storage reads fine: the proxy may be masking storage's error ` +
      `(proxy_intercept_errors with error_page): ${msg(r, 'proxy')}`,
  },
  {
    id: 'proxy-fails',
    when: { 'end-to-end': 'fail', storage: 'readable', proxy: 'fail' },
    status: 'failed',
    fault: 'proxy',
    summary: (r) => `the proxy cannot serve from storage, though storage itself is fine: ${msg(r, 'proxy')}`,
  },
  {
    id: 'proxy-check-could-not-run',
    when: { 'end-to-end': 'fail', storage: 'readable', proxy: ['inconclusive', 'not-run'] },
    status: 'failed',
    fault: 'unknown',
    summary: (r) => `end to end fails and the proxy check could not run (${msg(r, 'proxy')}); ${e2e(r)}`,
  },
  {
    id: 'app-fails',
    when: { 'end-to-end': 'fail', storage: 'readable', proxy: 'ok', app: 'fail' },
    status: 'failed',
    fault: 'app',
    summary: (r) =>
      r.app?.kind === 'filename-mismatch'
        ? `the app offloads the file under another name: ${msg(r, 'app')}`
        : (appUnanswered(r) ??
          `the app does not answer with the offload header: ${msg(r, 'app')}; ${e2e(r)}`),
  },
  {
    id: 'app-check-could-not-run',
    when: { 'end-to-end': 'fail', storage: 'readable', proxy: 'ok', app: 'inconclusive' },
    status: 'failed',
    fault: 'unknown',
    summary: (r) => `end to end fails and the app check could not run (${msg(r, 'app')}); ${e2e(r)}`,
  },
  {
    // The app sends the right headers (its check), storage holds the right ones: the proxy changes them.
    id: 'proxy-changes-headers',
    when: { 'end-to-end': { kind: HEADER_KINDS }, storage: 'readable', proxy: 'ok', app: 'ok' },
    status: 'failed',
    fault: 'proxy',
    summary: (r) =>
      `the app and storage send the right headers, yet the download's are wrong: the proxy changes them ` +
      `(a header it adds, hides or compresses on the route): ${msg(r, 'end-to-end')}`,
  },
  {
    id: 'proxy-answers-badly',
    when: { 'end-to-end': { kind: 'bad-response' }, storage: 'readable', proxy: 'ok', app: 'ok' },
    status: 'failed',
    fault: 'proxy',
    summary: (r) =>
      `the proxy answers the download route with invalid HTTP or oversized headers, while the app answers well: ${msg(r, 'end-to-end')}`,
  },
  {
    id: 'proxy-app-glue',
    when: { 'end-to-end': 'fail', storage: 'readable', proxy: 'ok', app: 'ok' },
    status: 'failed',
    fault: 'proxy-app',
    summary: (r) =>
      `the proxy can serve from storage and the app sends the right header (${offloadSeen(r)}), ` +
      `yet end to end fails (${msg(r, 'end-to-end')}): ${glueHint(r)}`,
  },
];

/** The last resort, when no row matches: the rules are total, so this says a row is missing. */
export const NO_RULE_MATCHED: Rule = {
  id: 'no-rule-matched',
  when: {},
  status: 'failed',
  fault: 'unknown',
  summary: (r) => `the results do not point to a layer; ${e2e(r)}`,
};
