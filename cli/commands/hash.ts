import { EXIT } from '../exit-codes.ts';
import { sentinelOfFile, sentinelOfUrl } from '../sentinel.ts';

/** `hash FILE|URL`: the config's `sentinel` block for a local file, or for what a URL serves (downloaded once). */
export async function hash(source: string): Promise<number> {
  // Anything with a scheme is a URL (sentinelOfUrl refuses any but http and https by name).
  const sentinel = /^[a-z][a-z0-9+.-]*:\/\//i.test(source)
    ? await sentinelOfUrl(source)
    : await sentinelOfFile(source);
  console.log(JSON.stringify({ sentinel }, null, 2));
  return EXIT.healthy;
}
