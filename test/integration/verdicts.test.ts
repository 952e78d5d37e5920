/**
 * The whole product against the real sandbox, in every variant: the workflow's ASL on the local engine, the real
 * probes, gunicorn with django-downloadview, and nginx with moto's S3 (a private bucket, signed URLs), or Apache
 * with mod_xsendfile or lighttpd, and a disk.
 * Healthy, then every fault of the catalogue, each with its verdict.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTarget } from '../../cli/run.ts';
import type { Config } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import { LAYERS } from '../../functions/contract/names.ts';
import { SANDBOX_VARIANTS, type Variant, variantFaults } from '../../sandbox/faults.ts';
import { type MatrixRow, matrixTable, outcome, rowMatches } from '../../sandbox/matrix.ts';
import { useEnv } from '../../sandbox/monitor.ts';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';

describe.each(Object.keys(SANDBOX_VARIANTS) as Variant[])('verdicts on the %s sandbox', (variant) => {
  let box: Sandbox;
  let config: Config;
  const matrix: MatrixRow[] = [];

  beforeAll(async () => {
    box = await startSandbox({ variant });
    useEnv(box.env);
    config = validSandboxConfig(box);
  });

  afterAll(async () => {
    await box?.stop();
    // The fault matrix, as the issue asks to see it: each check's outcome, the verdict, the expected one.
    if (matrix.length > 0) {
      console.log(`\nfault matrix (${variant}: ${SANDBOX_VARIANTS[variant]}):\n${matrixTable(matrix)}\n`);
    }
  });

  /**
   * Runs one target: the written one, or an extra sentinel's (`sandbox-unicode`), with the config and environment
   * the monitor has now (a monitor fault changes them); `allLayers`: a full run.
   */
  const run = async (name = 'sandbox', allLayers = false) => {
    useEnv(box.env);
    config = validSandboxConfig(box);
    const target = config.targets.find((t) => t.name === name);
    if (!target) throw new Error(`no target ${name}`);
    return (await runTarget(config, target, undefined, { allLayers })).report;
  };

  // Apache has no awkward sentinel: mod_xsendfile takes django-downloadview's percent-encoded path literally.
  // The big sentinel is nginx's (the temp-file limit is nginx's).
  const targets = [
    'sandbox',
    'sandbox-unicode',
    ...(variant === 'apache-disk' ? [] : ['sandbox-awkward']),
    ...(variant === 'nginx-s3' ? ['sandbox-big'] : []),
  ];
  it.each(targets)('is healthy on target %s, and stage 2 does not run', async (name) => {
    const report = await run(name);
    expect(report.verdict).toMatchObject({ status: 'healthy', fault: null, faults: [] });
    expect(report.results.map((r) => [r.layer, r.ok])).toEqual([
      ['end-to-end', true],
      ['app', true],
    ]);
    const e2e = report.results[0];
    expect(e2e?.observed.sha256).toBe(box.sentinels.find((s) => s.target === name)?.sha256);
    expect(e2e?.timings.firstByteMs).toBeGreaterThan(0);
  });

  it.each(variantFaults(variant).map((f) => [f.name, f] as const))('%s', async (name, fault) => {
    const target = fault.sentinel ? `sandbox-${fault.sentinel}` : 'sandbox';
    await box.applyFault(name);
    try {
      const report = await run(target, fault.allLayers);
      matrix.push({ fault, report });
      for (const layer of LAYERS) {
        expect([fault.saw[layer]].flat(), `what the ${layer} check saw`).toContain(outcome(report, layer));
      }
      expect(rowMatches({ fault, report }), report.verdict.summary).toBe(true);
      const flagged = report.results.find((r) => r.layer === fault.expected.check);
      expect(report.verdict, report.verdict.summary).toMatchObject({
        status: fault.expected.status,
        fault: fault.expected.fault,
      });
      expect(report.verdict.faults[0] ?? null).toBe(fault.expected.fault);
      expect(flagged, `the ${fault.expected.check} check ran`).toBeDefined();
      const { kind } = fault.expected;
      if (typeof kind === 'string') {
        expect(flagged?.ok).toBe(false);
        expect(flagged?.kind).toBe(kind);
      } else {
        // A hygiene note: printed and reported, the download itself fine.
        expect(flagged?.ok).toBe(true);
        expect(
          flagged?.notes?.some((n) => n.endsWith(`[${kind.note}]`)),
          JSON.stringify(flagged?.notes),
        ).toBe(true);
      }
      if (fault.expected.rule) expect(report.verdict.rule).toBe(fault.expected.rule);
      expect(report.verdict.monitorWarning !== undefined, report.verdict.monitorWarning).toBe(
        fault.expected.monitorWarning === true,
      );
    } finally {
      await box.clearFaults();
    }
    const after = await run(target, fault.allLayers);
    expect(after.verdict.status).toBe('healthy');
    expect(after.verdict.monitorWarning).toBeUndefined();
  });

  if (variant === 'nginx-s3') cliTests(() => box);
});

