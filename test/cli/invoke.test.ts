import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  SFNClient,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type InvokeOptions, invoke } from '../../cli/commands/invoke.ts';
import {
  ExecutionFailedError,
  InvokeTimeoutError,
  NotAReportError,
  UsageError,
} from '../../functions/contract/errors.ts';
import type { Report } from '../../functions/contract/types.ts';
import type { SfnClientLike } from '../../functions/probes/sfn.ts';
import { type MotoServer, startMotoServer } from '../../sandbox/moto.ts';
import { useTestCredentials } from '../fixtures/aws-env.ts';
import { result } from '../fixtures/results.ts';
import { tempDir } from '../fixtures/temp.ts';

const ROLE = 'arn:aws:iam::123456789012:role/download-doctor-workflow';

const HEALTHY: Omit<Report, 'target'> = {
  schemaVersion: 1,
  verdict: { status: 'healthy', fault: null, faults: [], summary: 'all good', rule: 'healthy', evidence: [] },
  results: [result('end-to-end', 'ok'), result('app', 'ok')],
};
const FAILED: Omit<Report, 'target'> = {
  schemaVersion: 1,
  verdict: {
    status: 'failed',
    fault: 'storage',
    faults: ['storage'],
    summary: 'storage broke',
    rule: 'storage',
    evidence: ['storage: storage broke (s3-no-such-key)'],
  },
  results: [
    result('end-to-end', 'status'),
    result('app', 'ok'),
    result('storage', 's3-no-such-key'),
    result('proxy', 'status'),
  ],
};

/** How a Lambda's error reaches the execution: its type as the error, a JSON cause with a stack trace. */
const LAMBDA_CAUSE = JSON.stringify({
  errorType: 'TargetNotFoundError',
  errorMessage: 'no target named "qa" (configured: prod)',
  trace: ['TargetNotFoundError: no target named "qa"', '    at findTarget (file:///var/task/index.mjs:1:2)'],
});

let out: string[];
beforeEach(() => {
  out = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
});
afterEach(() => {
  vi.restoreAllMocks();
});

useTestCredentials();

