import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report, StageResults } from '../../functions/contract/types.ts';
import {
  changesOf,
  type LeverChange,
  restoreOf,
  SANDBOX_FAULTS,
  SANDBOX_VARIANTS,
  STACK_LEVERS,
  sandboxFault,
  variantFaults,
} from '../../sandbox/faults.ts';
import { matrixTable, rowMatches } from '../../sandbox/matrix.ts';
import { reportOf, stages } from '../fixtures/results.ts';

const report = (s: StageResults): Report => reportOf(s, 'sandbox');

describe('the fault catalogue', () => {
  it('names each fault once, and gives each variant the faults the issue lists', () => {
    const names = SANDBOX_FAULTS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(SANDBOX_FAULTS.every((f) => f.variant in SANDBOX_VARIANTS)).toBe(true);
    for (const variant of Object.keys(SANDBOX_VARIANTS) as (keyof typeof SANDBOX_VARIANTS)[]) {
      const layers = new Set(variantFaults(variant).map((f) => f.expected.fault));
      // Every variant breaks storage, the app and the glue between proxy and app.
      expect([...layers].sort(), variant).toEqual(expect.arrayContaining(['app', 'proxy-app', 'storage']));
    }
  });

  it('has at least 50 faults, each variant at least 15', () => {
    expect(SANDBOX_FAULTS.length).toBeGreaterThanOrEqual(50);
    for (const variant of Object.keys(SANDBOX_VARIANTS) as (keyof typeof SANDBOX_VARIANTS)[]) {
      expect(variantFaults(variant).length, variant).toBeGreaterThanOrEqual(15);
    }
  });

  it('shares a definition across variants: the same lever and value, the name prefixed by the variant', () => {
    const twins = ['app-down', 'apache-app-down', 'lighttpd-app-down'] as const;
    const changes = twins.map((name) => changesOf(sandboxFault(name)));
    expect(new Set(changes.map((c) => JSON.stringify(c))).size).toBe(1);
    expect(twins.map((name) => sandboxFault(name).variant)).toEqual([
      'nginx-s3',
      'apache-disk',
      'lighttpd-disk',
    ]);
    // `{proxy}` names each variant's server.
    expect(sandboxFault('lighttpd-proxy-sends-refused-host').description).toMatch(/^lighttpd sends the app/);
  });

  it('derives every restore from the change: the option back to its default, the lever to its healthy value', () => {
    expect(restoreOf(sandboxFault('apache-xsendfile-off').change as LeverChange)).toEqual({
      lever: 'proxy',
      option: 'xsendfileOff',
      value: undefined,
    });
    expect(restoreOf(sandboxFault('storage-down').change as LeverChange)).toEqual({
      lever: 'storage-server',
      value: 'up',
    });
    for (const f of SANDBOX_FAULTS) {
      for (const change of changesOf(f)) {
        const restore = restoreOf(change);
        expect(restore.lever, f.name).toBe(change.lever);
        if (change.lever === 'proxy' || change.lever === 'app' || change.lever === 'monitor') {
          expect(restore, f.name).toEqual({ ...change, value: undefined });
          expect(change.value, f.name).not.toBeUndefined();
        } else {
          expect(restore.value, f.name).toBe(STACK_LEVERS[change.lever][0]);
          expect(change.value, f.name).not.toBe(restore.value);
        }
      }
    }
  });

  it('has the flagged check see the expected kind in every entry (ok for a hygiene note)', () => {
    const off = SANDBOX_FAULTS.filter((f) => {
      const kind = f.expected.kind;
      return ![f.saw[f.expected.check]].flat().includes(typeof kind === 'string' ? kind : 'ok');
    });
    expect(off.map((f) => f.name)).toEqual([]);
  });
});

describe('the fault matrix table', () => {
  const fault = sandboxFault('storage-upstream-wrong-port');
  const right = report(stages('status', 'ok', 'ok', 'status'));
  // The right verdict, but flagged with another kind than the catalogue states: not a match.
  const wrongKind = report(stages('status', 'ok', 'ok', 'connect-refused'));
  const wrongLayer = report(stages('status', 'ok', 's3-no-such-key', 'status'));

  it('matches only the expected verdict, flagged by the expected check with the expected kind', () => {
    expect(rowMatches({ fault, report: right })).toBe(true);
    expect(rowMatches({ fault, report: wrongKind })).toBe(false);
    expect(rowMatches({ fault, report: wrongLayer })).toBe(false);
  });

  it('matches only when each check saw what the catalogue says, any of its alternatives', () => {
    // The right verdict, but the app check was slow where the catalogue says ok.
    expect(rowMatches({ fault, report: report(stages('status', 'slow', 'ok', 'status')) })).toBe(false);
    const streamed = sandboxFault('apache-middleware-disabled');
    for (const e2e of ['ok', 'range-ignored'] as const) {
      expect(
        rowMatches({ fault: streamed, report: report(stages(e2e, 'not-offloaded', 'ok', 'ok')) }),
        e2e,
      ).toBe(true);
    }
  });

  it('prints each check, the verdict, the expectation and the accuracy', () => {
    const text = matrixTable([
      { fault, report: right },
      { fault, report: wrongLayer },
    ]);
    const [head, , first, second] = text.split('\n');
    expect(head?.split(/\s+/)).toEqual([
      'fault',
      'end-to-end',
      'app',
      'storage',
      'proxy',
      'verdict',
      'expected',
      'match',
    ]);
    expect(first).toMatch(
      /^storage-upstream-wrong-port\s+status\s+ok\s+ok\s+status\s+failed proxy\s+failed proxy \(proxy: status\)\s+yes$/,
    );
    expect(second).toMatch(/s3-no-such-key.*failed storage.*NO$/);
    expect(text).toMatch(/verdict accuracy: 1\/2 \(50%\)$/);
  });
});

describe('docs/faults.md', () => {
  it('is generated from the catalogue and up to date (npm run build)', async () => {
    const { renderFaultsPage } = await import('../../sandbox/faults-page.ts');
    const { FAULTS_PAGE_PATH } = await import('../../scripts/build.ts');
    const page = renderFaultsPage();
    expect(page).toContain('| `lighttpd-xsendfilepath-mismatch`');
    expect(readFileSync(FAULTS_PAGE_PATH, 'utf8')).toBe(page);
  });
});
