/** The proxy check's judgement: a proxy location serves the sentinel straight from storage. Pure. */
import type { Target } from '../config/schema.ts';
import type { CheckResult, Evidence, HttpObservation } from '../contract/types.ts';
import {
  CACHE_EVIDENCE_HEADERS,
  type Context,
  EVIDENCE_HEADERS,
  redirectNotes,
  responseEvidence,
  result,
  sentinelConditions,
  statusIs,
  unreachable,
} from './conditions.ts';

export function assessProxy(
  t: Target,
  obs: HttpObservation,
  ctx: Omit<Context, 'layer' | 'degradedMs'>,
): CheckResult {
  const c: Context = { ...ctx, layer: 'proxy', degradedMs: t.proxy?.degradedMs };
  const expected: Evidence = { status: 200, bytes: t.sentinel.size, sha256: t.sentinel.sha256 };
  if (!obs.reached) return unreachable(c, obs, expected);
  const status = statusIs(t, obs, 200);
  // A proxy in front of S3 whose error carries nothing of S3's: it made the answer up, or masks S3's.
  if (!status.pass && status.storageSign === false && status.kind === 'status')
    status.observed = `${status.observed} (no sign of storage in it: no x-amz-* header, no S3 error document)`;
  const conditions = [status, ...sentinelConditions(t, obs.bytes, obs.sha256, obs.truncated, obs.overflow)];
  const observed = responseEvidence(obs, [...EVIDENCE_HEADERS, ...CACHE_EVIDENCE_HEADERS]);
  return result(
    c,
    conditions,
    expected,
    observed,
    obs.timings,
    `served the sentinel from storage (${obs.bytes} bytes)`,
    redirectNotes(obs),
    obs.certificateNotAfter,
  );
}
