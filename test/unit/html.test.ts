/** The HTML renderer as a pure function (the browser test, test/browser/, looks at the page itself). */
import { describe, expect, it } from 'vitest';
import { notConfiguredResult } from '../../functions/checks/conditions.ts';
import { WireFormatError } from '../../functions/contract/errors.ts';
import type { Fault } from '../../functions/contract/names.ts';
import type { Report } from '../../functions/contract/types.ts';
import { reportHtml } from '../../functions/render/report-html.ts';
import { reportOf, result, type Spec, stages } from '../fixtures/results.ts';

const report = (target: string, ...spec: [Spec, Spec, Spec?, Spec?]): Report =>
  reportOf(stages(...spec), target);

/** The diagram's elements marked at fault, as `element=role`, in the order drawn. */
const marked = (html: string) =>
  [...html.matchAll(/data-element="([\w-]+)" data-fault="(\w+)"/g)].map((m) => `${m[1]}=${m[2]}`);

describe('the HTML report', () => {
  it.each<[string, Parameters<typeof report>, Fault | null, string[]]>([
    [
      'storage',
      ['prod', 'status', 'ok', 's3-no-such-key', 'status'],
      'storage',
      ['proxy=secondary', 'storage=primary'],
    ],
    ['proxy', ['prod', 'status', 'ok', 'ok', 'status'], 'proxy', ['proxy=primary']],
    ['app', ['prod', 'status', 'status', 'ok', 'ok'], 'app', ['app=primary']],
    ['proxy and app together', ['prod', 'header-leak', 'ok', 'ok', 'ok'], 'proxy-app', ['glue=primary']],
    ['no layer (a check crashed)', ['prod', 'status', 'ok', 'check-error', 'ok'], 'unknown', []],
    ['healthy', ['prod', 'ok', 'ok'], null, []],
  ])('marks the layer at fault on the diagram: %s', (_name, args, fault, marks) => {
    const r = report(...args);
    expect(r.verdict.fault).toBe(fault);
    const html = reportHtml([r]);
    expect(marked(html)).toEqual(marks);
    expect(html.includes('AT FAULT')).toBe(marks.length > 0);
    if (fault === 'unknown') expect(html).toContain('No layer is marked');
  });

  it('draws each check that ran with its outcome, and the ones that did not as not run', () => {
    const html = reportHtml([report('prod', 'ok', 'not-offloaded')]);
    const outcomes = [...html.matchAll(/data-check="([\w-]+)" data-outcome="([\w-]+)"/g)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    expect(outcomes.sort()).toEqual(['app=fail', 'end-to-end=pass', 'proxy=not-run', 'storage=not-run']);
  });

  it('loads nothing: no script, no stylesheet or font link, no URL to fetch; a CSP that forbids it anyway', () => {
    const html = reportHtml([report('prod', 'status', 'ok', 'ok', 'status'), report('staging', 'ok', 'ok')]);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|@font-face|src=|url\((?!#)/i);
    expect(html).not.toMatch(/href="(?!#)/);
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'"`,
    );
    // Two targets: an index, a section each, the worst status in the title.
    expect(html).toContain('<title>FAILED: 2 targets · download-doctor</title>');
    expect(html).toContain('href="#target-staging"');
  });

  it('escapes what came from a server', () => {
    const r = report('prod', 'status', 'ok', 'ok', 'status');
    const e2e = r.results[0];
    if (!e2e) throw new Error('no result');
    e2e.message = '<script>alert(1)</script>';
    e2e.observed = { headers: { server: '"><img src=x onerror=alert(1)>' } };
    e2e.conditions[0] = {
      subject: '[STATUS]',
      kind: 'status',
      pass: false,
      expected: '200',
      observed: '<b>',
    };
    const html = reportHtml([r]);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;');
  });

  it('lists every condition, notes, and the rerun commands with the state machine when known', () => {
    const r = report('prod', 'status', 'ok', 'ok', 'status');
    const proxy = r.results.find((x) => x.layer === 'proxy');
    if (!proxy) throw new Error('no proxy result');
    proxy.notes = ['the answer was a 301 redirect to https://elsewhere/; redirects are not followed'];
    const html = reportHtml([r], { stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:dd' });
    const rows = html.match(/<tr class="(pass|fail)" data-condition=/g) ?? [];
    expect(rows).toHaveLength(r.results.reduce((n, x) => n + x.conditions.length, 0));
    expect(html).toContain('redirects are not followed');
    expect(html).toContain(
      `aws stepfunctions start-execution --state-machine-arn arn:aws:states:eu-west-1:1:stateMachine:dd --input &#39;{&quot;target&quot;:&quot;prod&quot;}&#39;`,
    );
  });

  it('reads its reports with the contract: a malformed one names the field', () => {
    const r = report('prod', 'ok', 'ok');
    const bad = { ...r, results: [{ ...r.results[0], timings: {} }] } as unknown as Report;
    expect(() => reportHtml([bad])).toThrow(WireFormatError);
    expect(() => reportHtml([bad])).toThrow('results[0].timings.totalMs: expected number, got nothing');
  });

  it('shows a check without settings as not configured, never as a crash (a bug of the issue)', () => {
    const at = '2026-11-24T00:00:00.000Z';
    const r = reportOf({
      stage1: [result('end-to-end', 'status'), result('app', 'ok')],
      stage2: [notConfiguredResult('storage', 'prod', at), notConfiguredResult('proxy', 'prod', at)],
    });
    const html = reportHtml([r]);
    expect(html).toContain('not-configured: the check is not configured for this target');
    expect(html).not.toContain('crashed');
    expect(html).not.toContain('check-error');
  });

  it("names each box with the target's own parts: the proxy's and the app's host and port, bucket and key", () => {
    const r: Report = {
      ...report('prod', 'status', 'ok'),
      where: {
        'end-to-end': 'https://downloads.example.com/healthcheck-utils/download/',
        app: 'http://10.0.1.20:8000/healthcheck-utils/download/',
        storage: 's3://example-downloads/healthcheck/dummy.txt',
        proxy: 'https://downloads.example.com/healthcheck-utils/storage/',
      },
    };
    const html = reportHtml([r]);
    const box = (el: string) =>
      new RegExp(`data-element="${el}"[^>]*>([\\s\\S]*?)</g>`).exec(html)?.[1]?.replace(/<[^>]+>/g, '|') ??
      '';
    expect(box('proxy')).toContain('downloads.example.com');
    expect(box('app')).toContain('10.0.1.20:8000');
    expect(box('storage')).toContain('Storage · S3');
    expect(box('storage')).toContain('example-downloads');
    expect(box('storage')).toContain('healthcheck/dummy.txt');
    for (const generic of ['nginx, Apache, lighttpd', 'S3 or a directory', 'the download view'])
      expect(html).not.toContain(generic);
    // The whole location, for a tooltip and for tests.
    expect(html).toContain('data-where="s3://example-downloads/healthcheck/dummy.txt"');
  });

  it('names boxes from the results when the report has no where (an older producer), a long name cut in its middle', () => {
    const r = report('prod', 'status', 'ok', 'fs-not-found', 'status');
    const storage = r.results.find((x) => x.layer === 'storage');
    if (!storage) throw new Error('no storage result');
    storage.target = '/srv/downloads/healthcheck/a-rather-long-sentinel-file-name.txt';
    const html = reportHtml([r]);
    expect(html).toContain('>/srv/downloa…ealthcheck/<');
    expect(html).toContain('>a-rather-lon…le-name.txt<');
    expect(html).toContain('data-where="/srv/downloads/healthcheck/a-rather-long-sentinel-file-name.txt"');
    expect(html).toContain('>example.test<'); // the app's and the proxy's host, from each result's target
  });

  it('says a failure was confirmed: how many attempts, how far apart; or that it flapped', () => {
    const first = result('end-to-end', 'connect-refused');
    const again = { ...result('end-to-end', 'connect-refused'), startedAt: '2026-11-24T00:00:02.100Z' };
    const confirmed = {
      ...reportOf({ stage1: [again, result('app', 'ok')] }),
      confirmation: { firstAttempt: [first], flapped: false },
    };
    expect(reportHtml([confirmed])).toContain(
      'Confirmed: end-to-end failed on both of 2 attempts, 2.1 s apart (2026-11-24T00:00:00.000Z, then 2026-11-24T00:00:02.100Z).',
    );
    const passed = { ...result('end-to-end', 'ok'), startedAt: '2026-11-24T00:00:02.000Z' };
    const flapped = {
      ...reportOf({ stage1: [passed, result('app', 'ok')] }),
      confirmation: { firstAttempt: [first], flapped: true },
    };
    expect(reportHtml([flapped])).toContain(
      'Not confirmed (it flapped): end-to-end failed on the first of 2 attempts and passed on the second, 2.0 s apart',
    );
    expect(reportHtml([report('prod', 'ok', 'ok')])).not.toContain('data-confirmation');
  });

  it('gives each failed check what to check first, and the exact command to run it again', () => {
    const html = reportHtml([report('prod', 'status', 'connect-refused', 'ok', 'ok')], {
      configFile: './download-doctor.config.ts',
    });
    expect(html).toContain('data-hint="connect-refused"');
    expect(html).toContain('nothing listens on that host and port: is the service running');
    expect(html).toContain(
      '<pre>npx download-doctor run --config ./download-doctor.config.ts --target prod</pre>',
    );
    expect(reportHtml([report('prod', 'ok', 'ok')])).not.toContain('data-hint');
  });
});
