/**
 * Renders the workflow chain to Amazon States Language. `npm run build` writes infra/workflow.asl.json,
 * which the CLI's local engine runs; a test fails when that file is stale.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { HandlerName } from '../functions/contract/workflow.ts';
import { HANDLER_NAMES } from '../functions/contract/workflow.ts';
import { buildFleet } from './fleet.ts';
import { buildWorkflow } from './workflow.ts';

export const ASL_PATH = new URL('./workflow.asl.json', import.meta.url);

/** The placeholder ARN of a handler's function in the rendered ASL (the deployed template has the real ones). */
export const placeholderArn = (name: HandlerName) =>
  `arn:aws:lambda:us-east-1:123456789012:function:download-doctor-${name}`;

export function renderAsl(): string {
  const stack = new Stack(new App(), 'Render');
  const fns = Object.fromEntries(
    HANDLER_NAMES.map((name) => [name, lambda.Function.fromFunctionArn(stack, name, placeholderArn(name))]),
  ) as Record<HandlerName, lambda.IFunction>;
  const chain = buildWorkflow(stack, fns);
  const graph = new sfn.StateGraph(sfn.Chain.start(chain).startState, 'download-doctor');
  return `${JSON.stringify(stack.resolve(graph.toGraphJson()), null, 2)}\n`;
}

/** The placeholder ARNs of the fleet workflow's plan function and of the per-target workflow it starts. */
export const FLEET_PLACEHOLDERS = {
  plan: 'arn:aws:lambda:us-east-1:123456789012:function:download-doctor-plan',
  workflow: 'arn:aws:states:us-east-1:123456789012:stateMachine:download-doctor',
} as const;

/** The fleet workflow (infra/fleet.ts) as ASL, for its own tests (it is deployed, never run by the CLI). */
export function renderFleetAsl(maxConcurrency = 40): string {
  const stack = new Stack(new App(), 'RenderFleet');
  const chain = buildFleet(
    stack,
    lambda.Function.fromFunctionArn(stack, 'plan', FLEET_PLACEHOLDERS.plan),
    sfn.StateMachine.fromStateMachineArn(stack, 'workflow', FLEET_PLACEHOLDERS.workflow),
    maxConcurrency,
  );
  const graph = new sfn.StateGraph(sfn.Chain.start(chain).startState, 'download-doctor fleet');
  return `${JSON.stringify(stack.resolve(graph.toGraphJson()), null, 2)}\n`;
}
