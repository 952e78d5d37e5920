/**
 * The deploy-time self-test as a CloudFormation custom resource: the self-test function
 * (functions/handlers/lambda/self-test.ts) runs every check of every target after the functions are in place.
 * It runs again whenever what it tests changes: its Fingerprint property hashes the config, the check functions'
 * code, VPC settings and environment, and their roles' policies, as they synthesize.
 */
import { createHash } from 'node:crypto';
import { CustomResource, Lazy, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface SelfTestProps {
  /** The self-test function (its service token). */
  readonly fn: lambda.IFunction;
  /** The check functions it invokes: the resource waits for them, and their settings make its fingerprint. */
  readonly checks: readonly lambda.Function[];
  /** The config as deployed (the text of the config layer). */
  readonly configText: string;
}

export class SelfTest extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: SelfTestProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const fingerprint = Lazy.string({
      produce: () => {
        const tested = props.checks.map((fn) => {
          const cfn = fn.node.defaultChild as lambda.CfnFunction;
          const policy = (fn.role as iam.Role | undefined)?.node.tryFindChild('DefaultPolicy') as
            | iam.Policy
            | undefined;
          return stack.resolve({
            code: cfn.code,
            vpc: cfn.vpcConfig,
            environment: cfn.environment,
            layers: cfn.layers,
            policy: policy?.document,
          });
        });
        return createHash('sha256')
          .update(JSON.stringify([props.configText, tested]))
          .digest('hex')
          .slice(0, 16);
      },
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.fn.functionArn,
      resourceType: 'Custom::DownloadDoctorSelfTest',
      properties: { Fingerprint: fingerprint },
    });
    for (const fn of props.checks) this.resource.node.addDependency(fn);
  }
}
