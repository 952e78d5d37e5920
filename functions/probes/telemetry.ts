/**
 * Where telemetry goes: CloudWatch metrics (any CloudWatch-compatible endpoint), and the latest report per
 * target in S3 (read by the notifier to put the verdict into a page). Every call has a deadline.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Datum, NAMESPACE, reportKey } from '../core/telemetry.ts';
import type { Report } from '../core/types.ts';

const DEADLINE_MS = 5_000;
/** PutMetricData takes at most 1000 data per call. */
const BATCH = 1000;

export interface AwsEndpoint {
  endpoint?: string | undefined;
  region?: string | undefined;
}

const clientOptions = (o: AwsEndpoint) => ({
  ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  ...(o.region ? { region: o.region } : {}),
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: DEADLINE_MS },
});

export function cloudWatchPublisher(o: AwsEndpoint = {}): (data: Datum[]) => Promise<void> {
  const client = new CloudWatchClient(clientOptions(o));
  return async (data) => {
    for (let i = 0; i < data.length; i += BATCH) {
      await client.send(
        new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data.slice(i, i + BATCH) }),
        {
          abortSignal: AbortSignal.timeout(DEADLINE_MS),
        },
      );
    }
  };
}

export function s3ReportStore(bucket: string, o: AwsEndpoint = {}) {
  const client = new S3Client({ ...clientOptions(o), forcePathStyle: o.endpoint !== undefined });
  return {
    async store(report: Report): Promise<void> {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: reportKey(report.target),
          Body: JSON.stringify(report),
          ContentType: 'application/json',
        }),
        { abortSignal: AbortSignal.timeout(DEADLINE_MS) },
      );
    },
    /** The latest report of a target, or undefined when there is none yet. */
    async latest(target: string): Promise<Report | undefined> {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey(target) }), {
          abortSignal: AbortSignal.timeout(DEADLINE_MS),
        });
        return JSON.parse((await out.Body?.transformToString()) ?? 'null') ?? undefined;
      } catch (err) {
        if (err instanceof NoSuchKey) return undefined;
        throw err;
      }
    },
  };
}
