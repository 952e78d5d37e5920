import { findTarget, stackTargets } from '../../functions/config/targets.ts';
import { loadConfig } from '../../functions/probes/config-file.ts';
import { apacheSnippet } from '../../functions/snippets/apache.ts';
import { djangoSnippet } from '../../functions/snippets/django.ts';
import { SnippetError } from '../../functions/snippets/errors.ts';
import { lighttpdSnippet } from '../../functions/snippets/lighttpd.ts';
import { nginxSnippet } from '../../functions/snippets/nginx.ts';
import { EXIT } from '../exit-codes.ts';

const GENERATORS = {
  nginx: nginxSnippet,
  apache: apacheSnippet,
  lighttpd: lighttpdSnippet,
  django: djangoSnippet,
} as const;

export interface SnippetsOptions {
  config?: string;
  target?: string;
}

/** Prints the known-good configuration of one part of a target's stack: the generators the sandbox runs. */
export async function snippets(server: keyof typeof GENERATORS, options: SnippetsOptions): Promise<number> {
  const { config } = await loadConfig(options.config);
  const target = findTarget(config, options.target);
  let text: string;
  try {
    // The target with its extra sentinels: they share the proxy's server block and the app's rule.
    text = GENERATORS[server](stackTargets(config, target));
  } catch (err) {
    if (err instanceof SnippetError) throw new SnippetError(`snippets ${server}: ${err.message}`);
    throw err;
  }
  console.log(`# download-doctor: ${server} configuration for target "${target.name}"\n`);
  console.log(text);
  return EXIT.healthy;
}
