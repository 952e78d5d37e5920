/**
 * Where reports go: the latest report per target in S3, the JSON (./report-reader.ts reads it back) and, beside
 * it, the HTML page that a page points to. Only the report function writes, so only its bundle carries the HTML
 * renderer. Every call has a deadline. The metrics are in ./metrics.ts.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { reportKey, reportPageKey } from '../alerting/names.ts';
import type { Report } from '../contract/types.ts';
import { reportHtml } from '../render/report-html.ts';
import { type AwsEndpoint, DEADLINE_MS } from './aws-options.ts';
import { reportBucketClient } from './report-reader.ts';

export function s3ReportWriter(bucket: string, o: AwsEndpoint = {}) {
  const client = reportBucketClient(o);
  return {
    /** The report as JSON, and as the HTML page beside it. */
    async store(report: Report): Promise<void> {
      const put = (Key: string, Body: string, ContentType: string) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType }), {
          abortSignal: AbortSignal.timeout(DEADLINE_MS),
        });
      await Promise.all([
        put(reportKey(report.target), JSON.stringify(report), 'application/json'),
        put(reportPageKey(report.target), reportHtml([report]), 'text/html; charset=utf-8'),
      ]);
    },
  };
}
