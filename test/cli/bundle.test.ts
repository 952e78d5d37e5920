/**
 * The CLI bundle (dist/cli, built by scripts/dist.ts) loads each command's code only when the command runs:
 * `serve`'s Prometheus client (prom-client) is not in what `run` or `check` load. What a command loads is the
 * static-import closure of the entry, the command table and the command's own chunk (read with es-module-lexer).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { init as lexerReady, parse } from 'es-module-lexer';
import { beforeAll, describe, expect, it } from 'vitest';

const CLI = new URL('../../dist/cli/', import.meta.url).pathname;
const CHUNKS = join(CLI, 'chunks');
/** A sentence of prom-client's own registry (lib/registry.js). */
const PROM_CLIENT = 'A metric with the name';

/** The chunk of a module of the CLI: `main`, `run`, `serve` (esbuild names it after the file). */
function chunk(name: string): string {
  const file = readdirSync(CHUNKS).find((f) => new RegExp(`^${name}-[A-Z0-9]+\\.js$`).test(f));
  if (!file) throw new Error(`no chunk of ${name} in dist/cli/chunks: run npx tsx scripts/dist.ts`);
  return join(CHUNKS, file);
}

/** Every file loaded with `files`: their static imports, transitively (dynamic ones load only when called). */
function closure(files: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...files];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const [imports] = parse(readFileSync(file, 'utf8'));
    for (const i of imports) if (i.d === -1 && i.n?.startsWith('.')) todo.push(join(file, '..', i.n));
  }
  return seen;
}

const carriesPromClient = (command: string) =>
  [...closure([join(CLI, 'bin.js'), chunk('main'), chunk(command)])].some((f) =>
    readFileSync(f, 'utf8').includes(PROM_CLIENT),
  );

describe('the CLI bundle', () => {
  beforeAll(async () => {
    await lexerReady;
  });

  it.each([
    ['run', false],
    ['check', false],
    ['serve', true],
  ])('%s loads prom-client: %s', (command, loads) => {
    expect(carriesPromClient(command)).toBe(loads);
  });
});
