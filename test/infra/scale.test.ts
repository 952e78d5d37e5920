/**
 * The construct at scale: 1, 100 and 1,000 README-style targets (bench/scale-synth.ts) synthesized, each figure
 * under its AWS limit with margin, and constant in the number of targets (the per-target facts live in the config
 * layer and the table, not in CloudFormation resources or IAM statements). The 1,000-target template passes cfn-lint.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS, measureScale, SCALE_HEADER, type ScaleFigures, scaleRow } from '../../bench/scale-synth.ts';
import { cfnLint } from '../fixtures/cdk.ts';

const figures: ScaleFigures[] = [];
afterAll(() => {
  for (const f of figures) f.cleanup();
});

describe('the construct with 1, 100 and 1,000 targets', () => {
  it('stays under every AWS limit with margin, and does not grow with the targets', () => {
    for (const n of [1, 100, 1000]) figures.push(measureScale(n));
    console.log(`${SCALE_HEADER}\n${figures.map(scaleRow).join('\n')}`);
    const [one, hundred, thousand] = figures as [ScaleFigures, ScaleFigures, ScaleFigures];
    for (const f of figures) {
      expect(f.resources, `${f.targets} targets: resources`).toBeLessThan(LIMITS.resources / 4);
      expect(f.templateBytes, `${f.targets} targets: template`).toBeLessThan(LIMITS.templateBytes / 8);
      expect(f.largestPolicyChars, `${f.targets} targets: largest policy`).toBeLessThan(
        LIMITS.policyChars / 2,
      );
      expect(f.largestRoleChars, `${f.targets} targets: a role's inline policies`).toBeLessThan(
        LIMITS.roleInlineChars / 3,
      );
      expect(f.alarms, `${f.targets} targets: alarms`).toBeLessThan(25);
      expect(f.widgets, `${f.targets} targets: widgets`).toBeLessThan(LIMITS.widgets / 20);
      expect(f.metricsPerWidget, `${f.targets} targets: metrics in a widget`).toBeLessThan(20);
    }
    // Constant: the same resources, alarms, widgets and metrics for 1 target or 1,000.
    for (const key of ['resources', 'alarms', 'widgets', 'dashboardMetrics'] as const) {
      expect(hundred[key], key).toBe(one[key]);
      expect(thousand[key], key).toBe(one[key]);
    }
    // The grants collapse: a few hundred characters more, whatever the number of targets past a few.
    expect(thousand.largestPolicyChars - hundred.largestPolicyChars).toBeLessThan(200);
    expect(thousand.templateBytes - one.templateBytes).toBeLessThan(20_000);
  }, 120_000);

  it('synthesizes 1,000 targets into a template cfn-lint passes with no error', () => {
    const thousand = figures.find((f) => f.targets === 1000);
    if (!thousand) throw new Error('the first test synthesizes it');
    expect(cfnLint(thousand.templateFile).errors).toEqual([]);
  }, 120_000);
});
