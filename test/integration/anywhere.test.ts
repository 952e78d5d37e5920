/**
 * The README's demo command from a fresh clone inside a directory that only root can enter (as `mktemp -d` makes
 * one): the sandbox's services run as nobody, so they must not need to read the project (they get copies); and
 * on disk the storage check reads as nobody too, though the Node.js that runs it sits where nobody cannot go.
 */
import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { asScript, docBlock } from '../fixtures/doc-blocks.ts';
import { tempDir } from '../fixtures/temp.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      command,
      args,
      { cwd, env, encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 26 },
      (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: out + err }),
    );
  });
}

it("the README's npm run demo works from a clone in a mode-0700 directory", async () => {
  const home = tempDir('dd-anywhere-');
  expect(statSync(home).mode & 0o777).toBe(0o700);
  const clone = join(home, 'download-doctor');
  expect((await sh('git', ['clone', '--quiet', ROOT, clone], home)).code).toBe(0);
  // The packages as `npm install` left them here (hard links: nothing is downloaded again); setup.sh then finds
  // them up to date, installs nothing, and builds the clone's dist/ itself.
  expect((await sh('cp', ['-al', join(ROOT, 'node_modules'), join(clone, 'node_modules')], home)).code).toBe(
    0,
  );
  writeFileSync(join(clone, 'node_modules', '.setup-stamp'), '');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  // The README's own command, as written.
  const demo = await sh('bash', asScript(docBlock('demo').text), clone, env);
  expect(demo.out).toContain('built dist/'); // the clone's own build, not the repository's
  // The package test's npm caches are not the demo's: filling them was half a fresh clone's demo time.
  expect(demo.out).not.toContain('setup: caching');
  expect(demo.out).toContain('3/3 verdicts as expected.');
  expect(demo.code, demo.out).toBe(0);
  // Its fault sends the run to stage 2, where the storage check reads the file as nobody (readAs).
  const disk = await sh(join(clone, 'bin/download-doctor'), ['demo', '--variant', 'apache-disk'], clone, env);
  expect(disk.out).toContain('3/3 verdicts as expected.');
  expect(disk.code, disk.out).toBe(0);
}, 360_000);
