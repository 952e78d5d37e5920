import { describe, expect, it } from 'vitest';
import type { Target } from '../../functions/config/schema.ts';
import { findTarget, stackTargets } from '../../functions/config/targets.ts';
import { formatProblems, validateConfig } from '../../functions/config/validate.ts';
import { configInput, targetInput } from '../fixtures/config.ts';

function problems(input: unknown) {
  const v = validateConfig(input);
  if (v.ok) throw new Error('expected the config to be invalid');
  return v.problems;
}

describe('config schema', () => {
  it('accepts a valid config and applies the documented defaults', () => {
    const v = validateConfig(configInput());
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const t = v.config.targets[0];
    expect(t?.app.timeoutMs).toBe(10_000);
    expect(t?.storage?.timeoutMs).toBe(10_000);
    expect(t?.endToEnd.rangeProbe).toBe(false);
  });

  it('accepts the optional fields that later work needs', () => {
    const t = targetInput({
      storage: { type: 'filesystem', path: '/srv/media/healthcheck.txt' },
      app: {
        url: 'https://app.internal:8443/healthcheck-utils/download/',
        host: 'www.example.com',
        headers: {
          Authorization: { env: 'DD_TOKEN' },
          'X-Api-Key': { secretsManager: 'arn:secret', jsonKey: 'k' },
        },
        tls: { caFile: '/etc/ssl/ca.pem', serverName: 'www.example.com' },
        offload: { header: 'X-Sendfile', value: { pattern: '^/srv/media/.+' } },
        degradedMs: 500,
      },
      endToEnd: {
        url: 'https://www.example.com/healthcheck-utils/download/',
        connectTo: '10.0.0.5:443',
        cacheBust: 'dd',
        internalUrl: 'https://www.example.com/_storage/healthcheck.txt',
        rangeProbe: true,
      },
    });
    expect(validateConfig(configInput(t))).toMatchObject({ ok: true });
  });

  // Prepare a config with one bad field; assess that the problem names the field path and the bad value.
  it.each([
    ['name', targetInput({ name: 'Prod Env' }), 'targets[0].name', 'Prod Env'],
    ['sha256', targetInput({ sentinel: { sha256: 'xyz', size: 1 } }), 'targets[0].sentinel.sha256', 'xyz'],
    [
      'app url',
      targetInput({ app: { url: 'ftp://x', offload: { header: 'X-Accel-Redirect', value: '/a' } } }),
      'targets[0].app.url',
      'ftp://x',
    ],
    [
      'offload header',
      targetInput({ app: { url: 'http://a/', offload: { header: 'X-Foo', value: '/a' } } }),
      'targets[0].app.offload.header',
      'X-Foo',
    ],
    [
      'offload pattern',
      targetInput({ app: { url: 'http://a/', offload: { header: 'X-Sendfile', value: { pattern: '([' } } } }),
      'targets[0].app.offload.value.pattern',
      '([',
    ],
    [
      'region',
      targetInput({ storage: { type: 's3', bucket: 'bkt', key: 'k', region: 'mars' } }),
      'targets[0].storage.region',
      'mars',
    ],
    ['storage type', targetInput({ storage: { type: 'gcs' } }), 'targets[0].storage.type', 'gcs'],
    [
      'degraded above deadline',
      targetInput({ proxy: { url: 'http://a/', degradedMs: 20_000 } }),
      'targets[0].proxy.degradedMs',
      20_000,
    ],
    [
      'connectTo',
      targetInput({ endToEnd: { url: 'http://a/', connectTo: 'a b' } }),
      'targets[0].endToEnd.connectTo',
      'a b',
    ],
    [
      'secret ref',
      targetInput({ proxy: { url: 'http://a/', headers: { 'X-Key': { vault: 'x' } } } }),
      'targets[0].proxy.headers.X-Key',
      { vault: 'x' },
    ],
    ['unknown field', targetInput({ colour: 'blue' }), 'targets[0]', undefined],
  ])('names the field and value: %s', (_name, target, path, value) => {
    const found = problems(configInput(target as ReturnType<typeof targetInput>));
    const p = found.find((x) => x.path === path);
    expect(p, formatProblems(found)).toBeDefined();
    if (value !== undefined) expect(p?.value).toEqual(value);
  });

  it('collects every problem, not just the first', () => {
    const bad = targetInput({
      name: 'X',
      sentinel: { sha256: 'no', size: -1 },
      proxy: { url: 'http://a/', degradedMs: 20_000 },
    });
    const paths = problems(configInput(bad)).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'targets[0].name',
        'targets[0].sentinel.sha256',
        'targets[0].sentinel.size',
        'targets[0].proxy.degradedMs',
      ]),
    );
  });

  it('refuses duplicate target names, naming the first', () => {
    const found = problems(configInput(targetInput(), targetInput()));
    expect(formatProblems(found)).toBe('targets[1].name: duplicates targets[0].name (got "prod")');
  });

  it('checks each extra sentinel as a target of its own, TARGET-NAME, on the same stack', () => {
    const unicode = {
      name: 'unicode',
      sentinel: { sha256: 'b'.repeat(64), size: 7, fileName: 'rapport-été.txt' },
      file: 'healthcheck/rapport-été.txt',
      offload: '/_storage/healthcheck/rapport-%C3%A9t%C3%A9.txt',
    };
    const v = validateConfig(
      configInput(
        targetInput({
          endToEnd: {
            ...targetInput().endToEnd,
            internalUrl: 'http://127.0.0.1:8080/_storage/x',
            rangeProbe: true,
          },
          sentinels: [unicode],
        }),
      ),
    );
    if (!v.ok) throw new Error(formatProblems(v.problems));
    const [prod, extra] = v.config.targets;
    expect(v.config.targets).toHaveLength(2);
    expect(prod?.stack).toBeUndefined();
    expect(extra).toMatchObject({
      name: 'prod-unicode',
      stack: 'prod',
      sentinel: unicode.sentinel,
      storage: { type: 's3', bucket: 'downloads-prod', key: 'healthcheck/rapport-été.txt' },
      app: {
        url: 'http://127.0.0.1:8000/healthcheck-utils/download/unicode/',
        offload: { header: 'X-Accel-Redirect', value: unicode.offload },
      },
      proxy: { url: 'http://127.0.0.1:8080/healthcheck-utils/storage/unicode/' },
      endToEnd: { url: 'http://127.0.0.1:8080/healthcheck-utils/download/unicode/', rangeProbe: true },
    });
    // The internal location is the stack's: the negative probe runs once, with the written target.
    expect(extra?.endToEnd.internalUrl).toBeUndefined();
    expect(stackTargets(v.config, extra as Target).map((t) => t.name)).toEqual(['prod', 'prod-unicode']);
    // Without --target, the written target is the one.
    expect(findTarget(v.config, undefined).name).toBe('prod');
  });

  it('refuses an extra sentinel whose target name is taken or too long, or a relative file on disk', () => {
    const extra = (name: string, file = 'x.txt') => ({
      name,
      sentinel: { sha256: 'b'.repeat(64), size: 1 },
      file,
      offload: '/x',
    });
    const found = problems(
      configInput(
        targetInput({ sentinels: [extra('unicode')] }),
        targetInput({ name: 'prod-unicode' }),
        targetInput({
          name: 'a-rather-long-target-name-here',
          storage: { type: 'filesystem', path: '/srv/h.txt' },
          sentinels: [extra('second', 'relative.txt')],
        }),
      ),
    );
    expect(formatProblems(found).split('\n')).toEqual([
      'targets[1].name: duplicates targets[0].sentinels[0].name (got "prod-unicode")',
      'targets[2].sentinels[0].name: makes the target name "a-rather-long-target-name-here-second", which is longer than 32 characters (got "a-rather-long-target-name-here-second")',
      'targets[2].sentinels[0].file: must be an absolute path (the target stores its sentinel on disk) (got "relative.txt")',
    ]);
  });

  it("says a bad target name once, by its own rule, and a sentinel's bad name by what is wrong with it", () => {
    // From a new user's trial: `"name": "x"` also read "which is longer than 32 characters".
    const extra = (name: string) => ({
      name,
      sentinel: { sha256: 'b'.repeat(64), size: 1 },
      file: 'k',
      offload: '/x',
    });
    const found = formatProblems(
      problems(
        configInput(
          targetInput({ name: 'x', sentinels: [extra('big')] }),
          targetInput({ name: 'prod', sentinels: [extra('big-')] }),
        ),
      ),
    ).split('\n');
    expect(found).toEqual([
      'targets[0].name: must be a short slug: 2-32 characters, a-z, 0-9 and "-" (got "x")',
      'targets[1].sentinels[0].name: makes the target name "prod-big-", which is not a short slug (a-z, 0-9 and "-", ending in a letter or digit) (got "prod-big-")',
    ]);
  });

  it('refuses an empty target list and a non-object', () => {
    expect(problems({ targets: [] })[0]?.path).toBe('targets');
    expect(problems('nope')[0]?.path).toBe('(root)');
  });

  it('finds a target by name and lists the names when it is missing', () => {
    const v = validateConfig(configInput(targetInput(), targetInput({ name: 'staging' })));
    if (!v.ok) throw new Error('invalid');
    expect(findTarget(v.config, 'staging').name).toBe('staging');
    expect(() => findTarget(v.config, 'qa')).toThrow('no target named "qa" (configured: prod, staging)');
    expect(() => findTarget(v.config, undefined)).toThrow(/choose one with --target/);
  });
});

