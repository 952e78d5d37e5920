import { describe, expect, it } from 'vitest';
import { planTick } from '../../functions/config/fleet.ts';
import type { ConfigInput } from '../../functions/config/schema.ts';
import { SAME_PROBLEMS_SHOWN } from '../../functions/config/validate.ts';
import {
  fleetProblems,
  lambdaProblems,
  MAX_PLAN_BYTES,
  PLANNED_RUN_BYTES as plannedRunBytes,
  unreachableWithoutVpc,
} from '../../infra/limits.ts';
import { defaultInstanceName } from '../../infra/props.ts';
import { targetInput } from '../fixtures/config.ts';

describe('addresses a Lambda outside a VPC cannot reach', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['localhost', /loopback/],
    ['api.localhost', /loopback/],
    ['10.0.1.20', /private address \(10\.0\.0\.0\/8\)/],
    ['172.16.0.1', /private/],
    ['172.31.255.1', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /shared/],
    ['169.254.169.254', /link-local/],
    ['[::1]', /loopback/],
    ['fd00::1', /unique local/],
    ['fe80::1', /link-local/],
    ['::ffff:10.0.0.1', /private/],
  ])('%s', (host, why) => {
    expect(unreachableWithoutVpc(host)).toMatch(why);
  });

  it.each(['www.example.com', '8.8.8.8', '172.32.0.1', '2001:db8::1', '11.0.0.1'])('not %s', (host) => {
    expect(unreachableWithoutVpc(host)).toBeUndefined();
  });
});

describe('what cannot work on Lambda, by its field path', () => {
  const config = (overrides: Record<string, unknown>) =>
    ({
      targets: [
        targetInput({
          name: 'ok',
          endToEnd: { url: 'https://www.example.com/d/' },
          app: { url: 'https://app.example.com/d/', offload: { header: 'X-Accel-Redirect', value: '/x' } },
          proxy: { url: 'https://www.example.com/s/' },
        }),
        targetInput(overrides),
      ],
    }) as unknown as ConfigInput;

  it('lists one more in full rather than count it alone ("and 0 more like it: 1 more addresses")', () => {
    const fleet = {
      targets: Array.from({ length: SAME_PROBLEMS_SHOWN + 1 }, (_, i) =>
        targetInput({ name: `t${i}`, endToEnd: { url: `http://10.0.0.${i}/d/` } }),
      ),
    } as unknown as ConfigInput;
    const problems = lambdaProblems(fleet, false).filter((p) => p.includes('endToEnd.url'));
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      Array.from({ length: SAME_PROBLEMS_SHOWN + 1 }, (_, i) => `targets[${i}].endToEnd.url`),
    );
    expect(problems.join('\n')).not.toContain('more like it');
  });

  it('lists the first few of a fleet on private addresses, then counts the rest (not 300 lines alike)', () => {
    const fleet = {
      targets: Array.from({ length: 300 }, (_, i) =>
        targetInput({ name: `t${i}`, endToEnd: { url: `http://10.0.${i >> 8}.${i & 255}/d/` } }),
      ),
    } as unknown as ConfigInput;
    const problems = lambdaProblems(fleet, false).filter((p) => p.includes('endToEnd.url'));
    expect(problems).toHaveLength(SAME_PROBLEMS_SHOWN + 1);
    expect(problems[0]).toMatch(/^targets\[0\]\.endToEnd\.url: 10\.0\.0\.0 is a private address/);
    expect(problems.at(-1)).toBe(
      `targets[${SAME_PROBLEMS_SHOWN}].endToEnd.url and ${299 - SAME_PROBLEMS_SHOWN} more like it: ` +
        `${300 - SAME_PROBLEMS_SHOWN} more addresses that are a private address (10.0.0.0/8), the same`,
    );
  });

  it('lists the second target’s fields, and is silent on a public one', () => {
    const problems = lambdaProblems(
      config({
        storage: { type: 'filesystem', path: '/srv/h.txt', readAs: 'www-data' },
        endToEnd: {
          url: 'https://www.example.com/d/',
          tls: { caFile: '/etc/ca.pem' },
          connectTo: '10.0.0.5:443',
        },
        sentinels: [
          {
            name: 'u',
            sentinel: { sha256: 'a'.repeat(64), size: 1 },
            file: '/srv/u.txt',
            offload: '/x',
            urls: { proxy: 'http://192.168.0.9/u/' },
          },
        ],
      }),
      false,
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'targets[1].storage.type',
      'targets[1].storage.readAs',
      'targets[1].endToEnd.tls.caFile',
      'targets[1].app.url',
      'targets[1].proxy.url',
      'targets[1].endToEnd.connectTo',
      'targets[1].sentinels[0].urls.proxy',
    ]);
    // With a VPC, private addresses are reachable; the disk and the CA file still are not.
    expect(
      lambdaProblems(config({ storage: { type: 'filesystem', path: '/srv/h.txt' } }), true),
    ).toHaveLength(1);
  });
});

describe('the default instance name', () => {
  it('joins the stack name and the construct path, letters and digits, 30 at most, unique by a hash', () => {
    expect(defaultInstanceName('DownloadDoctor', '/Healthchecks')).toBe('DownloadDoctorHealthchecks');
    expect(defaultInstanceName('staging-eu', '/Downloads')).toBe('stagingeuDownloads');
    const a = defaultInstanceName('AVeryLongStackNameForProduction', '/Healthchecks');
    const b = defaultInstanceName('AVeryLongStackNameForProduction', '/Healthchecks2');
    expect(a).toHaveLength(30);
    expect(a).not.toBe(b);
    expect(defaultInstanceName('1st', '/x')).toMatch(/^[A-Za-z]/);
  });
});

describe("the plan's answer, within Step Functions' payload", () => {
  // Names as a fleet writes them (site, tenant, Region): 26 characters each.
  const names = (n: number) =>
    Array.from({ length: n }, (_, i) => `shop-tenant${String(i).padStart(5, '0')}-eu-west-1`);
  const configOf = (n: number) =>
    ({ targets: names(n).map((name) => ({ name })) }) as unknown as Parameters<typeof fleetProblems>[0];
  const every5 = (n: number) => Object.fromEntries(names(n).map((name) => [name, 300_000]));

  it('weighs no less than the plan function answers for the same targets', () => {
    // The real answer: every run with its start, whether it is full, and its wait before a confirmation.
    const targets = names(1000).map((name) => ({ name, periodMs: 300_000, confirmDelayMs: 60_000 }));
    // Less the answer's own braces: the margin under 256 KB holds them.
    const real = JSON.stringify({ runs: planTick(targets, 300_000, Date.now(), 30_000) }).length - 11;
    const counted = names(1000).reduce((n, name) => n + name.length, 0) + 1000 * plannedRunBytes;
    expect(counted).toBeGreaterThanOrEqual(real);
    expect(counted - real).toBeLessThan(1000 * 5);
  });

  it('refuses an interval whose plan would pass it, naming the schedules and what to do', () => {
    const fits = Math.floor(MAX_PLAN_BYTES / (26 + plannedRunBytes));
    expect(fleetProblems(configOf(fits), every5(fits))).toEqual([]);
    const [problem] = fleetProblems(configOf(fits + 1), every5(fits + 1));
    expect(problem).toMatch(
      new RegExp(`^schedules: ${fits + 1} targets run every 5 min; .*give some of them another interval`),
    );
  });
});
