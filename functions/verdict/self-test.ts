/**
 * The deploy-time self-test's judgement, pure: every check of a target (all four layers) in, the findings out.
 * It fails a deployment only when the monitor itself is broken, never because a target is unhealthy:
 * - a check that could not run (it crashed or could not be invoked, a secret it cannot read, a name it cannot
 *   resolve, a request it cannot build): an IAM, VPC or DNS mistake, or a bad setting;
 * - the storage check denied, or unable to reach S3, or sent to a bucket that does not exist: its role, the
 *   bucket's policy, the VPC's S3 endpoint, or the setting;
 * - the storage check reading another object than the proxy serves (missing, or other bytes) while the proxy
 *   serves the sentinel: the storage setting does not match the stack.
 * Everything else (a status, a timeout, a refused connection) is the target's health: reported, not fatal.
 */
import { crashedResult } from '../checks/conditions.ts';
import type { Config } from '../config/schema.ts';
import { mapLimit, SELF_TEST_CONCURRENCY } from '../contract/concurrency.ts';
import { LAYERS, type Layer } from '../contract/names.ts';
import type { CheckResult } from '../contract/types.ts';
import { checkResultSchema, wireProblems } from '../contract/wire.ts';

export interface SelfTestFinding {
  target: string;
  layer: Layer;
  /** The monitor is broken (the deployment fails), or the target is unhealthy (reported only). */
  broken: boolean;
  message: string;
}

const COULD_NOT_RUN = new Set(['check-error', 'secret-missing', 'dns', 'invalid-request']);
const STORAGE_SETTING = new Set(['s3-access-denied', 's3-unreachable', 's3-no-such-bucket']);
const OTHER_OBJECT = new Set(['s3-no-such-key', 'size-mismatch', 'checksum-mismatch', 'fs-not-found']);

function why(r: CheckResult, proxyServes: boolean): string | undefined {
  const kind = r.kind ?? '';
  if (COULD_NOT_RUN.has(kind)) return `the check could not run (${kind}): ${r.message}`;
  if (r.layer !== 'storage') return undefined;
  if (STORAGE_SETTING.has(kind)) return `the storage check cannot read the sentinel (${kind}): ${r.message}`;
  if (OTHER_OBJECT.has(kind) && proxyServes)
    return `the storage setting does not match what the proxy serves (${kind}): ${r.message}`;
  return undefined;
}

/** The findings of one target: every failed check, each marked broken (the monitor's) or not (the target's). */
export function judgeSelfTest(target: string, results: readonly CheckResult[]): SelfTestFinding[] {
  const proxyServes = results.some((r) => r.layer === 'proxy' && r.ok);
  return results
    .filter((r) => !r.ok && r.kind !== 'not-configured')
    .map((r) => {
      const broken = why(r, proxyServes);
      return { target, layer: r.layer, broken: broken !== undefined, message: broken ?? r.message };
    });
}

/** The reason CloudFormation shows: the broken findings first (CloudFormation keeps about 4 KB of it). */
export function selfTestReason(findings: readonly SelfTestFinding[]): string {
  const broken = findings.filter((f) => f.broken);
  const unhealthy = findings.filter((f) => !f.broken);
  const line = (f: SelfTestFinding) => `${f.target}/${f.layer}: ${f.message}`;
  const text = broken.length
    ? `download-doctor self-test: the monitor is broken: ${broken.map(line).join('; ')}`
    : `download-doctor self-test passed${unhealthy.length ? `; unhealthy targets (not the monitor's fault): ${unhealthy.map(line).join('; ')}` : ''}`;
  return text.length > 3000 ? `${text.slice(0, 2999)}…` : text;
}

/** The physical id of a passed self-test: it carries the fingerprint of what was tested. */
export const selfTestId = (fingerprint: string) => `download-doctor-self-test-${fingerprint}`;

/**
 * Whether a request needs a run: Delete never does; an Update whose properties were already tested (the physical
 * id carries their fingerprint) does not either. That is a rollback: CloudFormation sends the old properties back
 * while the new functions still stand, and failing it would leave the stack in UPDATE_ROLLBACK_FAILED.
 */
export function selfTestNeeded(request: {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string | undefined;
  fingerprint: string;
}): boolean {
  if (request.RequestType === 'Delete') return false;
  return !(
    request.RequestType === 'Update' && request.PhysicalResourceId === selfTestId(request.fingerprint)
  );
}

/**
 * The deploy-time self-test run: every check of every target (all four layers), each by invoking its deployed
 * function (so its role, VPC and DNS are what is tested), judged by functions/verdict/self-test.ts.
 */

/** Invokes a layer's check function for a target; resolves with its payload, or rejects with why not. */
export type InvokeCheck = (layer: Layer, target: string) => Promise<unknown>;

async function checkOf(invoke: InvokeCheck, layer: Layer, target: string, now: Date): Promise<CheckResult> {
  try {
    const out = wireProblems(checkResultSchema, await invoke(layer, target));
    if (out.ok) return out.data;
    return crashedResult(
      layer,
      target,
      `a result that breaks the contract: ${out.problems.join('; ')}`,
      now.toISOString(),
    );
  } catch (err) {
    return crashedResult(
      layer,
      target,
      String((err as Error).message ?? err).slice(0, 500),
      now.toISOString(),
    );
  }
}

/** Every check of every target, SELF_TEST_CONCURRENCY at a time; the findings of every target. */
export async function runSelfTest(
  config: Config,
  invoke: InvokeCheck,
  now = new Date(),
  concurrency = SELF_TEST_CONCURRENCY,
): Promise<SelfTestFinding[]> {
  const checks = config.targets.flatMap((t) => LAYERS.map((layer) => ({ target: t.name, layer })));
  const results = await mapLimit(checks, concurrency, (c) => checkOf(invoke, c.layer, c.target, now));
  return config.targets.flatMap((t, i) =>
    judgeSelfTest(t.name, results.slice(LAYERS.length * i, LAYERS.length * (i + 1))),
  );
}
