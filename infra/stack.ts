import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DownloadHealthchecks, type DownloadHealthchecksProps } from './construct.ts';

/** The project's own stack: the construct, from the config file. Users may instead add the construct to their app. */
export class DownloadDoctorStack extends Stack {
  readonly healthchecks: DownloadHealthchecks;

  constructor(scope: Construct, id: string, props: StackProps & { healthchecks: DownloadHealthchecksProps }) {
    super(scope, id, props);
    this.healthchecks = new DownloadHealthchecks(this, 'Healthchecks', props.healthchecks);
  }
}
