/**
 * A page always goes out: whatever a server answers, the page's message stays under PAGE_MAX_BYTES (well below
 * SNS's 256 KB) and its subject under 100 characters, and what matters comes whole: the verdict, the layer at fault,
 * the summary, the first failed condition of each check, how to rerun. Long values are cut with a visible marker
 * that counts what the server really sent, even when the checks had cut it before.
 */
import { describe, expect, it } from 'vitest';
import { TARGET_ALARMS } from '../../functions/alerting/rules.ts';
import { safeDeep } from '../../functions/contract/text.ts';
import type { CheckResult, Report } from '../../functions/contract/types.ts';
import {
  PAGE_LINE_MAX,
  PAGE_MAX_BYTES,
  PAGE_VALUE_MAX,
  pageText,
  SUBJECT_MAX,
} from '../../functions/render/page.ts';
import { reportOf, stages } from '../fixtures/results.ts';

const down = TARGET_ALARMS.find((r) => r.id === 'down');
const tlsRule = TARGET_ALARMS.find((r) => r.id === 'tls-expiry');
if (!down || !tlsRule) throw new Error('the down and tls-expiry rules');
const at = new Date('2026-11-24T03:12:00Z');
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const ARN = 'arn:aws:states:eu-west-1:111122223333:stateMachine:download-doctor-prod';

/** Every check failed, and every header it chose carries `header` (a server's 125 KB value, say). */
function hostileReport(header: string, headers = 7, target = 'prod'): Report {
  const r = reportOf(stages('status', 'status', 'ok', 'status'), target);
  const names = [
    'content-disposition',
    'server',
    'location',
    'cache-control',
    'x-accel-redirect',
    'etag',
    'age',
  ];
  const chosen = Object.fromEntries(names.slice(0, headers).map((n) => [n, header]));
  return {
    ...r,
    results: r.results.map(
      (x): CheckResult => ({
        ...x,
        message: `${x.layer} answered ${header.slice(0, 3_000)}`,
        observed: { status: 502, headers: chosen, error: header },
        expected: { status: 200, headers: chosen },
      }),
    ),
  };
}

const page = (report: Report, target = 'prod') =>
  pageText(
    { alarmName: `download-doctor-${target}-down`, target, rule: down, state: 'ALARM', at },
    report,
    ARN,
  );

describe('a page with a 125 KB header', () => {
  it.each([
    ['as the server sent it (a report stored before results were cut)', (r: Report) => r],
    ['cut by the checks first (2,000 characters)', (r: Report) => safeDeep(r)],
  ])('stays under the bound and keeps what matters, %s', (_how, made) => {
    const huge = `attachment; filename="${'x'.repeat(125_000)}.txt"`;
    const report = made(hostileReport(huge));
    const p = page(report);
    expect(bytes(p.message)).toBeLessThanOrEqual(PAGE_MAX_BYTES);
    expect(p.subject).toBe(`[download-doctor] FAILED prod: fault ${report.verdict.faults.join(', ')}`);
    const lines = p.message.split('\n');
    expect(lines[0]).toBe(
      `download-doctor: target "prod" is FAILED, fault ${report.verdict.faults.join(', ')}.`,
    );
    expect(lines[1]).toBe(report.verdict.summary);
    // The first failed condition of each check, in order, before any check's detail.
    const heads = lines.filter((l) => /^ {2}(end-to-end|app|storage|proxy) +(PASS|FAIL)/.test(l));
    expect(heads.map((l) => l.trim().split(/ +/)[0])).toEqual(['end-to-end', 'app', 'storage', 'proxy']);
    for (const h of heads) expect(h.length).toBeLessThanOrEqual(PAGE_LINE_MAX + 30);
    // Each value cut to PAGE_VALUE_MAX, the marker counting the characters the server sent and the page does not show.
    const cut = /content-disposition: (attachment; filename="x+)(… \[(\d+) more characters cut\])/.exec(
      p.message,
    );
    const [, shown = '', marker = '', count] = cut ?? [];
    expect(shown.length + marker.length).toBe(PAGE_VALUE_MAX);
    expect(Number(count)).toBe(huge.length - shown.length);
    // How to act comes whole, at the end.
    expect(p.message).toContain(`--state-machine-arn ${ARN} --input '{"target":"prod"}'`);
    expect(lines.at(-1)).toBe('  npx download-doctor run --target prod');
  });

  it('cuts the evidence detail, not the check lines, when the whole would pass the bound', () => {
    // 4 checks x 7 headers x 240 characters is over 16 KiB of detail: the detail gives way, evenly.
    const p = page(hostileReport('é'.repeat(5_000)));
    expect(bytes(p.message)).toBeLessThanOrEqual(PAGE_MAX_BYTES);
    expect(bytes(p.message)).toBeGreaterThan(PAGE_MAX_BYTES - 1_000);
    const cuts = p.message.match(/\[cut: the page's text is kept under 16 KiB; the full report has it\]/g);
    expect(cuts).toHaveLength(4);
    expect(p.message).toMatch(/ {2}proxy {6}FAIL \[status\]: proxy answered é+… \[\d+ more characters cut\]/);
    expect(p.message).toContain('Rerun by hand:');
  });

  it('is whole when it fits: nothing cut from an ordinary page', () => {
    const p = page(reportOf(stages('status', 'ok', 'ok', 'status')));
    expect(p.message).not.toMatch(/characters cut|\[cut:/);
    expect(p.message).toContain('proxy      FAIL [status]: proxy broke (status)');
    expect(p.message).toContain('observed: status 200; expected: status 200');
  });
});

describe('the subject', () => {
  it('stays under 100 characters, on one line, cut with … and never inside a character', () => {
    const name = `eu-${'a'.repeat(29)}-${'b'.repeat(14)}`; // an extra sentinel's target: up to 48 characters
    const r = reportOf(stages('ok', 'ok'), name);
    const withTls: Report = {
      ...r,
      results: r.results.map((x) => ({ ...x, tls: { notAfter: '2026-12-04T00:00:00.000Z', daysLeft: 9 } })),
    };
    const p = pageText(
      { alarmName: `download-doctor-${name}-tls-expiry`, target: name, rule: tlsRule, state: 'ALARM', at },
      withTls,
    );
    expect([...p.subject].length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(p.subject).toMatch(/^\[download-doctor\] WARNING eu-a+-b+: TLS certificate expires…$/);
    expect(p.subject).not.toMatch(/[\r\n]/);
  });
});
