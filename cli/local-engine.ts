/**
 * The local engine: runs the workflow's ASL (rendered from infra/workflow.ts) with aws-local-stepfunctions,
 * each Task state calling the handler of the same name in-process. No second orchestration exists.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { ExecutionFailedError } from '../functions/contract/errors.ts';
import type { Report } from '../functions/contract/types.ts';
import { parseReport } from '../functions/contract/wire.ts';
import type { HandlerName } from '../functions/contract/workflow.ts';
import { type ExecutionInput, TASK_STATES } from '../functions/contract/workflow.ts';
import type { Handler } from '../functions/handlers/handlers.ts';
import definition from '../infra/workflow.asl.json' with { type: 'json' };

/** An event of the engine's log (the package does not export the type). */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

// Built once per process; runs are independent.
let machine: StateMachine | undefined;
function stateMachine(): StateMachine {
  // The definition is validated when it is rendered (test/unit/workflow.test.ts), not at every run.
  machine ??= new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  return machine;
}

export interface LocalRun {
  report: Report;
  /** The engine's event log, in order. */
  events: EventLog[];
}

export async function runLocally(
  input: ExecutionInput,
  handlers: Record<HandlerName, Handler>,
  onEvent?: (event: EventLog) => void,
): Promise<LocalRun> {
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(TASK_STATES).map(([state, name]) => [state, (event: unknown) => handlers[name](event)]),
  );
  const execution = stateMachine().run(input as unknown as Parameters<StateMachine['run']>[0], {
    overrides: { taskResourceLocalHandlers } as never,
  });
  const events: EventLog[] = [];
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      onEvent?.(event);
    }
  })();
  try {
    const report = parseReport(await execution.result, 'the workflow output');
    await logging;
    return { report, events };
  } catch (err) {
    await logging.catch(() => {});
    const e = err as { name?: string; message?: string; cause?: unknown };
    throw new ExecutionFailedError(
      `the workflow execution failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`,
    );
  }
}
