/**
 * Starting the deployed workflow and waiting for its outcome (`download-doctor invoke`): StartSyncExecution on an
 * Express state machine, StartExecution then DescribeExecution polls on a Standard one.
 *
 * Deadlines: one for the whole wait (an Express run lasts at most 5 minutes), and a shorter one for each quick
 * call; the client also bounds the connection. An expired deadline is an InvokeTimeoutError naming what it waited for.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  InvalidArn,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { InvokeTimeoutError } from '../contract/errors.ts';

/** What this module needs of a client: the SDK's SFNClient, or a fake in tests. */
export type SfnClientLike = Pick<SFNClient, 'send'>;

const WAIT_DEADLINE_MS = 6 * 60_000;
const CALL_DEADLINE_MS = 20_000;
const CONNECT_TIMEOUT_MS = 5_000;
const POLL_MS = 2_000;

/** `endpoint` points the client elsewhere (moto, LocalStack); credentials come from the default chain. */
export function createSfnClient(options: { region: string; endpoint?: string | undefined }): SFNClient {
  return new SFNClient({
    region: options.region,
    // StartSyncExecution goes to the host "sync-states..." on AWS; on a custom endpoint, to the endpoint itself.
    ...(options.endpoint ? { endpoint: options.endpoint, disableHostPrefix: true } : {}),
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: WAIT_DEADLINE_MS,
      throwOnRequestTimeout: true,
    },
  });
}

/** How an execution ended (SUCCEEDED, FAILED, TIMED_OUT, ABORTED, ...), with its output or error. */
export interface ExecutionOutcome {
  executionArn: string;
  status: string;
  output?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
}

export interface ExecuteOptions {
  /** The execution's name (unique per state machine): it is how the run shows in the console. */
  name: string;
  input: string;
  deadlineMs?: number;
  pollMs?: number;
}

/** A deadline, and what to say when it expires. */
interface Deadline {
  signal: AbortSignal;
  message: string;
}

const deadline = (ms: number, what: string): Deadline => ({
  signal: AbortSignal.timeout(ms),
  message: `${what} within ${ms / 1000} s`,
});

/** A call that answers at once (not a wait) gets its own deadline. */
const quick = (action: string) => deadline(CALL_DEADLINE_MS, `Step Functions ${action} did not answer`);

/** Runs `send` with a signal that aborts at the first deadline to expire; that expiry is an InvokeTimeoutError. */
async function within<T>(deadlines: Deadline[], send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await send(AbortSignal.any(deadlines.map((d) => d.signal)));
  } catch (err) {
    const expired = deadlines.find((d) => d.signal.aborted);
    if (expired) throw new InvokeTimeoutError(expired.message);
    throw err;
  }
}

/** Runs the state machine once and returns how the execution ended; SDK errors propagate. */
export async function executeAndWait(
  client: SfnClientLike,
  stateMachineArn: string,
  options: ExecuteOptions,
): Promise<ExecutionOutcome> {
  const { name, input } = options;
  const wait = deadline(
    options.deadlineMs ?? WAIT_DEADLINE_MS,
    `execution "${name}" of ${stateMachineArn} did not end`,
  );
  const machine = await within([quick('DescribeStateMachine'), wait], (abortSignal) =>
    client.send(new DescribeStateMachineCommand({ stateMachineArn }), { abortSignal }),
  );
  if (machine.type === 'EXPRESS') {
    // Synchronous: the answer comes when the execution ends.
    const out = await within([wait], (abortSignal) =>
      client.send(new StartSyncExecutionCommand({ stateMachineArn, name, input }), { abortSignal }),
    );
    return { ...outcome(out), executionArn: out.executionArn ?? name };
  }

  const executionArn = await start(client, stateMachineArn, options, [wait]);
  for (;;) {
    const out = await within([quick('DescribeExecution'), wait], (abortSignal) =>
      client.send(new DescribeExecutionCommand({ executionArn }), { abortSignal }),
    );
    if (out.status !== 'RUNNING') return { ...outcome(out), executionArn };
    await within([wait], (signal) => sleep(options.pollMs ?? POLL_MS, undefined, { signal }));
  }
}

/** Starts an execution without waiting for it to end; returns its ARN. */
export function startExecution(
  client: SfnClientLike,
  stateMachineArn: string,
  options: Pick<ExecuteOptions, 'name' | 'input'>,
): Promise<string> {
  return start(client, stateMachineArn, options, []);
}

async function start(
  client: SfnClientLike,
  stateMachineArn: string,
  { name, input }: Pick<ExecuteOptions, 'name' | 'input'>,
  deadlines: Deadline[],
): Promise<string> {
  const { executionArn } = await within([quick('StartExecution'), ...deadlines], (abortSignal) =>
    client.send(new StartExecutionCommand({ stateMachineArn, name, input }), { abortSignal }),
  );
  if (!executionArn) throw new Error(`StartExecution ${stateMachineArn} returned no execution ARN`);
  return executionArn;
}

function outcome(out: { status?: string | undefined; output?: string; error?: string; cause?: string }) {
  return { status: out.status ?? 'UNKNOWN', output: out.output, error: out.error, cause: out.cause };
}

/** The state machine named does not exist in that region, or the ARN is not one: the caller's to fix. */
export function isUnknownStateMachine(err: unknown): err is Error {
  return err instanceof StateMachineDoesNotExist || err instanceof InvalidArn;
}
