/**
 * download-doctor as a library: the config's schema and types, for `download-doctor.config.ts` and for code that
 * reads or writes configs. It loads nothing else (no CLI, no sandbox, no AWS SDK, no CDK: see `download-doctor/cdk`).
 */
export {
  type Config,
  type ConfigInput,
  configJsonSchema,
  defineConfig,
  type HeaderValue,
  type Target,
} from './config/schema.ts';
export {
  type ConfigProblem,
  type ConfigValidation,
  formatProblems,
  validateConfig,
} from './config/validate.ts';
export { ConfigError, UsageError } from './contract/errors.ts';
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
} from './contract/names.ts';
export type { CheckResult, Report, Verdict } from './contract/types.ts';