describe('invoke: usage', () => {
  const env = {};
  it.each<[string, InvokeOptions, string]>([
    ['no --target', { format: 'table', stateMachineArn: 'x' }, 'invoke needs --target NAME'],
    [
      'neither --state-machine-arn nor DOWNLOAD_DOCTOR_STATE_MACHINE_ARN',
      { format: 'table', target: 'prod' },
      "invoke needs the workflow's state machine: --state-machine-arn ARN, or DOWNLOAD_DOCTOR_STATE_MACHINE_ARN",
    ],
    [
      'an ARN that is not a state machine',
      {
        format: 'table',
        target: 'prod',
        stateMachineArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f',
      },
      'not a state machine ARN: "arn:aws:lambda:eu-west-1:123456789012:function:f"',
    ],
  ])('%s: a UsageError (exit 2), before any call', async (_, options, message) => {
    const send = vi.fn();
    const error = await invoke(options, { env, client: { send } as SfnClientLike }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    expect(send).not.toHaveBeenCalled();
  });
});

describe('invoke: a Standard state machine on moto_server (--endpoint)', () => {
  let moto: MotoServer;
  const regions = [
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-central-1',
    'us-east-2',
    'us-west-2',
    'ap-south-1',
  ];
  const clients: SFNClient[] = [];

  /** A state machine in a region of its own (see the top of this file). */
  async function stateMachine(states: Record<string, unknown>): Promise<{ arn: string; admin: SFNClient }> {
    const region = regions.shift();
    if (!region) throw new Error('out of regions: add one');
    const admin = new SFNClient({ region, endpoint: moto.endpoint });
    clients.push(admin);
    const definition = JSON.stringify({ StartAt: Object.keys(states)[0], States: states });
    const { stateMachineArn } = await admin.send(
      new CreateStateMachineCommand({ name: 'Workflow', definition, roleArn: ROLE }),
    );
    return { arn: stateMachineArn as string, admin };
  }

  /** The workflow's last state, standing in for Report: returns a canned report for the target of the input. */
  const reporting = (report: Omit<Report, 'target'>) => ({
    Report: { Type: 'Pass', Parameters: { ...report, 'target.$': '$.target' }, End: true },
  });

  const run = (arn: string, extra: Partial<InvokeOptions> = {}) =>
    invoke(
      { target: 'prod', format: 'table', stateMachineArn: arn, endpoint: moto.endpoint, ...extra },
      { env: {}, pollMs: 50 },
    );

  beforeAll(async () => {
    moto = await startMotoServer(tempDir('dd-invoke-'));
    // Without this, moto does not run the definition: every execution stays RUNNING (or FAILED, without an
    // error, under SF_EXECUTION_HISTORY_TYPE=FAILURE).
    const res = await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    expect(res.ok).toBe(true);
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await moto?.stop();
  });

  it('healthy: starts the execution with {"target": NAME}, prints the verdict like run, exits 0', async () => {
    const { arn, admin } = await stateMachine(reporting(HEALTHY));

    expect(await run(arn)).toBe(0);

    const executionArn = out[0]?.replace('prod: execution ', '') ?? '';
    expect(executionArn).toMatch(
      /^arn:aws:states:[\w-]+:123456789012:execution:Workflow:dd-prod-\d+-[0-9a-f]{6}$/,
    );
    const execution = await admin.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution.input).toBe('{"target":"prod"}');
    expect(out.slice(1)).toEqual([
      expect.stringMatching(/^ {2}PASS {2}end-to-end .* end-to-end fine$/),
      expect.stringMatching(/^ {2}PASS {2}app .* app fine$/),
      '  => prod: HEALTHY: all good',
    ]);
  });

  it('a failed verdict in JSON: the same document as run --format json, exits 1', async () => {
    const { arn } = await stateMachine(reporting(FAILED));

    expect(await run(arn, { format: 'json' })).toBe(1);

    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '')).toEqual({
      schemaVersion: 1,
      status: 'failed',
      reports: [{ ...FAILED, target: 'prod' }],
    });
  });

  it('a FAILED execution: one line naming the execution and its error, not a stack (exit 3)', async () => {
    const { arn } = await stateMachine({
      Diagnose: { Type: 'Fail', Error: 'TargetNotFoundError', Cause: LAMBDA_CAUSE },
    });

    const error = await run(arn).catch((e: Error) => e);

    expect(error).toBeInstanceOf(ExecutionFailedError);
    expect((error as Error).message).toMatch(
      /^execution arn:aws:states:[\w-]+:123456789012:execution:Workflow:dd-prod-\S+ FAILED: TargetNotFoundError: no target named "qa" \(configured: prod\)$/,
    );
    expect(out).toEqual([]);
  });

  it('an execution that outlasts the deadline: InvokeTimeoutError naming the execution (exit 3)', async () => {
    const { arn } = await stateMachine({ Wait: { Type: 'Wait', Seconds: 30, End: true } });

    const started = Date.now();
    const error = await invoke(
      { target: 'prod', format: 'table', stateMachineArn: arn, endpoint: moto.endpoint },
      { env: {}, pollMs: 50, deadlineMs: 1_000 },
    ).catch((e: Error) => e);

    expect(error).toBeInstanceOf(InvokeTimeoutError);
    expect((error as Error).message).toMatch(
      /^execution "dd-prod-\S+" of arn:\S+:stateMachine:Workflow did not end within 1 s$/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('output that is not a report: NotAReportError (exit 3)', async () => {
    const { arn } = await stateMachine({ Hello: { Type: 'Pass', Result: { hello: 'world' }, End: true } });

    const error = await run(arn).catch((e: Error) => e);

    expect(error).toBeInstanceOf(NotAReportError);
    expect((error as Error).message).toContain('its output is not a report');
    expect((error as Error).message).toContain('{"hello": "world"}');
  });

  it('--no-wait: starts the execution, prints its ARN, exits 0 at once', async () => {
    const { arn, admin } = await stateMachine({ Wait: { Type: 'Wait', Seconds: 30, End: true } });

    expect(await run(arn, { wait: false })).toBe(0);

    expect(out).toEqual([expect.stringMatching(/^arn:aws:states:\S+:execution:Workflow:dd-prod-/)]);
    const execution = await admin.send(new DescribeExecutionCommand({ executionArn: out[0] }));
    expect(execution).toMatchObject({ status: 'RUNNING', input: '{"target":"prod"}' });
  });

  it("the ARN comes from DOWNLOAD_DOCTOR_STATE_MACHINE_ARN too; --region overrides the ARN's region", async () => {
    const { arn } = await stateMachine(reporting(HEALTHY));
    const options: InvokeOptions = { target: 'prod', format: 'table', endpoint: moto.endpoint };
    const env = { DOWNLOAD_DOCTOR_STATE_MACHINE_ARN: arn };

    // In another region, the state machine does not exist: bad usage (exit 2), naming the region.
    const error = await invoke({ ...options, region: 'sa-east-1' }, { env }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^StateMachineDoesNotExist: .* \(region sa-east-1\)$/);

    expect(await invoke(options, { env, pollMs: 50 })).toBe(0);
  });
});

/** A fake of the four calls invoke makes, recording them; moto has no Express state machines. */
function fakeSfn(sync: (signal: AbortSignal) => Promise<Record<string, unknown>>) {
  const calls: { command: string; input: object }[] = [];
  const send = async (command: { input: object }, options: { abortSignal: AbortSignal }) => {
    if (command instanceof DescribeStateMachineCommand) {
      calls.push({ command: 'DescribeStateMachine', input: command.input });
      return { type: 'EXPRESS' };
    }
    if (command instanceof StartSyncExecutionCommand) {
      calls.push({ command: 'StartSyncExecution', input: command.input });
      return sync(options.abortSignal);
    }
    throw new Error(`unexpected command ${command.constructor.name}`);
  };
  // The fake implements the calls used, not the SDK's every overload.
  return { client: { send } as unknown as SfnClientLike, calls };
}

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Workflow';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:express:Workflow:dd-prod:1234';

describe('invoke: an Express state machine (StartSyncExecution; moto has neither: a fake client)', () => {
  const options: InvokeOptions = { target: 'prod', format: 'table', stateMachineArn: ARN };

  it('runs synchronously with {"target": NAME} and prints the verdict; degraded exits 1', async () => {
    const degraded: Report = {
      ...HEALTHY,
      target: 'prod',
      verdict: { ...HEALTHY.verdict, status: 'degraded', fault: 'app', faults: ['app'], summary: 'app slow' },
    };
    const { client, calls } = fakeSfn(async () => ({
      executionArn: EXECUTION,
      status: 'SUCCEEDED',
      output: JSON.stringify(degraded),
    }));

    expect(await invoke(options, { client, env: {} })).toBe(1);

    expect(calls).toEqual([
      { command: 'DescribeStateMachine', input: { stateMachineArn: ARN } },
      {
        command: 'StartSyncExecution',
        input: { stateMachineArn: ARN, name: expect.stringMatching(/^dd-prod-/), input: '{"target":"prod"}' },
      },
    ]);
    expect(out[0]).toBe(`prod: execution ${EXECUTION}`);
    expect(out.at(-1)).toBe('  => prod: DEGRADED (fault: app): app slow');
  });

  it.each([
    [
      'FAILED',
      'TargetNotFoundError',
      LAMBDA_CAUSE,
      'FAILED: TargetNotFoundError: no target named "qa" (configured: prod)',
    ],
    ['TIMED_OUT', undefined, undefined, 'TIMED_OUT'],
    ['FAILED', 'States.Runtime', 'line one\n  line two', 'FAILED: States.Runtime: line one line two'],
  ])(
    '%s (%s): an ExecutionFailedError on one line, naming the execution',
    async (status, error, cause, tail) => {
      const { client } = fakeSfn(async () => ({ executionArn: EXECUTION, status, error, cause }));

      const e = await invoke(options, { client, env: {} }).catch((err: Error) => err);

      expect(e).toBeInstanceOf(ExecutionFailedError);
      expect((e as Error).message).toBe(`execution ${EXECUTION} ${tail}`);
    },
  );

  it('an output that breaks the report contract: NotAReportError naming the field (exit 3)', async () => {
    const report = structuredClone({ ...FAILED, target: 'prod' });
    Object.assign(report.results[1]?.timings ?? {}, { totalMs: 'fast' });
    const { client } = fakeSfn(async () => ({
      executionArn: EXECUTION,
      status: 'SUCCEEDED',
      output: JSON.stringify(report),
    }));

    const e = await invoke({ ...options, format: 'json' }, { client, env: {} }).catch((err: Error) => err);

    expect(e).toBeInstanceOf(NotAReportError);
    expect((e as Error).message).toContain('results[1].timings.totalMs: expected number, got string');
    expect(out).toEqual([]);
  });

  it('--format html: the page of the run', async () => {
    const { client } = fakeSfn(async () => ({
      executionArn: EXECUTION,
      status: 'SUCCEEDED',
      output: JSON.stringify({ ...FAILED, target: 'prod' }),
    }));

    expect(await invoke({ ...options, format: 'html' }, { client, env: {} })).toBe(1);

    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^<!doctype html>/);
    expect(out[0]).toContain('<title>FAILED prod: fault storage · download-doctor</title>');
    expect(out[0]).toContain(`--state-machine-arn ${ARN} --input`);
  });

  it('a sync call that does not answer is cut at the deadline: InvokeTimeoutError', async () => {
    const { client } = fakeSfn(
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );

    const e = await invoke(options, { client, env: {}, deadlineMs: 200 }).catch((err: Error) => err);

    expect(e).toBeInstanceOf(InvokeTimeoutError);
    expect((e as Error).message).toMatch(
      /^execution "dd-prod-\S+" of .*:stateMachine:Workflow did not end within 0.2 s$/,
    );
  });
});

