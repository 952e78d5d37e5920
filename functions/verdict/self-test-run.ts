/**
 * The deploy-time self-test run: every check of every target (all four layers), each by invoking its deployed
 * function (so its role, VPC and DNS are what is tested), judged by functions/verdict/self-test.ts.
 */
import { crashedResult } from '../checks/conditions.ts';
import type { Config } from '../config/schema.ts';
import { LAYERS, type Layer } from '../contract/names.ts';
import type { CheckResult } from '../contract/types.ts';
import { checkResultSchema, wireProblems } from '../contract/wire.ts';
import { judgeSelfTest, type SelfTestFinding } from './self-test.ts';

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

/** Every check of every target, all at once; the findings of every target. */
export async function runSelfTest(
  config: Config,
  invoke: InvokeCheck,
  now = new Date(),
): Promise<SelfTestFinding[]> {
  const perTarget = await Promise.all(
    config.targets.map(async (t) => {
      const results = await Promise.all(LAYERS.map((layer) => checkOf(invoke, layer, t.name, now)));
      return judgeSelfTest(t.name, results);
    }),
  );
  return perTarget.flat();
}
