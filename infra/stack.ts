import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { DownloadHealthchecks, type DownloadHealthchecksProps } from './construct.ts';
import { DownloadProbes, type DownloadProbesProps } from './probes.ts';

/** A VPC named by its attributes (no lookup: synth stays offline), with the security groups the checks use. */
export interface VpcAttributes {
  vpcId: string;
  availabilityZones: string[];
  privateSubnetIds: string[];
  securityGroupIds?: string[];
}

/** The project's own stack: the construct, from the config file. Users may instead add the construct to their app. */
export class DownloadDoctorStack extends Stack {
  readonly healthchecks: DownloadHealthchecks;

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & { healthchecks: DownloadHealthchecksProps; vpcContext?: VpcAttributes | undefined },
  ) {
    super(scope, id, props);
    const v = props.vpcContext;
    const vpc = v
      ? {
          vpc: ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
            vpcId: v.vpcId,
            availabilityZones: v.availabilityZones,
            privateSubnetIds: v.privateSubnetIds,
          }),
          securityGroups: v.securityGroupIds?.map((sg, i) =>
            ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, sg),
          ),
        }
      : {};
    this.healthchecks = new DownloadHealthchecks(this, 'Healthchecks', { ...props.healthchecks, ...vpc });
  }
}

/** A probe location's stack (several locations): DownloadProbes in the location's Region. */
export class DownloadProbesStack extends Stack {
  readonly probes: DownloadProbes;

  constructor(scope: Construct, id: string, props: StackProps & { probes: DownloadProbesProps }) {
    super(scope, id, props);
    this.probes = new DownloadProbes(this, 'Probes', props.probes);
  }
}
