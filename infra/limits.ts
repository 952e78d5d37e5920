/**
 * The combinations the construct refuses at synth time, each with a plain message. All problems are collected,
 * so one synth shows them all. Pure: numbers in, messages out.
 */
import type { Config, HeaderValue } from '../functions/core/config.ts';
import { worstRunSeconds } from './workflow.ts';

/** Express workflows stop after 5 minutes. */
export const EXPRESS_LIMIT_SECONDS = 300;
/** Room a check needs beyond its own deadline inside its Lambda: reading secrets (3 s deadline) and the rest. */
export const LAMBDA_HEADROOM_MS = 3_000;

export interface Limits {
  checkTimeoutSeconds: number;
  diagnoseTimeoutSeconds: number;
  express: boolean;
  /** Target names that have a schedule of their own. */
  scheduledTargets: readonly string[];
}

const CHECKS = [
  ['endToEnd', 'end-to-end'],
  ['app', 'app'],
  ['proxy', 'proxy'],
  ['storage', 'storage'],
] as const;

export function synthProblems(config: Config, limits: Limits): string[] {
  const problems: string[] = [];
  const names = new Set(config.targets.map((t) => t.name));
  config.targets.forEach((t, i) => {
    for (const [key, layer] of CHECKS) {
      const deadline = t[key]?.timeoutMs;
      if (deadline !== undefined && deadline + LAMBDA_HEADROOM_MS > limits.checkTimeoutSeconds * 1000) {
        problems.push(
          `targets[${i}].${key}.timeoutMs: the ${layer} check's deadline (${deadline} ms) plus ${LAMBDA_HEADROOM_MS} ms ` +
            `of headroom exceeds its Lambda's timeout (${limits.checkTimeoutSeconds} s): raise checkTimeout or lower timeoutMs`,
        );
      }
    }
    for (const key of ['endToEnd', 'app', 'proxy'] as const) {
      for (const [header, value] of Object.entries(t[key]?.headers ?? {})) {
        if (typeof value !== 'string' && 'env' in value) {
          problems.push(
            `targets[${i}].${key}.headers.${header}: {"env": "${value.env}"} is read from the local environment only; ` +
              'on AWS use {"secretsManager": ARN} or {"ssm": NAME}',
          );
        }
      }
    }
  });
  for (const name of limits.scheduledTargets) {
    if (!names.has(name))
      problems.push(`schedules.${name}: no target is named "${name}" (${[...names].join(', ')})`);
  }
  // A sentinel on a schedule of its own (a big one) would otherwise run as often as every other target.
  for (const t of config.targets) {
    if (t.ownSchedule && !limits.scheduledTargets.includes(t.name))
      problems.push(
        `schedules.${t.name}: target "${t.name}" is a sentinel with ownSchedule: give it its schedule (less often than the others)`,
      );
  }
  const worst = worstRunSeconds(limits.checkTimeoutSeconds, limits.diagnoseTimeoutSeconds);
  if (limits.express && worst > EXPRESS_LIMIT_SECONDS) {
    problems.push(
      `workflowType: an Express run can take up to ${worst} s with a ${limits.checkTimeoutSeconds} s checkTimeout ` +
        `(two stages, retries included), over Express's ${EXPRESS_LIMIT_SECONDS} s limit: lower checkTimeout or use Standard`,
    );
  }
  return problems;
}

/** Every secret reference of a check's headers (they become read permissions on exactly those secrets). */
export function secretRefs(headers: Record<string, HeaderValue> | undefined): Exclude<HeaderValue, string>[] {
  return Object.values(headers ?? {}).filter((v): v is Exclude<HeaderValue, string> => typeof v !== 'string');
}
