/** The output formats (cli/format.ts) over plain results: every failed condition shows, not only the first. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkLine, exitCode, toHtml, toJson, toJunit, verdictLines } from '../../cli/format.ts';
import type { CheckResult, Condition, Report } from '../../functions/contract/types.ts';
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

  it('prints notes under a passed check too', () => {
    expect(
      checkLine(healthyWithNotes().results[0] as CheckResult)
        .split('\n')
        .slice(1),
    ).toEqual(NOTES.map((n) => `                   note: ${n}`));
  });

  it('prints a monitor warning under the verdict', () => {
    const r = reportOf(stages('ok', 'ok', 's3-no-such-bucket', 'status'));
    expect(verdictLines('prod', r.verdict)[1]).toMatch(
      /^ {2}=> prod: MONITOR WARNING \(for the monitor's owners\): downloads work/,
    );
  });
});

const NOTES = [
  'storage headers reach the client (hide them at the proxy): x-amz-request-id [storage-headers]',
  'a header is sent twice with the same value: Cache-Control: "private", 2 times [repeated-header]',
];

/** A healthy run whose download carries hygiene notes. */
function healthyWithNotes(): Report {
  const s = stages('ok', 'ok');
  s.stage1[0] = { ...s.stage1[0], notes: NOTES };
  return reportOf(s);
}

describe('exit codes', () => {
  it('a healthy run with notes exits 0; degraded or failed 1; a monitor warning alone 2 (the config)', () => {
    expect(exitCode([healthyWithNotes()])).toBe(0);
    expect(exitCode([reportOf(stages('ok', 'not-offloaded', 'ok', 'ok'))])).toBe(1);
    expect(exitCode([reportOf(stages('ok', 'ok', 's3-no-such-bucket', 'ok'))])).toBe(2);
    expect(exitCode([reportOf(stages('status', 'ok', 's3-no-such-bucket', 'ok'))])).toBe(1);
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

describe('JUnit is XML 1.0, whatever a server said', () => {
  /** The document read by a real XML parser (Python's): the end-to-end failure's message and text, the verdict's. */
  const READER = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
case = root.find(".//testcase[@name='end-to-end']")
verdict = root.find(".//testcase[@name='verdict']")
print(json.dumps({"message": case.find("failure").get("message"), "text": case.find("failure").text,
                  "notes": case.find("system-out").text, "summary": verdict.find("failure").get("message")}))
`;
  const parsed = (xml: string) =>
    JSON.parse(
      execFileSync('python3', ['-c', READER], { input: Buffer.from(xml, 'utf8'), encoding: 'utf8' }),
    );

  it('shows the characters XML forbids as escapes (ESC[2J, an OSC title, NUL, a lone surrogate) and keeps the rest', () => {
    // Prepare: what a hostile or broken server could put in an error document, in every field JUnit prints.
    const nasty = 'a\u001b[2Jb\u001b]0;owned\u0007c\u0000d\ud800e\ufffef\tg\u{1f600}h <&"\'>';
    const shown = 'a\\x1b[2Jb\\x1b]0;owned\\x07c\\x00d\\ud800e\\ufffef\tg\u{1f600}h <&"\'>';
    const report = failedReport();
    const e2e = report.results[0] as CheckResult;
    e2e.message = nasty;
    e2e.conditions = [{ ...CONDITIONS[0], observed: nasty } as Condition];
    e2e.notes = [nasty];
    report.verdict.summary = nasty;

    // Act
    const xml = toJunit([report]);

    // Assess: it parses, the text is all there (a tab in an attribute too), the forbidden characters as escapes.
    for (const raw of ['\u0000', '\u0007', '\u001b', '\ud800', '\ufffe']) expect(xml).not.toContain(raw);
    expect(parsed(xml)).toEqual({
      message: shown,
      text: `[STATUS] ${shown}, expected 200 [status]`,
      notes: shown,
      summary: shown,
    });
  });
});

describe('notes in JUnit, JSON and HTML', () => {
  it("JUnit puts a check's notes in its system-out, and the monitor warning in the verdict's system-err", () => {
    const xml = toJunit([healthyWithNotes()]);
    expect(xml).toContain(
      '<testcase classname="download-doctor.prod" name="end-to-end" time="0.010"><system-out>storage headers reach the client (hide them at the proxy): x-amz-request-id [storage-headers]\n' +
        'a header is sent twice with the same value: Cache-Control: &quot;private&quot;, 2 times [repeated-header]</system-out></testcase>',
    );
    expect(xml).toContain('failures="0"');
    const warned = reportOf(stages('ok', 'ok', 's3-no-such-bucket', 'ok'));
    expect(toJunit([warned])).toMatch(/name="verdict"><system-err>MONITOR WARNING: the proxy serves/);
    expect(toHtml([warned])).toContain(
      '<p class="monitor-warning"><strong>Monitor warning</strong> (for the monitor\'s owners, not a page): the proxy serves',
    );
  });

  it('JSON keeps the notes, HTML shows them', () => {
    expect(JSON.parse(toJson([healthyWithNotes()])).reports[0].results[0].notes).toEqual(NOTES);
    const html = toHtml([healthyWithNotes()]);
    expect(html).toContain('x-amz-request-id [storage-headers]');
    expect(html).toContain('Cache-Control: &quot;private&quot;, 2 times [repeated-header]');
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
