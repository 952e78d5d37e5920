/**
 * Dependencies whose internals the code imports are pinned exactly: a package's own files (`undici/lib/…`) are not
 * its API, and a minor or patch release may move them, so a caret range would let an install break the build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/** The files of the code (not the tests) that name a file inside `name`'s package. */
function deepImporters(name: string): string[] {
  const inside = `${name}/lib/`;
  return ['functions', 'cli', 'infra', 'sandbox', 'scripts']
    .flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)),
    )
    .filter((f) => f.endsWith('.ts') && readFileSync(join(ROOT, f), 'utf8').includes(inside));
}

describe('dependencies imported by their internal files', () => {
  it('undici: its lib/ files are imported, so its version in package.json is exact (no ^ or ~)', () => {
    const importers = deepImporters('undici');
    const range = pkg.dependencies?.undici ?? pkg.devDependencies?.undici;
    // While nothing reaches inside undici, any range will do; this test then asserts nothing more.
    if (importers.length === 0) return;
    expect(
      /^\d+\.\d+\.\d+$/.test(range ?? ''),
      `package.json has undici ${JSON.stringify(range)}, but ${importers.join(', ')} import undici/lib/… files, ` +
        'which are not its API and may move in any release: pin the exact version the tests ran with',
    ).toBe(true);
    // And it is the version installed: the one the tests run with.
    const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules/undici/package.json'), 'utf8')) as {
      version: string;
    };
    expect(installed.version).toBe(range);
  });

  it('finds the deep imports it guards (the probe client, its types, the bundler plugin)', () => {
    expect(deepImporters('undici')).toEqual(
      expect.arrayContaining(['functions/probes/undici.ts', 'scripts/dist.ts']),
    );
  });
});
