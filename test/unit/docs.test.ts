/**
 * The docs pages: every relative link of README.md and docs/*.md reaches a file, and each `#anchor` a heading of
 * its target (GitHub's anchors); docs/checks.md's generated part is up to date.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingSlug, renderDocsPage, spliceGenerated } from '../../scripts/docs-pages.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).flatMap((f) => (f.endsWith('.md') ? [`docs/${f}`] : [])),
];

/** The page's lines outside fenced code blocks (a `#` in a shell block is no heading, a `[x](y)` there no link). */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchors of a page's headings; a repeated heading gets `-1`, `-2`... */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = headingSlug(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** The targets of a page's inline links, code spans left out. */
function links(markdown: string): string[] {
  const text = prose(markdown)
    .join('\n')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
}

const isRelative = (target: string) => !/^[a-z][a-z0-9+.-]*:/i.test(target);

describe('links in README.md and docs/*.md', () => {
  const all = PAGES.flatMap((page) =>
    links(readFileSync(join(ROOT, page), 'utf8'))
      .filter(isRelative)
      .map((target) => ({ page, target })),
  );

  it('finds the links it checks (the README links each docs page)', () => {
    expect(PAGES).toEqual(
      expect.arrayContaining(['README.md', 'docs/config.md', 'docs/aws.md', 'docs/ARCHITECTURE.md']),
    );
    const fromReadme = all.filter((l) => l.page === 'README.md').map((l) => l.target);
    for (const page of PAGES.filter((p) => p !== 'README.md')) expect(fromReadme).toContain(page);
    expect(all.filter((l) => l.target.includes('#')).length).toBeGreaterThan(20);
  });

  it('reach an existing file, and a heading of it when they name an anchor', () => {
    const broken = all.flatMap(({ page, target }) => {
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), decodeURIComponent(path));
      if (!existsSync(file)) return [`${page}: ${target} (no file ${relative(ROOT, file)})`];
      if (anchor === undefined) return [];
      if (!file.endsWith('.md')) return [`${page}: ${target} (an anchor in a file that is not markdown)`];
      return anchors(readFileSync(file, 'utf8')).has(anchor) ? [] : [`${page}: ${target} (no such heading)`];
    });
    expect(broken).toEqual([]);
  });
});

describe("GitHub's heading anchors", () => {
  it.each([
    ['Failure kinds and hygiene notes', 'failure-kinds-and-hygiene-notes'],
    ['Running it continuously: `serve`', 'running-it-continuously-serve'],
    ['`targets[].storage` when `type` is `"s3"`', 'targetsstorage-when-type-is-s3'],
    ["What's new?", 'whats-new'],
    ['A  B', 'a--b'],
    ['Le rapport été', 'le-rapport-été'],
    ['snake_case and dash-case', 'snake_case-and-dash-case'],
  ])('%s → #%s', (heading, slug) => {
    expect(headingSlug(heading)).toBe(slug);
  });

  it('numbers a repeated heading', () => {
    expect([...anchors('# A\n## A\n```sh\n# A (a comment)\n```\n### A\n')]).toEqual(['a', 'a-1', 'a-2']);
  });
});

describe('generated parts of the docs pages', () => {
  it('docs/checks.md lists every failure kind and hygiene note, up to date (npm run build)', () => {
    const page = readFileSync(join(ROOT, 'docs/checks.md'), 'utf8');
    expect(page).toBe(renderDocsPage('checks.md', page));
    expect(page).toContain(
      "| `monitor-credentials` | the monitor has no valid credentials (none found, expired, or refused): the monitor needs fixing, not the stack | evidence for `unknown`: the monitor's own settings are wrong |",
    );
    expect(page).toContain('| `no-content-length` |');
  });

  it('replaces only what is between the markers, and names the page whose markers are missing', () => {
    const page = 'before\n<!-- BEGIN GENERATED: x (note) -->\nold\n<!-- END GENERATED: x -->\nafter\n';
    expect(spliceGenerated(page, 'x', 'new')).toBe(
      'before\n<!-- BEGIN GENERATED: x (note) -->\n\nnew\n\n<!-- END GENERATED: x -->\nafter\n',
    );
    expect(() => spliceGenerated('no markers', 'x', 'new', 'docs/y.md')).toThrow(
      'docs/y.md lacks the markers "<!-- BEGIN GENERATED: x … -->" and "<!-- END GENERATED: x -->"',
    );
  });
});
