// Lambda entry of the fleet workflow's Plan state: the tick's runs, and a no-data step for each silent target.
import { instanceNames } from '../../alerting/names.ts';
import { deploymentFromFile } from '../../probes/deployment-file.ts';
import { snsPublisher } from '../../probes/sns.ts';
import { dynamoTargetStore } from '../../probes/target-store.ts';
import { deploymentFilePath, requiredEnv } from '../env.ts';
import { planHandler } from '../plan.ts';

export const handler = planHandler({
  deployment: deploymentFromFile(deploymentFilePath()),
  names: instanceNames(requiredEnv('INSTANCE_NAME')),
  store: dynamoTargetStore(requiredEnv('TABLE_NAME')),
  publish: snsPublisher(requiredEnv('ALARM_TOPIC_ARN')).publish,
});
