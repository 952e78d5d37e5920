/**
 * The schema's parts of several locations (./locations.ts): a location, the consensus rule for every target and a
 * target's own. Apart from ./locations.ts so that only what validates a config loads zod's schemas of it: the
 * report, plan and probe functions read the locations from the deployment file (functions/alerting/deployment.ts).
 */
import * as z from 'zod/mini';
import type { Location } from './locations.ts';

const name = z
  .string()
  .check(
    z.regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'must be a short slug: 2-32 characters, a-z, 0-9 and "-"'),
  );

export const locationSchema = z.strictObject({
  /** A short slug: it names the location in pages, reports and the status page (`eu-west-1`, `paris`). */
  name,
  /** On AWS, the Region this location's stack deploys to. `serve` ignores it. */
  region: z.optional(
    z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')),
  ),
  /** The home runs every check, decides, keeps the history and pages. At most one; the first location if none says. */
  home: z.optional(z.boolean()),
});

/** Compile-time: the schema's output is the Location ./locations.ts reads. */
type Same<A extends B, B> = A;
export type LocationOutput = Same<z.output<typeof locationSchema>, Location>;

const QUORUM_RULE = 'must be a whole number of locations, 1 to 100';
const quorum = z.int(QUORUM_RULE).check(z.minimum(1, QUORUM_RULE), z.maximum(100, QUORUM_RULE));
const WAIT_SHARE_RULE = 'must be a share of the period: above 0, at most 1';

/** The consensus rule for every target. */
export const consensusSchema = z.strictObject({
  /**
   * K: how many locations must confirm a failure before it pages (a location confirms when its end-to-end check
   * failed, and failed again at its confirmation). Default: a majority of the locations, and never fewer than 2
   * when there are 2 or more.
   */
  quorum: z.optional(quorum),
  /**
   * The share of a target's period the home waits for the other locations' results of the same slot, once its own
   * run is done (at most 15 minutes); then it decides with what has come, a missing location counting as unknown.
   */
  waitShare: z.optional(
    z.number(WAIT_SHARE_RULE).check(z.positive(WAIT_SHARE_RULE), z.maximum(1, WAIT_SHARE_RULE)),
  ),
});

/** A target's own consensus rule, overriding the config's. */
export const targetConsensusSchema = z.strictObject({ quorum: z.optional(quorum) });

/** Each location's name, validated elsewhere; here only what a target may name. */
export const privateLocationsSchema = z.array(name);
