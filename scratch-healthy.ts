import { runTarget } from './cli/run.ts';
import { validateConfig } from './functions/core/config.ts';
import type { Variant } from './sandbox/faults.ts';
import { startSandbox } from './sandbox/stack.ts';

for (const variant of (process.argv[2] ?? 'nginx-s3,apache-disk,lighttpd-disk').split(',') as Variant[]) {
  const box = await startSandbox({ variant });
  try {
    Object.assign(process.env, box.env);
    const v = validateConfig(box.config);
    if (!v.ok) throw new Error('bad');
    for (const t of v.config.targets) {
      const { report } = await runTarget(v.config, t);
      console.log(variant, t.name, report.verdict.status, report.verdict.fault, report.verdict.summary);
      for (const r of report.results) {
        console.log('  ', r.layer, r.ok, r.kind ?? '', r.message);
        for (const c of r.conditions) console.log('     ', c.pass ? 'ok  ' : 'FAIL', c.subject, c.observed);
        for (const n of r.notes ?? []) console.log('     note', n);
        console.log('     headers', JSON.stringify(r.observed.headers));
      }
    }
  } finally {
    await box.stop();
  }
}
