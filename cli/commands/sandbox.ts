import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellWord } from '../../functions/render/page.ts';
import { PROXY_NAMES, SANDBOX_VARIANTS, type Variant, variantFaults } from '../../sandbox/faults.ts';
import { EXIT } from '../exit-codes.ts';
import { initArgsOf } from './init.ts';

/** `sandbox faults`: the catalogue, a heading per variant. */
export async function faults(options: { variant?: Variant }): Promise<number> {
  const variants = options.variant ? [options.variant] : (Object.keys(SANDBOX_VARIANTS) as Variant[]);
  const width = Math.max(...variants.flatMap((v) => variantFaults(v).map((f) => f.name.length))) + 2;
  for (const variant of variants) {
    console.log(`${variant}: ${SANDBOX_VARIANTS[variant]}`);
    for (const f of variantFaults(variant)) {
      const e = f.expected;
      const kind = typeof e.kind === 'string' ? e.kind : `note ${e.kind.note}`;
      const verdict = `${e.status} ${e.fault ?? ''}`.trim() + (e.monitorWarning ? ' +warning' : '');
      const full = f.allLayers ? ' (a full run)' : '';
      console.log(`  ${f.name.padEnd(width)}${verdict.padEnd(24)} ${e.check}: ${kind}${full}`);
      console.log(`  ${' '.repeat(width)}${f.description}`);
    }
  }
  return EXIT.healthy;
}

/** `sandbox up`: starts the stack, writes its config, and keeps it running until Ctrl-C. */
export async function up(options: { variant: Variant }): Promise<number> {
  const { startSandbox } = await import('../../sandbox/stack.ts');
  const box = await startSandbox({ variant: options.variant });
  const file = join(box.dir, 'download-doctor.config.json');
  writeFileSync(file, `${JSON.stringify(box.config, null, 2)}\n`);
  const env = Object.entries(box.env)
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  const storage = box.ports.storage ? `, moto S3 :${box.ports.storage}` : `, files in ${box.dir}/storage`;
  console.log(
    `sandbox running: ${PROXY_NAMES[box.variant]} :${box.ports.proxy}, gunicorn :${box.ports.app}${storage}`,
  );
  const [t] = box.config.targets;
  if (t) {
    const s = t.storage;
    const lines = [
      [`download (through ${PROXY_NAMES[box.variant]}):`, t.endToEnd.url],
      ["the app's own port:", t.app.url],
      ...(t.proxy ? [["the proxy's route to storage:", t.proxy.url]] : []),
      ...(s?.type === 's3'
        ? [['the sentinel in storage:', `s3://${s.bucket}/${s.key} (${s.region}, at ${s.endpoint})`]]
        : s
          ? [['the sentinel in storage:', s.path]]
          : []),
    ];
    const width = Math.max(...lines.map(([label = '']) => label.length)) + 1;
    for (const [label = '', value] of lines) console.log(`  ${label.padEnd(width)}${value}`);
  }
  console.log(`in another shell:  ${env}npx download-doctor run --config ${file}`);
  if (t) {
    console.log('or write a config of your own from what the stack serves, as you would for yours:');
    console.log(`  ${env}npx download-doctor ${initArgsOf(t).map(shellWord).join(' ')}`);
  }
  console.log('Ctrl-C stops it.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await box.stop();
  console.log(`The ${box.variant} sandbox stopped.`);
  return EXIT.healthy;
}
