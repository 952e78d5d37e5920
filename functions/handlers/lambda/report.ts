// Lambda entry of the workflow's Report Task state: the run's metrics (EMF, in its log), its alarms stepped in the
// instance's table and their transitions sent to the alarm topic, the report stored in S3 when it changed, then the
// heartbeat when the construct has a heartbeatUrl. With several locations, the run goes into its slot, decided with
// the other locations' results (functions/handlers/aws-consensus.ts); the decide queue's messages come here too.
import { instanceNames } from '../../alerting/names.ts';
import { sqsDecideQueue } from '../../probes/decide-queue.ts';
import { deploymentFromFile } from '../../probes/deployment-file.ts';
import { emitLine } from '../../probes/emf.ts';
import { heartbeat } from '../../probes/heartbeat.ts';
import { s3ReportWriter } from '../../probes/report-writer.ts';
import { dynamoSlotStore } from '../../probes/slot-store.ts';
import { snsPublisher } from '../../probes/sns.ts';
import { dynamoTargetStore } from '../../probes/target-store.ts';
import { awsConsensus } from '../aws-consensus.ts';
import { awsRecorder } from '../aws-report.ts';
import { deploymentFilePath, requiredEnv } from '../env.ts';
import { reportHandler } from '../report.ts';
import { eachRecord, isSqsEvent } from '../sqs-event.ts';

const reports = s3ReportWriter(requiredEnv('REPORT_BUCKET'));
const names = instanceNames(requiredEnv('INSTANCE_NAME'));
const heartbeatUrl = process.env.HEARTBEAT_URL;
const deployment = deploymentFromFile(deploymentFilePath());
const recording = {
  deployment,
  names,
  store: dynamoTargetStore(requiredEnv('TABLE_NAME')),
  storeReport: reports.store,
  publish: snsPublisher(requiredEnv('ALARM_TOPIC_ARN')).publish,
  emit: emitLine,
};
const consensus = deployment.locations
  ? awsConsensus({
      ...recording,
      slots: dynamoSlotStore(requiredEnv('SLOTS_TABLE')),
      queue: sqsDecideQueue(requiredEnv('DECIDE_QUEUE_URL')),
    })
  : undefined;

const run = reportHandler({
  telemetry: {
    record: consensus ? consensus.record : awsRecorder(recording),
    ...(heartbeatUrl ? { heartbeat: heartbeat(heartbeatUrl) } : {}),
  },
});

export async function handler(event: unknown): Promise<unknown> {
  if (!isSqsEvent(event)) return run(event);
  // The decide queue: each message on its own; only those that failed are delivered again (a slot is decided once
  // all the same), and a message that can never be read is logged and dropped (aws-consensus.ts onMessage).
  if (!consensus) throw new Error('a decide message, but the deployment names no locations');
  return eachRecord(event, (body) => consensus.onMessage(body, new Date()));
}
