/**
 * The home's ingest tokens (`--ingest-tokens-file F`): one token per other location, so that a location holds
 * neither the home's own token (which reads every page and starts /probe) nor a way to post as another location
 * (which would let one compromised or buggy location supply the confirmations of others and page on-call).
 *
 * The file, 0600: one `LOCATION TOKEN` a line; blank lines and lines starting with `#` are skipped. Pure: the
 * reading of the file (and its mode) is the command's.
 */
import { UsageError } from '../../functions/contract/errors.ts';
import { sameToken } from './access.ts';

/** The shortest token taken, as for `--token-file`. */
export const MIN_TOKEN_LENGTH = 16;

/** Each other location's ingest token, by location. */
export type IngestTokens = ReadonlyMap<string, string>;

/**
 * The tokens of a file's text, checked against the config's other locations (`others`) and the home's own token:
 * every other location has one, none is unknown, none repeats another's or the home's token. Never names a token.
 */
export function parseIngestTokens(
  text: string,
  file: string,
  others: readonly string[],
  homeToken: string | undefined,
): IngestTokens {
  const option = `--ingest-tokens-file: ${file}`;
  const tokens = new Map<string, string>();
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (!m) throw new UsageError(`${option}: line ${i + 1} is not \`LOCATION TOKEN\``);
    const [, location, token] = m as unknown as [string, string, string];
    if (!others.includes(location))
      throw new UsageError(
        `${option}: line ${i + 1}: "${location}" is not another location of the config (${others.join(', ')})`,
      );
    if (tokens.has(location))
      throw new UsageError(`${option}: line ${i + 1}: a second token for ${location}`);
    if (token.length < MIN_TOKEN_LENGTH)
      throw new UsageError(
        `${option}: line ${i + 1}: ${location}'s token is shorter than ${MIN_TOKEN_LENGTH} characters: use a long random one`,
      );
    const twin = [...tokens].find(([, t]) => t === token)?.[0];
    if (twin)
      throw new UsageError(`${option}: line ${i + 1}: ${location}'s token is ${twin}'s too: one token each`);
    if (homeToken !== undefined && token === homeToken)
      throw new UsageError(
        `${option}: line ${i + 1}: ${location}'s token is the home's own (--token-*): a location must not read the pages`,
      );
    tokens.set(location, token);
  }
  const missing = others.filter((o) => !tokens.has(o));
  if (missing.length)
    throw new UsageError(`${option}: no token for ${missing.join(', ')}: one \`LOCATION TOKEN\` line each`);
  return tokens;
}

/**
 * The location whose token a bearer is, if any. Every token is compared, each in constant time, so that the answer
 * takes as long whichever matches.
 */
export function locationOfToken(tokens: IngestTokens, bearer: string): string | undefined {
  let found: string | undefined;
  for (const [location, token] of tokens)
    if (sameToken(bearer, token) && found === undefined) found = location;
  return found;
}