describe('invoke: an Express state machine through --endpoint (a loopback Step Functions JSON API)', () => {
  it('StartSyncExecution goes to the endpoint itself, not to its "sync-" host as on AWS', async () => {
    const seen: { target: string; host: string; body: Record<string, unknown> }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const target = String(req.headers['x-amz-target']);
        seen.push({ target, host: String(req.headers.host), body: JSON.parse(body) });
        const reply = target.endsWith('.DescribeStateMachine')
          ? { stateMachineArn: ARN, name: 'Workflow', type: 'EXPRESS' }
          : {
              executionArn: EXECUTION,
              status: 'SUCCEEDED',
              output: JSON.stringify({ ...HEALTHY, target: 'prod' }),
            };
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const code = await invoke(
        { target: 'prod', format: 'table', stateMachineArn: ARN, endpoint: `http://${host}` },
        { env: {} },
      );

      expect(code).toBe(0);
      expect(seen).toEqual([
        { target: 'AWSStepFunctions.DescribeStateMachine', host, body: { stateMachineArn: ARN } },
        {
          target: 'AWSStepFunctions.StartSyncExecution',
          host,
          body: {
            stateMachineArn: ARN,
            name: expect.stringMatching(/^dd-prod-/),
            input: '{"target":"prod"}',
          },
        },
      ]);
    } finally {
      server.close();
    }
  });
});
