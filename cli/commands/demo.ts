import { type Config, validateConfig } from '../../functions/core/config.ts';
import type { Report } from '../../functions/core/types.ts';
import { type FaultName, SANDBOX_FAULTS, type SandboxFault } from '../../sandbox/faults.ts';
import { startSandbox } from '../../sandbox/stack.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Options } from '../main.ts';
import { runAndPrint } from './run.ts';

const DEFAULT_FAULT: FaultName = 'internal-prefix-mismatch';

type Expectation = { status: Report['verdict']['status']; fault: Report['verdict']['fault'] };

function chosenFaults(name: string | undefined): SandboxFault[] {
  if (name === 'all') return [...SANDBOX_FAULTS];
  const fault = SANDBOX_FAULTS.find((f) => f.name === (name ?? DEFAULT_FAULT));
  if (!fault) {
    throw new UsageError(
      `--fault: no sandbox fault named "${name}" (${SANDBOX_FAULTS.map((f) => f.name).join(', ')}, all)`,
    );
  }
  return [fault];
}

/**
 * The demo: start the sandbox, run healthy, break one layer (or each, with --fault all), run and show the
 * verdict, restore, run healthy again, stop. Exits 0 only if every verdict was the expected one.
 */
export async function demo(options: Options): Promise<number> {
  const faults = chosenFaults(options.fault);
  console.log('Starting the sandbox: moto (S3), Django with django-downloadview under gunicorn, nginx...');
  const started = performance.now();
  const box = await startSandbox();
  const matched: boolean[] = [];
  try {
    Object.assign(process.env, box.env);
    const v = validateConfig(box.config);
    if (!v.ok) throw new Error(`the sandbox's own config is invalid: ${JSON.stringify(v.problems)}`);
    const config: Config = v.config;
    console.log(
      `  up in ${((performance.now() - started) / 1000).toFixed(1)} s: nginx :${box.ports.proxy}, gunicorn :${box.ports.app}, moto :${box.ports.storage}\n`,
    );
    const step = async (title: string, expected: Expectation) => {
      console.log(`== ${title}`);
      const { reports } = await runAndPrint(config, { format: 'table' });
      const verdict = reports[0]?.verdict;
      const ok = verdict?.status === expected.status && verdict?.fault === expected.fault;
      const want = expected.fault ? `${expected.status} (fault: ${expected.fault})` : expected.status;
      console.log(`  expected ${want}: ${ok ? 'as expected' : 'NOT as expected'}\n`);
      matched.push(ok);
    };
    await step('1. healthy stack', { status: 'healthy', fault: null });
    for (const fault of faults) {
      await box.applyFault(fault.name as FaultName);
      await step(`2. fault "${fault.name}": ${fault.description}`, fault.expected);
      await box.clearFaults();
      await step(`3. "${fault.name}" restored`, { status: 'healthy', fault: null });
    }
  } finally {
    await box.stop();
  }
  const good = matched.filter(Boolean).length;
  console.log(`Sandbox stopped. ${good}/${matched.length} verdicts as expected.`);
  return good === matched.length ? EXIT.healthy : EXIT.unhealthy;
}
