/**
 * The CDK app (cdk.json): deploys the stack from a config file. The file is the context value
 * `download-doctor:config` (cdk.json names the example; override with `-c download-doctor:config=FILE`).
 * A private app port needs a VPC: `-c download-doctor:vpc='{"vpcId":"vpc-1","availabilityZones":["eu-west-1a"],
 * "privateSubnetIds":["subnet-1"]}'` (and optionally "securityGroupIds"), read as attributes, not looked up.
 * `-c download-doctor:instance=NAME` names the instance. No context lookups and no Docker: synth works offline.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ConfigInput } from '../functions/config/schema.ts';
import { readConfigFile } from '../functions/probes/config-file.ts';
import { DownloadDoctorStack, type VpcAttributes } from './stack.ts';

const app = new App();
const context = (key: string) => app.node.tryGetContext(`download-doctor:${key}`) as unknown;
try {
  // The config as written (the construct validates it and lists every problem).
  const config = (await readConfigFile(context('config') as string | undefined)).raw as ConfigInput;
  const raw = context('vpc');
  const vpcContext = (typeof raw === 'string' ? JSON.parse(raw) : raw) as VpcAttributes | undefined;
  new DownloadDoctorStack(app, (context('stack') as string | undefined) ?? 'DownloadDoctor', {
    description: 'download-doctor: healthchecks of file downloads offloaded to a reverse proxy',
    healthchecks: { config, instanceName: context('instance') as string | undefined },
    vpcContext,
  });
} catch (err) {
  console.error(`download-doctor: ${(err as Error).message}`);
  process.exit(2);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
