/**
 * Where reports are read: the latest report per target, as JSON in S3 (the notifier reads it to put the verdict
 * into a page). Its writer, which renders the HTML page beside it, is ./report-writer.ts: the notifier's bundle
 * ships no renderer. Every call has a deadline.
 */
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { reportKey } from '../alerting/names.ts';
import type { Report } from '../contract/types.ts';
import { parseReport } from '../contract/wire.ts';
import { type AwsEndpoint, clientOptions, DEADLINE_MS } from './aws-options.ts';

/** The S3 client of the report bucket (path-style on a custom endpoint: moto, a local S3). */
export const reportBucketClient = (o: AwsEndpoint = {}) =>
  new S3Client({ ...clientOptions(o), forcePathStyle: o.endpoint !== undefined });

export function s3ReportReader(bucket: string, o: AwsEndpoint = {}) {
  const client = reportBucketClient(o);
  return {
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
