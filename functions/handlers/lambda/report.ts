// Lambda entry of the workflow's Report Task state: the run's metrics (EMF, in its log), its alarms stepped in the
// instance's table and their transitions sent to the alarm topic, the report stored in S3 when it changed, then the
// heartbeat when the construct has a heartbeatUrl.
import { instanceNames } from '../../alerting/names.ts';
import { deploymentFromFile } from '../../probes/deployment-file.ts';
import { emitLine } from '../../probes/emf.ts';
import { heartbeat } from '../../probes/heartbeat.ts';
import { s3ReportWriter } from '../../probes/report-writer.ts';
import { snsPublisher } from '../../probes/sns.ts';
import { dynamoTargetStore } from '../../probes/target-store.ts';
import { awsRecorder } from '../aws-report.ts';
import { deploymentFilePath, requiredEnv } from '../env.ts';
import { reportHandler } from '../report.ts';

const reports = s3ReportWriter(requiredEnv('REPORT_BUCKET'));
const names = instanceNames(requiredEnv('INSTANCE_NAME'));
const heartbeatUrl = process.env.HEARTBEAT_URL;

export const handler = reportHandler({
  telemetry: {
    record: awsRecorder({
      deployment: deploymentFromFile(deploymentFilePath()),
      names,
      store: dynamoTargetStore(requiredEnv('TABLE_NAME')),
      storeReport: reports.store,
      publish: snsPublisher(requiredEnv('ALARM_TOPIC_ARN')).publish,
      emit: emitLine,
    }),
    ...(heartbeatUrl ? { heartbeat: heartbeat(heartbeatUrl) } : {}),
  },
});
