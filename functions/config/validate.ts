/**
 * Validation of a whole config: every problem collected, each with its field path and the offending value, in the
 * manner of checkly-cli's project validation. Pure.
 */
import { formatPath } from '../contract/field-path.ts';
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
    const problem: ConfigProblem = { path: formatPath(issue.path), message: issue.message };
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

/** One line per problem: `targets[0].app.url: must be an http(s) URL (got "ftp://x")`. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems
    .map((p) => {
      const got = p.value === undefined ? '' : ` (got ${truncate(JSON.stringify(p.value), 80)})`;
      return `${p.path}: ${p.message}${got}`;
    })
    .join('\n');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