describe('the JSON Schema of the config', () => {
  it('is the committed docs/config.schema.json (run `npm run build` after changing the schema)', async () => {
    const { readFileSync } = await import('node:fs');
    const { renderSchema, SCHEMA_PATH } = await import('../../scripts/build.ts');
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderSchema());
  });
});

describe('docs/config.md, the config reference', () => {
  const read = async () => {
    const { readFileSync } = await import('node:fs');
    const { docsPagePath } = await import('../../scripts/build.ts');
    return readFileSync(docsPagePath('config.md'), 'utf8');
  };

  it('has its field reference generated from the schema and up to date (run `npm run build` after changing it)', async () => {
    const { renderDocsPage } = await import('../../scripts/docs-pages.ts');
    const page = await read();
    expect(page).toBe(renderDocsPage('config.md', page));
  });

  it("lists every field with its type, default and rules, the storage's kinds apart, a shared shape once", async () => {
    const { renderConfigReference } = await import('../../scripts/docs-pages.ts');
    const { configJsonSchema } = await import('../../functions/config/schema.ts');
    const reference = renderConfigReference(configJsonSchema());
    expect(reference).toContain('### `targets[].storage` when `type` is `"s3"`');
    expect(reference).toContain(
      '| `proxyAuth` | one of `"presigned"`, `"network"`, `"public"` | default `"presigned"` |  |',
    );
    expect(reference).toContain('| `confirmDelayMs` | integer | default `2000` | ≥ 0, ≤ 60000 |');
    expect(reference).toContain(
      '| `acceptEncoding` | string (not empty) or `false` | default `"gzip, deflate, br, zstd"` |  |',
    );
    // A pipe in a pattern is escaped, so that it does not split the table's cell.
    expect(reference).toContain('`^(\\[[0-9a-fA-F:]+\\]\\|[A-Za-z0-9.-]+)(:\\d{1,5})?$`');
    // The three HTTP checks share one `tls` shape: one table, the others point to it.
    expect(reference.match(/^### `targets\[\]\.\w+\.tls`$/gm)).toEqual(['### `targets[].app.tls`']);
    expect(reference).toContain(
      '| `tls` | object ([as `targets[].app.tls`](#targetsapptls)) | optional |  |',
    );
  });

  it('explains every field of the schema in its hand-written prose, not only in the generated tables', async () => {
    const { handWritten, schemaFieldNames } = await import('../../scripts/docs-pages.ts');
    const { configJsonSchema } = await import('../../functions/config/schema.ts');
    const prose = handWritten(await read());
    // Every identifier the prose shows as code (`name`, `{type: "s3", bucket, key}`, `TARGET-NAME`...).
    const spans = prose.match(/`[^`\n]+`/g) ?? [];
    const named = new Set(spans.flatMap((s) => s.match(/[$\w]+/g) ?? []));
    const fields = [...schemaFieldNames(configJsonSchema())];
    expect(fields.length).toBeGreaterThan(50);
    expect(fields.filter((f) => !named.has(f))).toEqual([]);
  });
});

describe('what a bad config is told, field by field', () => {
  const problemsOf = (input: unknown) => {
    const v = validateConfig(input);
    return v.ok ? '' : formatProblems(v.problems);
  };

  it('says what is missing, what a field must be, and which key is unknown (not "Invalid input")', () => {
    const { sentinel: _sentinel, ...noSentinel } = targetInput();
    const out = problemsOf({
      targets: [{ ...noSentinel, schedule: 5, endToEnd: { url: 'https://x.example.com/d', size: 65 } }],
    });
    expect(out).toContain('targets[0].sentinel: missing: expected object');
    expect(out).toContain('targets[0].schedule: Invalid input: expected string, received number (got 5)');
    expect(out).toContain('targets[0].endToEnd: Unrecognized key: "size"');
    expect(out).not.toMatch(/: Invalid input( \(|$)/m);
  });

  it('lists the same mistake of a thousand targets a few times, then counts it', () => {
    const { sentinel: _sentinel, ...noSentinel } = targetInput();
    const targets = Array.from({ length: 1000 }, (_, i) => ({ ...noSentinel, name: `t${i}` }));
    const lines = problemsOf({ targets }).split('\n');
    expect(lines).toEqual([
      'targets[0].sentinel: missing: expected object',
      'targets[1].sentinel: missing: expected object',
      'targets[2].sentinel: missing: expected object',
      '… and 997 more of targets[].sentinel: missing: expected object',
    ]);
  });
});
