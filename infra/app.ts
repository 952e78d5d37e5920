/**
 * The CDK app (cdk.json): deploys the stack from a config file. The file is the context value
 * `download-doctor:config` (cdk.json names the example; override with `-c download-doctor:config=FILE`).
 * No context lookups and no Docker: synth works offline.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfigFile } from '../functions/config-file.ts';
import type { ConfigInput } from '../functions/core/config.ts';
import { DownloadDoctorStack } from './stack.ts';

const app = new App();
const file = app.node.tryGetContext('download-doctor:config') as string | undefined;
try {
  // The config as written (the construct validates it and lists every problem).
  const config = (await readConfigFile(file)).raw as ConfigInput;
  new DownloadDoctorStack(app, app.node.tryGetContext('download-doctor:stack') ?? 'DownloadDoctor', {
    description: 'download-doctor: healthchecks of file downloads offloaded to a reverse proxy',
    healthchecks: { config },
  });
} catch (err) {
  console.error(`download-doctor: ${(err as Error).message}`);
  process.exit(2);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
