/**
 * The fleet workflow (infra/fleet.ts), apart from the construct: valid ASL (asl-validator), and run on the local
 * engine (aws-local-stepfunctions) with its tasks stubbed: the plan's runs each wait for their start, then start
 * their per-target run once; a start that fails does not stop the others.
 */
import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { FLEET_STATES } from '../../infra/fleet.ts';
import { renderFleetAsl } from '../../infra/render-asl.ts';

const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const definition = JSON.parse(renderFleetAsl(4));

describe('the fleet workflow', () => {
  it('passes asl-validator', () => {
    const { isValid, errors } = aslValidator(definition);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('starts each planned run at its start, once, with its target and whether it is a full run', async () => {
    const t0 = Date.now();
    const runs = ['a', 'b', 'c', 'd', 'e', 'f'].map((target, i) => ({
      target,
      startAt: new Date(t0 + 100 + i * 60).toISOString(),
      allLayers: target === 'c',
      confirmWaitSeconds: i,
    }));
    const started: { target: string; allLayers: boolean; confirmWaitSeconds: number; at: number }[] = [];
    const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
    const execution = machine.run(
      { periodMs: 300_000, tick: new Date(t0).toISOString() },
      {
        overrides: {
          taskResourceLocalHandlers: {
            [FLEET_STATES.plan]: async () => ({ runs }),
            [FLEET_STATES.start]: async (input: {
              Input: { target: string; allLayers: boolean; confirmWaitSeconds: number };
            }) => {
              if (input.Input.target === 'e') throw new Error('throttled');
              started.push({ ...input.Input, at: Date.now() });
              return { ExecutionArn: `arn:${input.Input.target}` };
            },
          },
        } as never,
      },
    );
    await execution.result;
    expect(started.map((s) => s.target).sort()).toEqual(['a', 'b', 'c', 'd', 'f']);
    expect(started.find((s) => s.target === 'c')?.allLayers).toBe(true);
    expect(started.find((s) => s.target === 'a')?.allLayers).toBe(false);
    // The wait before a confirmation travels with each run (the per-target workflow's Wait state reads it).
    expect(started.find((s) => s.target === 'd')?.confirmWaitSeconds).toBe(3);
    // Each waited for its own start (TimestampPath), though four run at once at most.
    for (const s of started) {
      const planned = Date.parse(runs.find((r) => r.target === s.target)?.startAt ?? '');
      expect(s.at).toBeGreaterThanOrEqual(planned - 5);
    }
  });
});
