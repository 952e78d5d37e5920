/**
 * Where `run --publish` sends a run's metrics: a CloudWatch-compatible endpoint, under an instance's namespace. (On AWS
 * the report function writes them as EMF lines in its log instead: ./emf.ts.)
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Datum } from '../alerting/metrics.ts';
import { type AwsEndpoint, clientOptions, DEADLINE_MS } from './aws-options.ts';

/** PutMetricData takes at most 1000 data per call. */
const BATCH = 1000;

/** Publishes data under `namespace`: an instance's own (instanceNames(INSTANCE).namespace). */
export function cloudWatchPublisher(
  namespace: string,
  o: AwsEndpoint = {},
): (data: Datum[]) => Promise<void> {
  const client = new CloudWatchClient(clientOptions(o));
  return async (data) => {
    for (let i = 0; i < data.length; i += BATCH) {
      await client.send(
        new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + BATCH) }),
        {
          abortSignal: AbortSignal.timeout(DEADLINE_MS),
        },
      );
    }
  };
}
