/**
 * Lambda entry of the deploy-time self-test, a CloudFormation custom resource (the construct's `selfTest`): on
 * Create and Update it runs every check of every target through the deployed check functions, and answers
 * FAILED when the monitor itself is broken (functions/verdict/self-test.ts). It always answers, before its own
 * timeout: an unanswered custom resource holds a deployment for an hour.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { LAYERS, type Layer } from '../../contract/names.ts';
import {
  runSelfTest,
  type SelfTestFinding,
  selfTestId,
  selfTestNeeded,
  selfTestReason,
} from '../../verdict/self-test.ts';
import {
  type AnswerTo,
  answerTo,
  type CustomResourceEvent,
  parseCustomResourceEvent,
} from '../custom-resource-event.ts';
import { requiredEnv } from '../env.ts';
import { configFromFile } from '../lambda.ts';

/** The check functions' names by layer, as the construct sets them. */
const functions = JSON.parse(requiredEnv('CHECK_FUNCTIONS')) as Record<Layer, string>;
const lambda = new LambdaClient({ maxAttempts: 2 });

async function invoke(layer: Layer, target: string): Promise<unknown> {
  const out = await lambda.send(
    new InvokeCommand({ FunctionName: functions[layer], Payload: JSON.stringify({ target }) }),
  );
  const text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
  if (out.FunctionError)
    throw new Error(`${functions[layer]} failed (${out.FunctionError}): ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function respond(
  e: CustomResourceEvent | AnswerTo,
  ok: boolean,
  reason: string,
  physicalId: string,
): Promise<void> {
  const body = JSON.stringify({
    Status: ok ? 'SUCCESS' : 'FAILED',
    Reason: reason,
    PhysicalResourceId: physicalId,
    StackId: e.StackId,
    RequestId: e.RequestId,
    LogicalResourceId: e.LogicalResourceId,
  });
  // The response URL is presigned for a PUT without a content type.
  const res = await fetch(e.ResponseURL, {
    method: 'PUT',
    body,
    headers: { 'content-type': '' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`CloudFormation refused the response: HTTP ${res.status}`);
}

export async function handler(event: unknown, context: { getRemainingTimeInMillis(): number }) {
  let e: CustomResourceEvent;
  try {
    e = parseCustomResourceEvent(event);
  } catch (err) {
    // Answered all the same when it can be (FAILED, with the reason): an unanswered request holds the deployment.
    const reason = `download-doctor self-test: ${(err as Error).message}`.slice(0, 3000);
    const to = answerTo(event);
    console.error(JSON.stringify({ selfTest: 'invalid event', reason, answered: to !== undefined }));
    if (!to) throw err;
    return respond(to, false, reason, to.PhysicalResourceId ?? selfTestId('invalid-event'));
  }
  const fingerprint = e.ResourceProperties.Fingerprint ?? 'none';
  const previous = e.PhysicalResourceId ?? selfTestId(fingerprint);
  if (!selfTestNeeded({ ...e, fingerprint })) {
    console.log(JSON.stringify({ selfTest: 'skipped', request: e.RequestType }));
    return respond(e, true, `download-doctor self-test: nothing to test on ${e.RequestType}`, previous);
  }
  let findings: SelfTestFinding[];
  try {
    // Answer before the timeout: a check still running then counts as not answering.
    const budget = Math.max(1_000, context.getRemainingTimeInMillis() - 15_000);
    findings = await Promise.race([
      runSelfTest(configFromFile(), invoke),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`the checks did not answer within ${budget} ms`)), budget).unref(),
      ),
    ]);
  } catch (err) {
    const reason = `download-doctor self-test could not run: ${(err as Error).message}`.slice(0, 3000);
    console.error(JSON.stringify({ selfTest: 'error', reason }));
    return respond(e, false, reason, previous);
  }
  const reason = selfTestReason(findings);
  const broken = findings.some((f) => f.broken);
  console.log(JSON.stringify({ selfTest: broken ? 'broken' : 'passed', layers: LAYERS, findings }));
  return respond(e, !broken, reason, broken ? previous : selfTestId(fingerprint));
}
