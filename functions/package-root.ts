/**
 * The root of download-doctor's package: the repository when run from source, or node_modules/download-doctor
 * when installed. Files that ship beside the code (the prebuilt Lambda bundles, the sandbox's Django project) are
 * found from it, whether the code runs from source, from dist/, or from a bundle.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'download-doctor'
    ) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`download-doctor's package.json is not above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
