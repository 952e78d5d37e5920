/**
 * The package in dist/ (`tsx scripts/dist.ts [--if-stale]`; `npm run build` runs it too):
 * - the library (`download-doctor`, `download-doctor/cdk`): JavaScript and .d.ts files from tsc;
 * - the CLI: one ESM bundle (esbuild), split so that each command loads only its own code;
 * - the Lambda functions: one bundle each (esbuild), prebuilt so that a user's `cdk synth` needs no bundler.
 * The tests, the demo and `npm pack` need it; `--if-stale` builds only when a source is newer than the last build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = `${ROOT}dist`;
const LAMBDA_DIST = `${DIST}/lambda`;
/** Touched after each build of dist/: the sources' mtimes are compared with it. */
const STAMP = `${DIST}/.build-stamp`;
/** What dist/ is built from. */
const SOURCES = ['functions', 'infra', 'cli', 'sandbox', 'package.json', 'tsconfig.build.json'];
const LAMBDA_ENTRIES = `${ROOT}functions/handlers/lambda`;

/**
 * undici's client loads its HTTP/2 half, and node:http2 with it, when it loads: about 9 ms of every start. The
 * probes speak HTTP/1.1 only (ALPN), so the bundles load that half on its first use, which never comes.
 */
const lazyUndiciH2: Plugin = {
  name: 'lazy-undici-h2',
  setup(b) {
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) =>
      args.importer.endsWith('/undici/lib/dispatcher/client.js')
        ? { path: `${dirname(args.importer)}/client-h2.js`, namespace: 'lazy-h2' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-h2' }, (args) => ({
      contents: `let h2;\nmodule.exports = (...a) => (h2 ??= require(${JSON.stringify(args.path)}))(...a);\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/** What every bundle shares: ESM for Node.js 22, minified, with `require` defined for the CommonJS inside. */
export const BUNDLE: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  // No source maps: loading them slows every start, and a failed check is a result, not a stack.
  sourcemap: false,
  banner: {
    js: "import { createRequire as __dd_cr } from 'node:module'; const require = __dd_cr(import.meta.url);",
  },
  logLevel: 'warning',
  plugins: [lazyUndiciH2],
};

/**
 * One directory per Lambda entry, dist/lambda/NAME (the function's code asset): index.mjs, and chunks for what it
 * imports only when a setting needs it (a secret's SDK client, the signer), which a cold start then neither
 * loads nor compiles. The AWS SDK is included: the version tested is the one run.
 */
async function buildLambdas(): Promise<void> {
  rmSync(LAMBDA_DIST, { recursive: true, force: true });
  const entries = readdirSync(LAMBDA_ENTRIES).filter((f) => f.endsWith('.ts'));
  await Promise.all(
    entries.map((f) =>
      build({
        ...BUNDLE,
        entryPoints: { index: `${LAMBDA_ENTRIES}/${f}` },
        outdir: `${LAMBDA_DIST}/${f.replace(/\.ts$/, '')}`,
        outExtension: { '.js': '.mjs' },
        splitting: true,
        chunkNames: 'chunks/[name]-[hash]',
      }),
    ),
  );
  builtinsByRequire(LAMBDA_DIST);
}

/** The CLI: dist/cli/bin.js and its chunks, loaded as each command needs them. */
async function buildCli(): Promise<void> {
  rmSync(`${DIST}/cli`, { recursive: true, force: true });
  await build({
    ...BUNDLE,
    entryPoints: [`${ROOT}cli/bin.ts`],
    outdir: `${DIST}/cli`,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    alias: {
      ...BUNDLE.alias,
      // What aws-local-stepfunctions imports but our local engine never runs (see cli/engine-stubs.ts).
      ...Object.fromEntries(
        ['@aws-sdk/client-lambda', '@aws-sdk/credential-providers', 'asl-validator'].map((m) => [
          m,
          `${ROOT}cli/engine-stubs.ts`,
        ]),
      ),
    },
  });
  builtinsByRequire(`${DIST}/cli`);
}

/** A static import in esbuild's output: `import X,{a as b}from"spec";`, `import*as X from"spec";`. */
const STATIC_IMPORT =
  /import\s*(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\}\s*)?(?:\*\s*as\s*([\w$]+)\s*)?from\s*"([^"]+)";/g;

/**
 * Node.js's own modules through `require`, not `import`, in every bundle file under `dir`. An import of one builds
 * its ESM facade, which reads every export and so loads what the module keeps lazy (fs's streams, crypto's
 * ciphers): about 10 ms of each start. A builtin has no cycles and its exports do not change, so the `require`
 * (defined by the banner) at the same place binds the same values.
 */
export function builtinsByRequire(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!/\.m?js$/.test(entry)) continue;
    const file = join(dir, entry);
    const source = readFileSync(file, 'utf8');
    const rewritten = source.replace(STATIC_IMPORT, (statement, def, named, namespace, spec: string) => {
      if (!isBuiltin(spec)) return statement;
      const call = `require(${JSON.stringify(spec)})`;
      const names = named
        ?.split(',')
        .map((n: string) => n.trim().replace(/\s+as\s+/, ':'))
        .filter(Boolean)
        .join(',');
      const bindings = [def, namespace, names === undefined ? undefined : `{${names}}`].filter(Boolean);
      return bindings.length ? `const ${bindings.map((b) => `${b}=${call}`).join(',')};` : `${call};`;
    });
    if (rewritten !== source) writeFileSync(file, rewritten);
  }
}

/** The library's entries and what they import: JavaScript and declarations, file by file. */
function buildLibrary(): void {
  for (const dir of ['functions', 'infra']) rmSync(`${DIST}/${dir}`, { recursive: true, force: true });
  execFileSync(`${ROOT}node_modules/.bin/tsc`, ['-p', `${ROOT}tsconfig.build.json`], { stdio: 'inherit' });
}

/** The newest modification time of the files under `path`. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newest(`${path}/${entry}`)));
}

/** dist/ is missing, or a source changed since it was built. */
export function distIsStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((source) => newest(`${ROOT}${source}`) > built);
}

/** Builds dist/: the library, the CLI and the Lambda bundles. */
export async function buildDist(): Promise<void> {
  buildLibrary();
  await Promise.all([buildCli(), buildLambdas()]);
  writeFileSync(STAMP, '');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] !== '--if-stale' || distIsStale()) {
    await buildDist();
    console.error('built dist/ (library, CLI, Lambda bundles)');
  }
}
