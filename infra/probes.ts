/**
 * DownloadProbes: a location other than the home, on AWS: a stack in the location's Region that runs every target's
 * end-to-end check at the same slots as the home (the same plan, from the same config and props) and writes each
 * result into the home's slots table, across Regions; the home decides and pages (infra/construct.ts with the
 * config's `locations`). Here: the config layer, one probe function (its fleet's plan, and each run: the end-to-end
 * check with its confirmation, functions/handlers/probe.ts), the fleet workflow (Express) that starts each run at
 * its start, one schedule per interval, and their log groups. No table, bucket, topic, alarm or dashboard: the home
 * keeps them all, and a location that stops sending is a notice of the home's (`location-silent`).
 *
 * Give it the home's schedule props (`defaultSchedule`, `schedules`, `startSpread`): a run is matched with the
 * home's by its slot, and the slots come from them.
 *
 * Why a construct of its own, one per Region: CDK needs each stack's Region, and a user may put the probes into a
 * stack they already have in that Region. The home's table and queue are named (functions/alerting/names.ts), so
 * the probe's IAM is built from names: no cross-stack reference, `cdk deploy --all` in any order.
 */
import { Duration, RemovalPolicy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../functions/alerting/names.ts';
import { locationAttribute } from '../functions/alerting/slots.ts';
import { type Location, locationsOf } from '../functions/config/locations.ts';
import { configLayerDir, configLayerFiles } from './config-layer.ts';
import { prebuiltFunction } from './construct.ts';
import { DownloadHealthchecksError } from './errors.ts';
import { buildProbeFleet, createIntervalSchedules, targetsPerInterval } from './fleet.ts';
import { acknowledgeWorkflowRole, grantProbe, grantSecrets } from './iam.ts';
import { registerProbe, slotFactsOf, unhomedProblems } from './pairing.ts';
import { type DownloadHealthchecksProps, resolveProps } from './props.ts';

export interface DownloadProbesProps
  extends Pick<
    DownloadHealthchecksProps,
    | 'config'
    | 'defaultSchedule'
    | 'schedules'
    | 'startSpread'
    | 'maxConcurrency'
    | 'checkTimeout'
    | 'memorySize'
    | 'logRetention'
    | 'runtime'
    | 'tracing'
    | 'tags'
  > {
  /** This stack's location: a name in the config's `locations`, not the home. */
  readonly location: string;
  /**
   * The home's instance name, as its DownloadHealthchecks has it: the probes write to its table and queue, which
   * are named after it. Required: a default derived from this stack's name would name another instance.
   */
  readonly instanceName: string;
  /**
   * The home's Region.
   * @default - the home location's `region` in the config
   */
  readonly homeRegion?: string;
  /**
   * The home's account (12 digits): its table and queue are named in it. The probes must deploy to the same account
   * (a probe stack whose `env.account` differs is refused): writing across accounts would need resource policies on
   * the home's table and queue, which the home's stack does not make (not supported yet).
   * @default - this stack's account
   */
  readonly homeAccount?: string;
}

export class DownloadProbes extends Construct {
  readonly location: string;
  readonly probeFunction: lambda.Function;
  readonly fleet: sfn.StateMachine;
  readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  readonly configLayer: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: DownloadProbesProps) {
    super(scope, id);
    const r = resolveProps(this, id, props, { location: props.location });
    const where = locationsOf(r.config);
    const homeRegion = props.homeRegion ?? where.home.region;
    const problems = [
      ...(homeRegion
        ? regionProblems(
            Stack.of(this).region,
            homeRegion,
            where.others.find((l) => l.name === props.location),
          )
        : ["homeRegion: required, or the home location's region in the config's locations"]),
      ...accountProblems(Stack.of(this).account, props.homeAccount),
    ];
    const facts = slotFactsOf(r);
    if (facts) {
      problems.push(...registerProbe(this, props.location, facts));
      this.node.addValidation({ validate: () => unhomedProblems(this, props.location, facts) });
    }
    if (problems.length || !homeRegion)
      throw new DownloadHealthchecksError(`DownloadProbes "${id}":\n${problems.join('\n')}`);
    this.location = props.location;
    for (const [key, value] of Object.entries(r.tags))
      Tags.of(this).add(key, value, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });

    const files = configLayerFiles(r.configInput, r.config, r.deployment);
    this.configLayer = new lambda.LayerVersion(this, 'Config', {
      description: `download-doctor: the config of the checks (location ${props.location})`,
      code: lambda.Code.fromAsset(configLayerDir(this, files)),
    });
    const homeAccount = props.homeAccount ?? Stack.of(this).account;
    const queueUrl = `https://sqs.${homeRegion}.${Stack.of(this).urlSuffix}/${homeAccount}/${r.names.decideQueue}`;
    const probe = prebuiltFunction(this, r, 'probe', this.configLayer, {
      description: `download-doctor ${r.names.instance}: location ${props.location}'s end-to-end checks, sent to the home`,
      memorySize: r.memorySize,
      // The check, its confirmation (after confirmDelayMs) and the write across Regions.
      timeout: r.checkTimeout,
      environment: {
        LOCATION: props.location,
        HOME_REGION: homeRegion,
        SLOTS_TABLE: r.names.slotsTable,
        DECIDE_QUEUE_URL: queueUrl,
      },
    });
    this.probeFunction = probe.fn;
    // Its secret headers are read where the home reads them (functions/handlers/lambda/probe.ts).
    grantSecrets({ 'end-to-end': this.probeFunction }, r.config, homeRegion);
    grantProbe(
      this.probeFunction,
      {
        region: homeRegion,
        account: homeAccount,
        slotsTable: r.names.slotsTable,
        decideQueue: r.names.decideQueue,
      },
      [locationAttribute(props.location), TABLE_KEYS.ttl],
    );

    const fleetLogs = new logs.LogGroup(this, 'fleetLogs', {
      logGroupName: `${r.names.workflowLogGroup}-${props.location}-fleet`,
      retention: r.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fleet = new sfn.StateMachine(this, 'Fleet', {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildProbeFleet(this, this.probeFunction, r.maxConcurrency),
      ),
      tracingEnabled: r.tracing,
      logs: { destination: fleetLogs, level: sfn.LogLevel.ERROR, includeExecutionData: false },
      timeout: Duration.minutes(5),
    });
    acknowledgeWorkflowRole(this.fleet.role, [this.probeFunction], r.tracing);
    Validations.of(this.fleet).acknowledge({
      id: 'AwsSolutions-SF1',
      reason: 'Errors only: a tick that starts its runs logs nothing; each run logs in the probe function.',
    });
    if (!r.tracing)
      Validations.of(this.fleet).acknowledge({
        id: 'AwsSolutions-SF2',
        reason: 'X-Ray is off by default (docs/cost.md); the tracing prop turns it on.',
      });
    this.schedules = createIntervalSchedules(
      this,
      this.fleet,
      r.fleetIntervals,
      (label) => r.names.locationSchedule(props.location, label),
      (label, n) =>
        `download-doctor ${r.names.instance} at ${props.location}: every ${label}, the end-to-end runs of ${n} target(s)`,
      targetsPerInterval(r.intervals),
    );
  }
}

