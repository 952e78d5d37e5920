// Lambda entry of the workflow's Report Task state: metrics to CloudWatch (the instance's namespace), the latest
// report to S3, then the heartbeat when the construct has a heartbeatUrl.
import { instanceNames } from '../../alerting/names.ts';
import { heartbeat } from '../../probes/heartbeat.ts';
import { cloudWatchPublisher } from '../../probes/metrics.ts';
import { s3ReportWriter } from '../../probes/report-writer.ts';
import { requiredEnv } from '../env.ts';
import { reportHandler } from '../report.ts';

const reports = s3ReportWriter(requiredEnv('REPORT_BUCKET'));
const { namespace } = instanceNames(requiredEnv('INSTANCE_NAME'));
const heartbeatUrl = process.env.HEARTBEAT_URL;

export const handler = reportHandler({
  telemetry: {
    publish: cloudWatchPublisher(namespace),
    store: reports.store,
    ...(heartbeatUrl ? { heartbeat: heartbeat(heartbeatUrl) } : {}),
  },
});
