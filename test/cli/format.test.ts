/** The output formats (cli/format.ts) over plain results: every failed condition shows, not only the first. */
import { describe, expect, it } from 'vitest';
import { checkLine, toHtml, toJson, toJunit } from '../../cli/format.ts';
import type { CheckResult, Condition, Report } from '../../functions/core/types.ts';
import { reportOf, result, stages } from '../fixtures/results.ts';

const CONDITIONS: Condition[] = [
  { subject: '[STATUS]', kind: 'status', pass: false, expected: '200', observed: '404' },
  { subject: '[X-Accel-Redirect]', kind: 'header-leak', pass: true, expected: 'absent', observed: 'absent' },
  { subject: '[BODY].size', kind: 'size-mismatch', pass: false, expected: '61 bytes', observed: '179 bytes' },
  {
    subject: '[Content-Type]',
    kind: 'header-mismatch',
    pass: false,
    expected: '"text/plain"',
    observed: '"text/html"',
  },
];

function failedE2e(): CheckResult {
  return {
    ...result('end-to-end', 'status'),
    message: '[STATUS] 404, expected 200',
    conditions: CONDITIONS,
    timings: { totalMs: 7, firstByteMs: 6.1 },
  };
}

function failedReport(): Report {
  const s = stages('status', 'ok', 'ok', 'ok');
  s.stage1[0] = failedE2e();
  return reportOf(s);
}

describe('the table', () => {
  it('indents each failed condition after the first under the check line', () => {
    expect(checkLine(failedE2e()).split('\n')).toEqual([
      '  FAIL  end-to-end     7 ms (first byte 6 ms)  [STATUS] 404, expected 200 [status]',
      '                   also: [BODY].size 179 bytes, expected 61 bytes [size-mismatch]',
      '                   also: [Content-Type] "text/html", expected "text/plain" [header-mismatch]',
    ]);
  });

  it('keeps a passed check on one line', () => {
    expect(checkLine(result('app', 'ok')).split('\n')).toHaveLength(1);
  });
});

describe('JUnit', () => {
  it("lists every failed condition in the failure's text, the first in its message", () => {
    const xml = toJunit([failedReport()]);
    expect(xml).toContain(
      '<failure type="status" message="[STATUS] 404, expected 200">[STATUS] 404, expected 200 [status]\n' +
        '[BODY].size 179 bytes, expected 61 bytes [size-mismatch]\n' +
        '[Content-Type] &quot;text/html&quot;, expected &quot;text/plain&quot; [header-mismatch]</failure>',
    );
  });
});

describe('JSON', () => {
  it('carries every condition of every check', () => {
    const json = JSON.parse(toJson([failedReport()]));
    expect(json.reports[0].results[0].conditions).toEqual(CONDITIONS);
    expect(json.reports[0].results[1].conditions).toEqual(result('app', 'ok').conditions);
  });
});

describe('HTML', () => {
  it('is one page', () => {
    const html = toHtml([failedReport()]);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>FAILED prod: fault proxy-app · download-doctor</title>');
  });
});
