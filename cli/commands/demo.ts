import type { Config } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import { UsageError } from '../../functions/contract/errors.ts';
import type { Report } from '../../functions/contract/types.ts';
import {
  type FaultName,
  SANDBOX_FAULTS,
  SANDBOX_VARIANTS,
  type SandboxFault,
  type Variant,
} from '../../sandbox/faults.ts';
import { useEnv } from '../../sandbox/monitor.ts';
import { startSandbox } from '../../sandbox/stack.ts';
import { EXIT } from '../exit-codes.ts';
import { runAndPrint } from './run.ts';

/** The fault each variant's demo shows by default: the classic misfit of proxy and app. */
const DEFAULT_FAULTS: Record<Variant, FaultName> = {
  'nginx-s3': 'internal-prefix-mismatch',
  'apache-disk': 'apache-xsendfile-off',
  'lighttpd-disk': 'lighttpd-xsendfilepath-mismatch',
};

type Expectation = { status: Report['verdict']['status']; fault: Report['verdict']['fault'] };

function chosenFaults(name: string | undefined, variant: Variant | undefined): SandboxFault[] {
  if (name === 'all') return SANDBOX_FAULTS.filter((f) => variant === undefined || f.variant === variant);
  const fault = SANDBOX_FAULTS.find((f) => f.name === (name ?? DEFAULT_FAULTS[variant ?? 'nginx-s3']));
  if (!fault) {
    throw new UsageError(
      `--fault: no sandbox fault named "${name}" (see download-doctor sandbox faults, or use all)`,
    );
  }
  if (variant !== undefined && fault.variant !== variant) {
    throw new UsageError(
      `--fault ${fault.name} belongs to the ${fault.variant} sandbox, not --variant ${variant}`,
    );
  }
  return [fault];
}

/**
 * The demo: start the sandbox, run healthy, break one layer (or each, with --fault all), run and show the
 * verdict, restore, run healthy again, stop; once per variant the faults need. Exits 0 only if every verdict
 * was the expected one.
 */
export async function demo(options: { fault?: string; variant?: Variant }): Promise<number> {
  const faults = chosenFaults(options.fault, options.variant);
  const matched: boolean[] = [];
  for (const variant of Object.keys(SANDBOX_VARIANTS) as Variant[]) {
    const mine = faults.filter((f) => f.variant === variant);
    if (mine.length > 0) matched.push(...(await demoVariant(variant, mine)));
  }
  const good = matched.filter(Boolean).length;
  console.log(`${good}/${matched.length} verdicts as expected.`);
  return good === matched.length ? EXIT.healthy : EXIT.unhealthy;
}

async function demoVariant(variant: Variant, faults: readonly SandboxFault[]): Promise<boolean[]> {
  console.log(`Starting the ${variant} sandbox: ${SANDBOX_VARIANTS[variant]}, Django under gunicorn...`);
  const started = performance.now();
  const box = await startSandbox({ variant });
  const matched: boolean[] = [];
  try {
    // The config and environment the monitor has now: a monitor fault changes them, not the stack.
    const monitor = (): Config => {
      useEnv(box.env);
      const v = validateConfig(box.config);
      if (!v.ok) throw new Error(`the sandbox's own config is invalid: ${JSON.stringify(v.problems)}`);
      return v.config;
    };
    const storage = box.ports.storage ? `, moto :${box.ports.storage}` : '';
    console.log(
      `  up in ${((performance.now() - started) / 1000).toFixed(1)} s: proxy :${box.ports.proxy}, gunicorn :${box.ports.app}${storage}\n`,
    );
    // Every target runs (the written one and the extra sentinel's); the fault's own target is the one judged.
    const step = async (title: string, expected: Expectation, target = 'sandbox', allLayers = false) => {
      console.log(`== ${title}`);
      const { reports } = await runAndPrint(monitor(), { format: 'table', allLayers });
      const verdict = reports.find((r) => r.target === target)?.verdict;
      const ok = verdict?.status === expected.status && verdict?.fault === expected.fault;
      const want = expected.fault ? `${expected.status} (fault: ${expected.fault})` : expected.status;
      console.log(`  expected ${want}: ${ok ? 'as expected' : 'NOT as expected'}\n`);
      matched.push(ok);
    };
    await step('1. healthy stack', { status: 'healthy', fault: null });
    for (const fault of faults) {
      await box.applyFault(fault.name);
      const target = fault.sentinel ? `sandbox-${fault.sentinel}` : 'sandbox';
      const full = fault.allLayers === true;
      await step(`2. fault "${fault.name}": ${fault.description}`, fault.expected, target, full);
      await box.clearFaults();
      await step(`3. "${fault.name}" restored`, { status: 'healthy', fault: null }, target, full);
    }
  } finally {
    await box.stop();
  }
  console.log(`The ${variant} sandbox stopped.\n`);
  return matched;
}
