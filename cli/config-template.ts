/**
 * The config file `init` writes, as TypeScript (commented, with defineConfig) or JSON (with `$schema`). Pure: the
 * facts come in (what init learned from the stack, or nothing), the file's text goes out. What is not known is
 * left as a "TODO: ..." value, which fails validation with a message naming its field until it is filled in.
 */
import { withoutUrlPasswords } from '../functions/checks/redact.ts';
import type { ConfigInput, ProxyAuth } from '../functions/config/schema.ts';
import type { AnonymousRead, OffloadFacts, SentinelFacts } from './sentinel.ts';

type TargetInput = ConfigInput['targets'][number];
export type StorageInput = NonNullable<TargetInput['storage']>;

export interface InitFacts {
  name: string;
  sentinel?: SentinelFacts | undefined;
  endToEndUrl?: string | undefined;
  appUrl?: string | undefined;
  offload?: OffloadFacts | undefined;
  proxyUrl?: string | undefined;
  storage?: StorageInput | undefined;
  /** Where the facts come from, for the file's first comment. */
  source?: string | undefined;
}

/**
 * How the proxy reads the bucket (storage.proxyAuth), from what the app sent and what an anonymous read from here
 * got: a signed X-Accel-Redirect URL means a private bucket; an unsigned one, a bucket the proxy reads without a
 * signature, which S3 refusing us says is open to the proxy's network path only, and serving us says is open to
 * anyone (or to a network this machine shares with the proxy: init cannot tell those apart, and says so).
 */
export function inferProxyAuth(
  signed: boolean,
  anonymous: AnonymousRead | undefined,
): { proxyAuth: ProxyAuth; why: string } {
  if (signed) {
    return {
      proxyAuth: 'presigned',
      why: 'the app signs its X-Accel-Redirect URL (X-Amz-Signature): a private bucket',
    };
  }
  const unsigned =
    "the app's X-Accel-Redirect URL is unsigned, so the proxy reads the bucket without a signature";
  if (anonymous?.readable === false) {
    return {
      proxyAuth: 'network',
      why: `${unsigned}, and S3 refused an anonymous read from here (403): only the proxy's network path may read it`,
    };
  }
  if (anonymous?.readable === true) {
    return {
      proxyAuth: 'public',
      why:
        `${unsigned}, and S3 served the sentinel to an anonymous read from here: the bucket is readable by anyone, ` +
        'or by a network this machine shares with the proxy (then set proxyAuth to "network")',
    };
  }
  return {
    proxyAuth: 'public',
    why:
      `${unsigned}; who else may read it is not known (an anonymous read from here: ${anonymous?.detail ?? 'not tried'}): ` +
      '"public", the cautious guess; set "network" if a bucket policy allows the proxy\'s network path only',
  };
}

export const isTodo = (value: unknown): boolean => typeof value === 'string' && value.startsWith('TODO');

/** The target as init can write it: the facts, and TODO values for what it does not know. */
export function initTarget(f: InitFacts): TargetInput {
  const sentinel = f.sentinel ?? {
    sha256: 'TODO: the sha256 of the sentinel (download-doctor hash FILE|URL prints it)',
    size: 'TODO: its size in bytes' as unknown as number,
  };
  return {
    name: f.name,
    sentinel,
    app: {
      url:
        f.appUrl ??
        "TODO: the healthcheck route on the app's own port, such as http://10.0.1.20:8000/healthcheck-utils/download/",
      offload: f.offload ?? {
        header: 'X-Accel-Redirect',
        value: 'TODO: the header value the app sends for the sentinel (init --app URL reads it)',
      },
    },
    endToEnd: { url: f.endToEndUrl ?? 'TODO: the healthcheck download through the proxy' },
    ...(f.proxyUrl ? { proxy: { url: f.proxyUrl } } : {}),
    ...(f.storage ? { storage: f.storage } : {}),
  };
}

export const SCHEMA_REF = './node_modules/download-doctor/docs/config.schema.json';

export function configJson(f: InitFacts): string {
  return `${JSON.stringify({ $schema: SCHEMA_REF, targets: [initTarget(f)] }, null, 2)}\n`;
}

/** A value as TypeScript source: identifiers unquoted, strings in single quotes, one level per line. */
function literal(value: unknown, indent: string): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const inner = `${indent}  `;
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : literal(k, ''));
  const lines = Object.entries(value).map(([k, v]) => `${inner}${key(k)}: ${literal(v, inner)},`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

const EXAMPLE_PROXY = "// proxy: { url: 'https://www.example.com/healthcheck-utils/storage/' },";
const EXAMPLE_STORAGE =
  "// storage: { type: 's3', bucket: 'example-downloads', key: 'healthcheck.txt', region: 'eu-west-1' },";

export function configTs(f: InitFacts): string {
  const t = initTarget(f);
  const at = '      ';
  const field = (name: string, value: unknown) => `${at}${name}: ${literal(value, at)},`;
  return [
    '// download-doctor: one target per environment (node_modules/download-doctor/docs/config.md describes every field).',
    ...(f.source ? [`// Written by \`download-doctor init\` from ${withoutUrlPasswords(f.source)}.`] : []),
    "import { defineConfig } from 'download-doctor';",
    '',
    'export default defineConfig({',
    '  targets: [',
    '    {',
    field('name', t.name),
    `${at}// The file every check fetches, and what it must look like.`,
    field('sentinel', t.sentinel),
    `${at}// The app's own port, not the proxy: it must answer with this offload header and no body. It runs on`,
    `${at}// every run, because when django-downloadview's rule stops matching, the app streams the file itself.`,
    field('app', t.app),
    `${at}// The download through the proxy, as a user gets it: the first check.`,
    field('endToEnd', t.endToEnd),
    `${at}// Diagnostics, run when a check above fails, to name the layer at fault; without them, the verdict of a`,
    `${at}// failure is "unknown". A proxy location serving the sentinel straight from storage (no app):`,
    t.proxy ? field('proxy', t.proxy) : `${at}${EXAMPLE_PROXY}`,
    `${at}// Where the sentinel is stored. S3 is read with the SDK's usual credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID`,
    `${at}// and AWS_SECRET_ACCESS_KEY, or the role on AWS); a file as { type: 'filesystem', path, readAs? }.`,
    t.storage ? field('storage', t.storage) : `${at}${EXAMPLE_STORAGE}`,
    '    },',
    '  ],',
    '});',
    '',
  ].join('\n');
}