/**
 * Where a probe stack deploys, against the config: not in the home's Region (its path to the site would be the
 * home's), and in its location's `region` when the config gives one. An environment-agnostic stack (its Region a
 * token) is checked at deploy time by nobody: give the stack its `env`.
 */
function regionProblems(stackRegion: string, homeRegion: string, location: Location | undefined): string[] {
  if (Token.isUnresolved(stackRegion)) return [];
  const problems: string[] = [];
  if (stackRegion === homeRegion)
    problems.push(
      `env.region: this stack deploys to ${stackRegion}, the home's Region: a probe stack belongs in another Region (its location's)`,
    );
  if (location?.region && location.region !== stackRegion)
    problems.push(
      `location: "${location.name}" is in ${location.region} (the config's locations), but this stack deploys to ${stackRegion}: give the stack env.region ${location.region}`,
    );
  return problems;
}

/**
 * The home's account against this stack's: the same, or refused at synth (a probe in another account deploys, then
 * every write home is denied: the home's table and queue have no resource policy for it). A stack whose account is
 * a token (environment-agnostic) is not checked: give it `env.account`, or `homeAccount` and deploy it there.
 */
function accountProblems(stackAccount: string, homeAccount: string | undefined): string[] {
  if (homeAccount === undefined) return [];
  if (Token.isUnresolved(homeAccount)) return [];
  if (!/^\d{12}$/.test(homeAccount))
    return [`homeAccount: "${homeAccount}" is not an AWS account ID (12 digits)`];
  if (Token.isUnresolved(stackAccount) || stackAccount === homeAccount) return [];
  return [
    `homeAccount: the home is in account ${homeAccount}, but this stack deploys to ${stackAccount}: probes in another account than the home's are not supported yet (the home's slots table and decide queue would need resource policies); deploy this stack to ${homeAccount}`,
  ];
}
