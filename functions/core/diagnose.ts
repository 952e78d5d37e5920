/**
 * The verdict: which layer is at fault, derived from the check results by one table of rules.
 *
 * Read it against the recipe (write-healthchecks): end to end is the summary check; when it fails, storage,
 * the proxy and the app are judged separately, and the first layer that fails explains the ones downstream.
 * The first matching row wins.
 */

import { type FailureKind, type Fault, INCONCLUSIVE_KINDS, type Layer, type Status } from './names.ts';
import { briefOffload } from './requests.ts';
import type { CheckResult, StageResults, Verdict } from './types.ts';

/** How one check came out, as the rules see it. */
export type Outcome = 'fast' | 'slow' | 'fail' | 'inconclusive' | 'not-run';

export function outcomeOf(r: CheckResult | undefined): Outcome {
  if (!r) return 'not-run';
  if (r.ok) return r.slow ? 'slow' : 'fast';
  return r.kind && INCONCLUSIVE_KINDS.has(r.kind) ? 'inconclusive' : 'fail';
}

/** A cell of the table: one outcome, several, `ok` (fast or slow), or `not-offloaded` (the app's silent fallback). */
type Match = Outcome | 'ok' | 'not-offloaded' | readonly Outcome[] | { kind: FailureKind };

type Results = Partial<Record<Layer, CheckResult>>;

export interface Rule {
  id: string;
  when: Partial<Record<Layer, Match>>;
  status: Status;
  fault: Fault | null;
  /** One line for a person paged at night. */
  summary: (r: Results) => string;
}

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
  return leaked
    ? 'the proxy passes the header through: check that the route is proxied by nginx and does not ignore X-Accel-Redirect'
    : "check the proxy's route to the app (the Host it sends) and the internal location the header names";
};

export const RULES: readonly Rule[] = [
  // Stage 1: end to end and the app.
  {
    id: 'end-to-end-could-not-run',
    when: { 'end-to-end': 'inconclusive' },
    status: 'failed',
    fault: 'unknown',
    summary: (r) => `the end-to-end check could not run, so nothing is known: ${msg(r, 'end-to-end')}`,
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
    id: 'healthy',
    when: { 'end-to-end': 'fast', app: 'fast', storage: ['fast', 'not-run'], proxy: ['fast', 'not-run'] },
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
    id: 'storage-fails',
    when: { 'end-to-end': 'fail', storage: 'fail' },
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
    id: 'proxy-fails',
    when: { 'end-to-end': 'fail', storage: 'ok', proxy: 'fail' },
    status: 'failed',
    fault: 'proxy',
    summary: (r) => `the proxy cannot serve from storage, though storage itself is fine: ${msg(r, 'proxy')}`,
  },
  {
    id: 'proxy-check-could-not-run',
    when: { 'end-to-end': 'fail', storage: 'ok', proxy: ['inconclusive', 'not-run'] },
    status: 'failed',
    fault: 'unknown',
    summary: (r) => `end to end fails and the proxy check could not run (${msg(r, 'proxy')}); ${e2e(r)}`,
  },
  {
    id: 'app-fails',
    when: { 'end-to-end': 'fail', storage: 'ok', proxy: 'ok', app: 'fail' },
    status: 'failed',
    fault: 'app',
    summary: (r) =>
      r.app?.kind === 'filename-mismatch'
        ? `the app offloads the file under another name: ${msg(r, 'app')}`
        : `the app does not answer with the offload header: ${msg(r, 'app')}; ${e2e(r)}`,
  },
  {
    id: 'app-check-could-not-run',
    when: { 'end-to-end': 'fail', storage: 'ok', proxy: 'ok', app: 'inconclusive' },
    status: 'failed',
    fault: 'unknown',
    summary: (r) => `end to end fails and the app check could not run (${msg(r, 'app')}); ${e2e(r)}`,
  },
  {
    id: 'proxy-app-glue',
    when: { 'end-to-end': 'fail', storage: 'ok', proxy: 'ok', app: 'ok' },
    status: 'failed',
    fault: 'proxy-app',
    summary: (r) =>
      `the proxy can serve from storage and the app sends the right header (${offloadSeen(r)}), ` +
      `yet end to end fails (${msg(r, 'end-to-end')}): ${glueHint(r)}`,
  },
];

function matches(match: Match | undefined, r: CheckResult | undefined): boolean {
  if (match === undefined) return true;
  const outcome = outcomeOf(r);
  if (match === 'ok') return outcome === 'fast' || outcome === 'slow';
  if (match === 'not-offloaded') return r?.kind === 'not-offloaded';
  if (typeof match === 'object' && 'kind' in match) return r?.kind === match.kind;
  // `fail` includes the not-offloaded kind; rows that treat it apart come first.
  if (typeof match === 'string') return match === outcome;
  return match.includes(outcome);
}

const LAYER_FAULT: Partial<Record<Layer, Fault>> = { storage: 'storage', proxy: 'proxy', app: 'app' };
const EVIDENCE_ORDER: Record<Fault, Layer[]> = {
  storage: ['storage', 'end-to-end', 'proxy', 'app'],
  proxy: ['proxy', 'end-to-end', 'storage', 'app'],
  app: ['app', 'end-to-end', 'storage', 'proxy'],
  'proxy-app': ['end-to-end', 'app', 'proxy', 'storage'],
  unknown: ['end-to-end', 'app', 'storage', 'proxy'],
};

export function byLayer(stages: StageResults): Results {
  const out: Results = {};
  for (const r of [...stages.stage1, ...(stages.stage2 ?? [])]) out[r.layer] = r;
  return out;
}

/** Applies the rules. Total: a row for every combination exists, with `unknown` as the last resort. */
export function diagnose(stages: StageResults): Verdict {
  const r = byLayer(stages);
  const rule = RULES.find((row) =>
    (Object.keys(row.when) as Layer[]).every((layer) => matches(row.when[layer], r[layer])),
  ) ?? {
    id: 'no-rule-matched',
    when: {},
    status: 'failed' as const,
    fault: 'unknown' as const,
    summary: (res: Results) => `the results do not point to a layer; ${e2e(res)}`,
  };
  const failing = (['storage', 'proxy', 'app'] as const).filter((l) => outcomeOf(r[l]) === 'fail');
  const faults: Fault[] = rule.fault ? [rule.fault] : [];
  for (const layer of failing) {
    const fault = LAYER_FAULT[layer];
    if (fault && !faults.includes(fault)) faults.push(fault);
  }
  const evidence = EVIDENCE_ORDER[rule.fault ?? 'unknown']
    .map((l) => r[l])
    .filter((x): x is CheckResult => x !== undefined && (!x.ok || x.slow))
    .map((x) => `${x.layer}: ${x.message}`);
  return {
    status: rule.status,
    fault: rule.fault,
    faults,
    summary: rule.summary(r),
    rule: rule.id,
    evidence,
  };
}
