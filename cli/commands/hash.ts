import { EXIT } from '../exit-codes.ts';
import { sentinelOfFile, sentinelOfUrl } from '../sentinel.ts';

/** `hash FILE|URL`: the config's `sentinel` block for a local file, or for what a URL serves (downloaded once). */
export async function hash(source: string): Promise<number> {
  const sentinel = /^https?:\/\//i.test(source) ? await sentinelOfUrl(source) : await sentinelOfFile(source);
  console.log(JSON.stringify({ sentinel }, null, 2));
  return EXIT.healthy;
}
