import { findTarget, stackTargets } from '../../functions/core/config.ts';
import { ApacheSnippetError, apacheSnippet } from '../../functions/core/snippets/apache.ts';
import { DjangoSnippetError, djangoSnippet } from '../../functions/core/snippets/django.ts';
import { LighttpdSnippetError, lighttpdSnippet } from '../../functions/core/snippets/lighttpd.ts';
import { NginxSnippetError, nginxSnippet } from '../../functions/core/snippets/nginx.ts';
import { loadConfig } from '../config-file.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Options } from '../main.ts';

const GENERATORS = {
  nginx: nginxSnippet,
  apache: apacheSnippet,
  lighttpd: lighttpdSnippet,
  django: djangoSnippet,
} as const;

/** Prints the known-good configuration of one part of a target's stack: the generators the sandbox runs. */
export async function snippets(server: keyof typeof GENERATORS, options: Options): Promise<number> {
  const config = await loadConfig(options.config);
  const target = findTarget(config, options.target);
  try {
    // The target with its extra sentinels: they share the proxy's server block and the app's rule.
    const text = GENERATORS[server](stackTargets(config, target));
    console.log(`# download-doctor: ${server} configuration for target "${target.name}"\n`);
    console.log(text);
  } catch (err) {
    if (
      err instanceof NginxSnippetError ||
      err instanceof ApacheSnippetError ||
      err instanceof LighttpdSnippetError ||
      err instanceof DjangoSnippetError
    ) {
      throw new UsageError(`snippets ${server}: ${err.message}`);
    }
    throw err;
  }
  return EXIT.healthy;
}
