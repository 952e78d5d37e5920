/** The post-build rewrite of the bundles (scripts/dist.ts): Node.js's own modules through `require`. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE, builtinsByRequire } from '../../scripts/dist.ts';
import { tempDir } from '../fixtures/temp.ts';

const BANNER = String((BUNDLE.banner as { js: string }).js);

describe('builtinsByRequire', () => {
  it("rewrites every form of a builtin's import, and leaves strings and other modules alone", async () => {
    const dir = tempDir('dd-dist-');
    writeFileSync(join(dir, 'other.mjs'), 'export const other = 1;\n');
    const file = join(dir, 'bundle.mjs');
    writeFileSync(
      file,
      `${BANNER}
import p from"node:path";import{join as j,sep}from"node:path";import*as os from"node:os";import{default as u}from"node:util";import"node:zlib";import{other}from"./other.mjs";
const text = \`import fs from "node:fs";\`;
console.log(JSON.stringify([typeof p.join, j("a", "b"), sep, typeof os.cpus, typeof u.inspect, text, other]));
`,
    );
    await builtinsByRequire(dir);
    const out = readFileSync(file, 'utf8');
    expect(out).not.toMatch(/import[^;]*from"node:/);
    expect(out).toContain('import{other}from"./other.mjs"');
    expect(out).toContain('`import fs from "node:fs";`');
    const printed = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual([
      'function',
      'a/b',
      '/',
      'function',
      'function',
      'import fs from "node:fs";',
      1,
    ]);
  });
});
