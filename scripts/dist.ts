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
import { init as lexerReady, parse as parseImports } from 'es-module-lexer';
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

/** What every bundle file starts with (BUNDLE's banner): `require`, for the CommonJS inside and for builtins. */
const BANNER =
  "import { createRequire as __dd_cr } from 'node:module'; const require = __dd_cr(import.meta.url);";

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
  banner: { js: BANNER },
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
  await builtinsByRequire(LAMBDA_DIST);
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
  await builtinsByRequire(`${DIST}/cli`);
}

/** `X`, `{a as b}`, `* as X` (and `X, {...}`) of an import statement, as `const` bindings of `call`. */
function requireBindings(clause: string, call: string, where: string): string {
  const bindings: string[] = [];
  const named = /\{([^}]*)\}/.exec(clause)?.[1];
  const rest = clause.replace(/\{[^}]*\}/, '').replace(/\*\s*as\s*/, '');
  for (const name of rest
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean))
    bindings.push(`${name}=${call}`);
  const fields: string[] = [];
  for (const spec of (named ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)) {
    const [imported = '', local = imported] = spec.split(/\s+as\s+/);
    if (!/^[\w$]+$/.test(imported) || !/^[\w$]+$/.test(local))
      throw new Error(`${where}: cannot rewrite the import of ${JSON.stringify(spec)}`);
    if (imported === 'default') bindings.push(`${local}=${call}`);
    else fields.push(imported === local ? local : `${imported}:${local}`);
  }
  if (fields.length) bindings.push(`{${fields.join(',')}}=${call}`);
  return bindings.length ? `const ${bindings.join(',')};` : `${call};`;
}

/**
 * Node.js's own modules through `require`, not `import`, in every bundle file under `dir`. An import of one builds
 * its ESM facade, which reads every export and so loads what the module keeps lazy (fs's streams, crypto's
 * ciphers): about 10 ms of each start. es-module-lexer finds the import statements (never text in a string); each
 * builtin's becomes a `require` placed right after the banner, before the module's code, as imports are. A builtin
 * has no cycles and its exports do not change, so the bindings hold the same values.
 */
export async function builtinsByRequire(dir: string): Promise<void> {
  await lexerReady;
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!/\.m?js$/.test(entry)) continue;
    const file = join(dir, entry);
    const source = readFileSync(file, 'utf8');
    const banner = source.indexOf(BANNER);
    const bannerEnd = banner < 0 ? 0 : banner + BANNER.length;
    const [imports] = parseImports(source);
    const builtins = imports.filter((i) => i.d === -1 && i.n && isBuiltin(i.n) && i.ss >= bannerEnd);
    if (builtins.length === 0) continue;
    if (banner < 0) throw new Error(`${file}: no banner, so no require for its builtins`);
    let out = source;
    // From the last to the first, so that the offsets before each stay valid.
    for (const i of [...builtins].reverse()) out = `${out.slice(0, i.ss)}${out.slice(i.se)}`;
    const requires = builtins.map((i) => {
      const statement = source.slice(i.ss, i.se);
      const clause = /^import\s*([\s\S]*?)\s*from\s*["']/.exec(statement)?.[1] ?? '';
      return requireBindings(clause, `require(${JSON.stringify(i.n)})`, file);
    });
    writeFileSync(file, `${out.slice(0, bannerEnd)}${requires.join('')}${out.slice(bannerEnd)}`);
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
