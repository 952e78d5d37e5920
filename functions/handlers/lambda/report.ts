// Lambda entry of the workflow's Report Task state: metrics to CloudWatch, the latest report to S3.

import { ConfigMissingError } from '../../core/errors.ts';
import { cloudWatchPublisher, s3ReportStore } from '../../probes/telemetry.ts';
import { lambdaHandler } from '../lambda.ts';

const bucket = process.env.REPORT_BUCKET;
if (!bucket)
  throw new ConfigMissingError('REPORT_BUCKET is not set: deploy with the DownloadHealthchecks construct');
const reports = s3ReportStore(bucket);

export const handler = lambdaHandler('report', {
  telemetry: { publish: cloudWatchPublisher(), store: reports.store },
});
