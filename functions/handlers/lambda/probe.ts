// Lambda entry of a probe Region's function (infra/probes.ts): its fleet's plan, and each target's end-to-end run
// written to the home Region's slots table, across Regions. Its secret headers are read in the home's Region too:
// a secret is kept once, where the home reads it, not copied to each Region.
import { awsSecretResolver } from '../../probes/aws-secrets.ts';
import { sqsDecideQueue } from '../../probes/decide-queue.ts';
import { deploymentFromFile } from '../../probes/deployment-file.ts';
import { httpProbe } from '../../probes/http.ts';
import { dynamoSlotStore } from '../../probes/slot-store.ts';
import { checkHandler } from '../check.ts';
import { deploymentFilePath, requiredEnv } from '../env.ts';
import { checkDeps } from '../lambda.ts';
import { probeHandler } from '../probe.ts';

const home = { region: requiredEnv('HOME_REGION') };

export const handler = probeHandler({
  deployment: deploymentFromFile(deploymentFilePath()),
  location: requiredEnv('LOCATION'),
  endToEnd: checkHandler(
    'end-to-end',
    checkDeps({ probes: { http: httpProbe }, secrets: awsSecretResolver(Date.now, home.region) }),
  ),
  slots: dynamoSlotStore(requiredEnv('SLOTS_TABLE'), home),
  queue: sqsDecideQueue(requiredEnv('DECIDE_QUEUE_URL'), home),
});
