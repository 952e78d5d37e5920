/** What the snippet generators take: targets whose diagnostics (storage and proxy) are configured. */
import type { StorageConfig, Target } from '../config/schema.ts';
import { SnippetError } from './errors.ts';

/** A target with its diagnostics configured (storage and proxy): what the snippet generators need. */
export type StackTarget = Target & { storage: StorageConfig; proxy: NonNullable<Target['proxy']> };

/**
 * What the snippet generators take: a target alone, or a stack (from `stackTargets`), as a list. The proxy's and
 * the app's configuration serve the sentinel from storage, so each target must say where it is.
 */
export function asStack(stack: Target | readonly Target[]): readonly StackTarget[] {
  const targets: readonly Target[] = Array.isArray(stack) ? stack : [stack as Target];
  for (const t of targets) {
    const missing = (['storage', 'proxy'] as const).filter((field) => t[field] === undefined);
    if (missing.length > 0) {
      throw new SnippetError(
        `target "${t.name}" has no ${missing.join(' and no ')}: the configuration serves the sentinel from storage, so add ${missing.join(' and ')} to the config`,
      );
    }
  }
  return targets as readonly StackTarget[];
}
