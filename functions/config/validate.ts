/**
 * Validation of a whole config: every problem collected, each with its field path and the offending value, in the
 * manner of checkly-cli's project validation. Pure.
 */
import { formatPath } from '../contract/field-path.ts';
import '../contract/zod-messages.ts';
import { type Config, configSchema } from './schema.ts';

export interface ConfigProblem {
  /** Field path, such as `targets[0].app.url`. */
  path: string;
  message: string;
  /** The offending value, as found in the file (absent when the field is missing). */
  value?: unknown;
}

export type ConfigValidation = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

/** Validates a whole config and collects every problem, each naming its field path and bad value. */
export function validateConfig(input: unknown): ConfigValidation {
  // jitless: a config is parsed once per process, and compiling zod's fast path for each of its objects (new
  // Function) costs more than that one parse (about 15 ms of a Lambda cold start).
  const parsed = configSchema.safeParse(input, { reportInput: true, jitless: true });
  if (parsed.success) return { ok: true, config: parsed.data };
  const problems = parsed.error.issues.map((issue): ConfigProblem => {
    // A field that is not there is said to be missing, with what it must be.
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    const message = missing ? `missing: expected ${issue.expected}` : issue.message;
    const problem: ConfigProblem = { path: formatPath(issue.path), message };
    if ('input' in issue && issue.input !== undefined)
      problem.value = offendingValue(issue.input, issue.path);
    return problem;
  });
  return { ok: false, problems };
}

/** A discriminated union reports the whole object at the discriminator's path: show the discriminator. */
function offendingValue(input: unknown, path: readonly PropertyKey[]): unknown {
  const last = path[path.length - 1];
  if (
    typeof last === 'string' &&
    input !== null &&
    typeof input === 'object' &&
    !Array.isArray(input) &&
    last in input
  ) {
    return (input as Record<string, unknown>)[last];
  }
  return input;
}

/** Of the same problem at the same field of many targets, how many are listed before the rest are counted. */
export const SAME_PROBLEMS_SHOWN = 3;

/**
 * One line per problem: `targets[0].app.url: must be an http(s) URL (got "ftp://x")`. The same problem at the same
 * field of many list items (a fleet written by a script with one mistake) is listed a few times, then counted.
 */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const kindOf = (p: ConfigProblem) => `${p.path.replace(/\[\d+\]/g, '[]')}: ${p.message}`;
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(kindOf(p), (counts.get(kindOf(p)) ?? 0) + 1);
  // One more is listed rather than counted ("and 1 more" says less than the line).
  const folded = (kind: string) => (counts.get(kind) ?? 0) > SAME_PROBLEMS_SHOWN + 1;
  const seen = new Map<string, number>();
  const lines: string[] = [];
  for (const p of problems) {
    const kind = kindOf(p);
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    if (folded(kind) && n > SAME_PROBLEMS_SHOWN) continue;
    const got = p.value === undefined ? '' : ` (got ${truncate(JSON.stringify(p.value), 80)})`;
    lines.push(`${p.path}: ${p.message}${got}`);
  }
  for (const [kind, n] of counts)
    if (folded(kind)) lines.push(`… and ${n - SAME_PROBLEMS_SHOWN} more of ${kind}`);
  return lines.join('\n');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