function validSandboxConfig(sandbox: Sandbox): Config {
  const v = validateConfig(sandbox.config);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.config;
}

/** The CLI, seed and check, on the nginx + S3 sandbox of the matrix (seed writes to S3). */
function cliTests(sandbox: () => Sandbox): void {
  let box: Sandbox;
  beforeAll(() => {
    box = sandbox();
  });

  describe('the CLI against the sandbox', () => {
    it('prints the JSON report and exits 0 when healthy, 1 when a layer is broken', async () => {
      const file = join(box.dir, 'download-doctor.config.json');
      writeFileSync(file, JSON.stringify(box.config));
      const cli = () =>
        spawnSync(
          new URL('../../bin/download-doctor', import.meta.url).pathname,
          ['run', '--config', file, '--format', 'json'],
          {
            encoding: 'utf8',
            env: { ...process.env, ...box.env },
            timeout: 60_000,
          },
        );
      const healthy = cli();
      expect(healthy.status, healthy.stderr).toBe(0);
      const out = JSON.parse(healthy.stdout);
      // Every target but the big sentinel, which runs on a schedule of its own.
      expect(out).toMatchObject({
        schemaVersion: 1,
        status: 'healthy',
        reports: [{ target: 'sandbox' }, { target: 'sandbox-unicode' }, { target: 'sandbox-awkward' }],
      });

      await box.applyFault('storage-upstream-wrong-port');
      try {
        const broken = cli();
        expect(broken.status).toBe(1);
        expect(JSON.parse(broken.stdout).reports[0].verdict).toMatchObject({
          status: 'failed',
          fault: 'proxy',
        });
      } finally {
        await box.clearFaults();
      }
    });

    it('writes JUnit with one test case per check and the verdict', () => {
      const file = join(box.dir, 'download-doctor.config.json');
      writeFileSync(file, JSON.stringify(box.config));
      const r = spawnSync(
        new URL('../../bin/download-doctor', import.meta.url).pathname,
        ['run', '--config', file, '--format', 'junit'],
        {
          encoding: 'utf8',
          env: { ...process.env, ...box.env },
          timeout: 60_000,
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('<testsuite name="sandbox" tests="3" failures="0"');
      expect(r.stdout).toContain('name="end-to-end"');
      expect(r.stdout).toContain('name="verdict"');
    });
  });

  describe('seed and check against the sandbox', () => {
    const bin = new URL('../../bin/download-doctor', import.meta.url).pathname;
    const dd = (args: string[]) =>
      spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...box.env }, timeout: 60_000 });

    it('seed uploads a sentinel and prints the sha256 and size the config needs; the storage check then reads it', () => {
      const file = join(box.dir, 'download-doctor.config.json');
      const sentinel = join(box.dir, 'new-sentinel.txt');
      writeFileSync(sentinel, 'a new sentinel for download-doctor\n');
      writeFileSync(file, JSON.stringify(box.config));
      const seeded = dd([
        'seed',
        '--config',
        file,
        '--file',
        sentinel,
        '--content-type',
        'text/plain; charset=utf-8',
      ]);
      expect(seeded.status, seeded.stderr).toBe(0);
      const printed = JSON.parse(seeded.stdout).sentinel;
      expect(printed).toMatchObject({ size: 35, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

      // The old sentinel's checksum no longer matches; with the printed values, the storage check passes.
      const stale = dd(['check', 'storage', '--config', file, '--format', 'json']);
      expect(stale.status).toBe(1);
      expect(JSON.parse(stale.stdout)).toMatchObject({ ok: false, kind: 'size-mismatch' });
      const target = {
        ...box.config.targets[0],
        sentinel: { ...box.config.targets[0]?.sentinel, ...printed },
      };
      writeFileSync(file, JSON.stringify({ targets: [target] }));
      const fresh = dd(['check', 'storage', '--config', file]);
      expect(fresh.status, fresh.stdout).toBe(0);
      expect(fresh.stdout).toContain('PASS  storage');
    });

    afterAll(async () => {
      // The sandbox's own sentinel again, for any test after this one.
      await box.setLever({ lever: 'sentinel', value: 'present' });
    });
  });
}
