/**
 * download-doctor as a library: the config's schema and types, for `download-doctor.config.ts` and for code that
 * reads or writes configs. It loads nothing else (no CLI, no sandbox, no AWS SDK, no CDK: see `download-doctor/cdk`).
 */
export {
  type Config,
  type ConfigInput,
  type ConfigProblem,
  type ConfigValidation,
  configJsonSchema,
  defineConfig,
  formatProblems,
  type HeaderValue,
  type Target,
  validateConfig,
} from './core/config.ts';
export { ConfigError, UsageError } from './core/errors.ts';
export {
  FAILURE_KINDS,
  FAULTS,
  type FailureKind,
  type Fault,
  LAYERS,
  type Layer,
  OFFLOAD_HEADERS,
  type OffloadHeader,
  STATUSES,
  type Status,
} from './core/names.ts';
export type { CheckResult, Report, Verdict } from './core/types.ts';
