/**
 * Where reports go: the latest report per target in S3, the JSON (read by the notifier to put the verdict into a
 * page) and, beside it, the HTML page that the page points to. Every call has a deadline. The metrics are in
 * ./metrics.ts: the notifier, which reads reports, loads no CloudWatch client at cold start.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { reportKey, reportPageKey } from '../alerting/names.ts';
import type { Report } from '../contract/types.ts';
import { parseReport } from '../contract/wire.ts';
import { reportHtml } from '../render/report-html.ts';
import { type AwsEndpoint, clientOptions, DEADLINE_MS } from './aws-options.ts';

export function s3ReportStore(bucket: string, o: AwsEndpoint = {}) {
  const client = new S3Client({ ...clientOptions(o), forcePathStyle: o.endpoint !== undefined });
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
    /**
     * The latest report of a target, or undefined when there is none yet. A stored object that is not a report
     * (or not JSON) throws, naming the fields: the notifier then pages without the verdict, and says why.
     */
    async latest(target: string): Promise<Report | undefined> {
      let text: string | undefined;
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey(target) }), {
          abortSignal: AbortSignal.timeout(DEADLINE_MS),
        });
        text = await out.Body?.transformToString();
      } catch (err) {
        if (err instanceof NoSuchKey) return undefined;
        throw err;
      }
      const what = `the stored report s3://${bucket}/${reportKey(target)}`;
      let json: unknown;
      try {
        json = JSON.parse(text ?? '');
      } catch {
        throw new SyntaxError(`${what} is not JSON`);
      }
      return parseReport(json, what);
    },
  };
}
