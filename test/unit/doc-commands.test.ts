/**
 * Every shell command in README.md and docs/*.md is run by a test as it is written, or says why no test can run it
 * here (test/fixtures/doc-blocks.ts has the annotations). This file checks the bookkeeping: each shell block is
 * annotated, each `test: ID` is run by a test file that names it, no command hides in a block of another language,
 * and each synopsis names only options its command has.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { program } from '../../cli/main.ts';
import { blocksOf, docPages, isShell, shellBlocks } from '../fixtures/doc-blocks.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const where = (b: { file: string; line: number }) => `${b.file}:${b.line}`;

/** Every test file's text, to find the blocks each one runs. */
function testSources(dir = join(ROOT, 'test')): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) =>
      e.isDirectory()
        ? testSources(join(dir, e.name))
        : e.name.endsWith('.ts')
          ? readFileSync(join(dir, e.name), 'utf8')
          : '',
    )
    .join('\n');
}

describe('the commands of README.md and docs/*.md', () => {
  const blocks = shellBlocks();

  it('finds the blocks it checks', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThan(5);
    expect(new Set(blocks.map((b) => b.file))).toEqual(
      new Set([
        'README.md',
        'docs/aws.md',
        'docs/checks.md',
        'docs/cli.md',
        'docs/locations.md',
        'docs/serve.md',
      ]),
    );
  });

  it('are each run by a test, or say why no test can run them here', () => {
    const bare = blocks.filter((b) => b.annotation.kind === 'none').map(where);
    expect(bare, 'annotate these: <!-- test: ID -->, <!-- not tested: WHY --> or <!-- synopsis -->').toEqual(
      [],
    );
  });

  it('name each block a test runs once, and a test file runs each one', () => {
    const ids = blocks.flatMap((b) => (b.annotation.kind === 'test' ? [b.annotation.id] : []));
    expect(ids.length).toBeGreaterThan(8);
    expect(new Set(ids).size).toBe(ids.length);
    const sources = testSources();
    const unrun = ids.filter((id) => !sources.includes(`docBlock('${id}')`));
    expect(unrun, 'no test calls docBlock(ID) for these').toEqual([]);
  });

  it('hide no command in a block of another language (it would escape these checks)', () => {
    const command = /^\s*(npx|npm|download-doctor|curl|aws|git|export|cdk) /m;
    const hidden = docPages()
      .flatMap((f) => blocksOf(f))
      .filter((b) => !isShell(b) && !['ts', 'js', 'json', 'jsonc'].includes(b.lang) && command.test(b.text))
      .map(where);
    expect(hidden, 'label these sh (and annotate them)').toEqual([]);
  });

  it('keep a synopsis to the options each command has', () => {
    const longFlags = (c: Command): string[] => [
      '--help',
      ...c.options.flatMap((o) => (o.long ? [o.long] : [])),
      ...c.commands.flatMap(longFlags),
    ];
    const commands = new Map(program().commands.map((c) => [c.name(), c]));
    const synopses = blocks.filter((b) => b.annotation.kind === 'synopsis');
    expect(synopses.length).toBeGreaterThan(1);
    const wrong: string[] = [];
    for (const b of synopses) {
      // A line that starts with spaces continues the command above it.
      const entries = b.text.split(/\n(?!\s)/);
      for (const entry of entries) {
        const name = /^download-doctor (\w[\w-]*)/.exec(entry)?.[1];
        const command = name ? commands.get(name) : undefined;
        if (!command) {
          wrong.push(`${where(b)}: "${entry.split('\n')[0]}" names no command`);
          continue;
        }
        const known = longFlags(command);
        const syntax = entry.replace(/#.*$/gm, '');
        for (const flag of syntax.match(/--[a-z][\w-]*/g) ?? [])
          if (!known.includes(flag)) wrong.push(`${where(b)}: ${name} has no ${flag}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
