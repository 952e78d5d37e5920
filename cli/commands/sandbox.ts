import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_FAULTS } from '../../sandbox/faults.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Options } from '../main.ts';

/** `sandbox faults` lists the catalogue; `sandbox up` starts the stack and keeps it running until Ctrl-C. */
export async function sandbox(action: string | undefined, _options: Options): Promise<number> {
  if (action === 'faults') {
    const width = Math.max(...SANDBOX_FAULTS.map((f) => f.name.length)) + 2;
    for (const f of SANDBOX_FAULTS) {
      const e = f.expected;
      console.log(`${f.name.padEnd(width)}${`${e.status} ${e.fault}`.padEnd(18)} ${e.check}: ${e.kind}`);
      console.log(`${' '.repeat(width)}${f.description}`);
    }
    return EXIT.healthy;
  }
  if (action === 'up') {
    const { startSandbox } = await import('../../sandbox/stack.ts');
    const box = await startSandbox();
    const file = join(box.dir, 'download-doctor.config.json');
    writeFileSync(file, `${JSON.stringify(box.config, null, 2)}\n`);
    const env = Object.entries(box.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    console.log(
      `sandbox running: nginx :${box.ports.proxy}, gunicorn :${box.ports.app}, moto S3 :${box.ports.storage}`,
    );
    console.log(`in another shell:  ${env} bin/download-doctor run --config ${file}`);
    console.log('Ctrl-C stops it.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await box.stop();
    return EXIT.healthy;
  }
  throw new UsageError(`sandbox needs an action: faults, up${action ? ` (got "${action}")` : ''}`);
}
