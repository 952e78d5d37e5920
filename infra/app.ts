/**
 * The CDK app (cdk.json): deploys the stack from a config file. The file is the context value
 * `download-doctor:config` (cdk.json names the example; override with `-c download-doctor:config=FILE`).
 * A private app port needs a VPC: `-c download-doctor:vpc='{"vpcId":"vpc-0123456789abcdef0","availabilityZones":["eu-west-1a"],
 * "privateSubnetIds":["subnet-0123456789abcdef0"]}'` (and optionally "securityGroupIds"), read as attributes, not looked up.
 * `-c download-doctor:instance=NAME` names the instance. No context lookups and no Docker: synth works offline.
 * With several locations in the config, the home's stack deploys to the home's Region and a probe stack
 * (`STACK-LOCATION`) to each other location's: `cdk deploy --all`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { hasLocations, locationsOf } from '../functions/config/locations.ts';
import type { ConfigInput } from '../functions/config/schema.ts';
import { readConfigFile } from '../functions/probes/config-file.ts';
import { DownloadDoctorStack, DownloadProbesStack, type VpcAttributes } from './stack.ts';

const app = new App();
const context = (key: string) => app.node.tryGetContext(`download-doctor:${key}`) as unknown;
try {
  // The config as written (the construct validates it and lists every problem).
  const config = (await readConfigFile(context('config') as string | undefined)).raw as ConfigInput;
  const raw = context('vpc');
  const vpcContext = (typeof raw === 'string' ? JSON.parse(raw) : raw) as VpcAttributes | undefined;
  const stackName = (context('stack') as string | undefined) ?? 'DownloadDoctor';
  // Several locations: the home's stack in the home's Region, and a probe stack in each other location's.
  const { home, others } = locationsOf(config);
  const several = hasLocations(config);
  if (several && !home.region)
    throw new Error(
      `config locations: the home ("${home.name}") needs its region: this app deploys a stack to each location's Region`,
    );
  const homeStack = new DownloadDoctorStack(app, stackName, {
    description: 'download-doctor: healthchecks of file downloads offloaded to a reverse proxy',
    healthchecks: { config, instanceName: context('instance') as string | undefined },
    vpcContext,
    ...(several ? { env: { region: home.region } } : {}),
  });
  if (several)
    for (const l of others)
      new DownloadProbesStack(app, `${stackName}-${l.name}`, {
        description: `download-doctor: the end-to-end checks from ${l.name}, sent to the home in ${home.region}`,
        env: { region: l.region },
        probes: {
          config,
          location: l.name,
          instanceName: homeStack.healthchecks.instanceName,
          homeRegion: home.region,
        },
      });
} catch (err) {
  console.error(`download-doctor: ${(err as Error).message}`);
  process.exit(2);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
