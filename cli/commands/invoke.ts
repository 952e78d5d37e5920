/**
 * `download-doctor invoke`: runs one target on the deployed workflow (Step Functions) and prints its verdict like
 * `run` does. The state machine comes from --state-machine-arn or DOWNLOAD_DOCTOR_STATE_MACHINE_ARN; the region
 * from --region, else from that ARN.
 */
import { randomBytes } from 'node:crypto';
import {
  ExecutionFailedError,
  NotAReportError,
  UsageError,
  WireFormatError,
} from '../../functions/contract/errors.ts';
import type { Report } from '../../functions/contract/types.ts';
import { parseReport } from '../../functions/contract/wire.ts';
import type { ExecutionInput } from '../../functions/contract/workflow.ts';
import {
  createSfnClient,
  type ExecutionOutcome,
  executeAndWait,
  isUnknownStateMachine,
  type SfnClientLike,
  startExecution,
} from '../../functions/probes/sfn.ts';
import { EXIT } from '../exit-codes.ts';
import { checkLine, exitCode, toHtml, toJson, toJunit, verdictLines } from '../format.ts';

export const ARN_ENV = 'DOWNLOAD_DOCTOR_STATE_MACHINE_ARN';

export interface InvokeOptions {
  /** Required: the CLI refuses to go without it; this function says so too, for other callers. */
  target?: string | undefined;
  format: 'table' | 'json' | 'junit' | 'html';
  stateMachineArn?: string | undefined;
  endpoint?: string | undefined;
  region?: string | undefined;
  /** false: start the execution, print its ARN and return at once. */
  wait?: boolean | undefined;
  /** A full run: all four checks whatever stage 1 says. */
  allLayers?: boolean | undefined;
}

export interface InvokeDeps {
  /** Replaces the SDK client (tests). */
  client?: SfnClientLike;
  env?: NodeJS.ProcessEnv;
  deadlineMs?: number;
  pollMs?: number;
}

const STATE_MACHINE_ARN = /^arn:[\w-]+:states:([a-z0-9-]+):\d{12}:stateMachine:[^:\s]+(:[^:\s]+)?$/;

export async function invoke(options: InvokeOptions, deps: InvokeDeps = {}): Promise<number> {
  const { target } = options;
  if (!target) throw new UsageError('invoke needs --target NAME (a target of the deployed config)');
  const arn = options.stateMachineArn || (deps.env ?? process.env)[ARN_ENV];
  if (!arn) {
    throw new UsageError(
      `invoke needs the workflow's state machine: --state-machine-arn ARN, or ${ARN_ENV} (the stack's Workflow state machine)`,
    );
  }
  const arnRegion = STATE_MACHINE_ARN.exec(arn)?.[1];
  if (!arnRegion) {
    throw new UsageError(
      `not a state machine ARN: "${arn}" (expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)`,
    );
  }
  const region = options.region ?? arnRegion;
  if (deps.client) return await invokeWith(deps.client, { arn, region, target }, options, deps);
  const client = createSfnClient({ region, endpoint: options.endpoint });
  try {
    return await invokeWith(client, { arn, region, target }, options, deps);
  } finally {
    client.destroy();
  }
}

async function invokeWith(
  client: SfnClientLike,
  { arn, region, target }: { arn: string; region: string; target: string },
  options: InvokeOptions,
  deps: InvokeDeps,
): Promise<number> {
  const input: ExecutionInput = { target, ...(options.allLayers ? { allLayers: true } : {}) };
  const run = { name: executionName(target), input: JSON.stringify(input) };
  try {
    if (options.wait === false) {
      const executionArn = await startExecution(client, arn, run);
      console.log(options.format === 'json' ? JSON.stringify({ executionArn }, null, 2) : executionArn);
      return EXIT.healthy;
    }
    const outcome = await executeAndWait(client, arn, {
      ...run,
      deadlineMs: deps.deadlineMs,
      pollMs: deps.pollMs,
    });
    const report = reportOf(outcome);
    if (options.format === 'json') console.log(toJson([report]));
    else if (options.format === 'junit') console.log(toJunit([report]));
    else if (options.format === 'html') console.log(toHtml([report], { stateMachineArn: arn }));
    else {
      console.log(`${report.target}: execution ${outcome.executionArn}`);
      for (const r of report.results) console.log(checkLine(r));
      for (const line of verdictLines(report.target, report.verdict)) console.log(line);
    }
    return exitCode([report]);
  } catch (err) {
    if (isUnknownStateMachine(err)) throw new UsageError(`${err.name}: ${err.message} (region ${region})`);
    throw err;
  }
}

/** A name to find the run by in the console: dd-TARGET-TIME-RANDOM (80 characters at most, no ":" or "/"). */
function executionName(target: string): string {
  const safe = target.replace(/[^\w-]/g, '-').slice(0, 40);
  return `dd-${safe}-${Date.now()}-${randomBytes(3).toString('hex')}`;
}

/** The verdict from a finished execution; any other ending is an error naming the execution. */
function reportOf(outcome: ExecutionOutcome): Report {
  const { executionArn, status } = outcome;
  if (status !== 'SUCCEEDED') {
    const why = [outcome.error, describeCause(outcome.cause, outcome.error)].filter(Boolean).join(': ');
    throw new ExecutionFailedError(`execution ${executionArn} ${status}${why ? `: ${why}` : ''}`);
  }
  let output: unknown;
  try {
    output = JSON.parse(outcome.output ?? '');
  } catch {
    output = undefined;
  }
  try {
    return parseReport(output, `the output of execution ${executionArn}`);
  } catch (err) {
    if (!(err instanceof WireFormatError)) throw err;
    const text = oneLine(outcome.output ?? '(none)', 200);
    throw new NotAReportError(
      `execution ${executionArn} succeeded, but its output is not a report (is this the download-doctor workflow?): ${err.problems.slice(0, 5).join('; ')}; output: ${text}`,
    );
  }
}

/** A Lambda error's cause is JSON ({errorType, errorMessage, trace}): keep its type and message, on one line. */
function describeCause(cause: string | undefined, error: string | undefined): string {
  if (!cause) return '';
  try {
    const c = JSON.parse(cause) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof c.errorMessage === 'string') {
      const type = typeof c.errorType === 'string' && c.errorType !== error ? `${c.errorType}: ` : '';
      return oneLine(`${type}${c.errorMessage}`);
    }
  } catch {
    // not JSON: the cause as it is
  }
  return oneLine(cause);
}

function oneLine(text: string, max = 500): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}...` : line;
}
