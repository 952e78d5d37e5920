import { findTarget } from '../../functions/core/config.ts';
import { NginxSnippetError, nginxSnippet } from '../../functions/core/snippets/nginx.ts';
import { loadConfig } from '../config-file.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Options } from '../main.ts';

/** Prints the known-good proxy configuration for a target: the same generator the sandbox runs. */
export async function snippets(server: 'nginx', options: Options): Promise<number> {
  const config = await loadConfig(options.config);
  const target = findTarget(config, options.target);
  try {
    console.log(`# download-doctor: nginx configuration for target "${target.name}"\n`);
    console.log(nginxSnippet(target));
  } catch (err) {
    if (err instanceof NginxSnippetError) throw new UsageError(`snippets ${server}: ${err.message}`);
    throw err;
  }
  return EXIT.healthy;
}
