import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROXY_NAMES, SANDBOX_VARIANTS, type Variant, variantFaults } from '../../sandbox/faults.ts';
import { EXIT } from '../exit-codes.ts';

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

/** What `init` is told of a target (its settings as written, or as validated). */
interface InitTarget {
  endToEnd: { url: string };
  app: { url: string };
  proxy?: { url: string } | undefined;
  storage?:
    | { type: 's3'; bucket: string; key: string; region: string; endpoint?: string | undefined }
    | { type: 'filesystem'; path: string }
    | undefined;
}

/** The `init` command that writes a config for the sandbox's target, as a new user would against their stack. */
export function initCommand(t: InitTarget): string {
  const s = t.storage;
  const storage = !s
    ? []
    : s.type === 's3'
      ? [
          `--storage s3://${s.bucket}/${s.key}`,
          `--region ${s.region}`,
          ...(s.endpoint ? [`--s3-endpoint ${s.endpoint}`] : []),
        ]
      : [`--storage ${s.path}`];
  return [
    'npx download-doctor init --name sandbox',
    `--download ${t.endToEnd.url}`,
    `--app ${t.app.url}`,
    ...(t.proxy ? [`--proxy ${t.proxy.url}`] : []),
    ...storage,
  ].join(' ');
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
    const lines = [
      [`download (through ${PROXY_NAMES[box.variant]}):`, t.endToEnd.url],
      ["the app's own port:", t.app.url],
      ...(t.proxy ? [["the proxy's route to storage:", t.proxy.url]] : []),
    ];
    const width = Math.max(...lines.map(([label = '']) => label.length)) + 1;
    for (const [label = '', url] of lines) console.log(`  ${label.padEnd(width)}${url}`);
  }
  console.log(`in another shell:  ${env}npx download-doctor run --config ${file}`);
  if (t) console.log(`or write your own config from it:  ${env}${initCommand(t)}`);
  console.log('Ctrl-C stops it.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await box.stop();
  console.log(`The ${box.variant} sandbox stopped.`);
  return EXIT.healthy;
}
