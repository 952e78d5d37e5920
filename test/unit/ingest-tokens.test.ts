/** The home's ingest tokens (cli/serve/ingest-tokens.ts): a file's text in, a token per location out, or why not. */
import { describe, expect, it } from 'vitest';
import { locationOfToken, parseIngestTokens } from '../../cli/serve/ingest-tokens.ts';

const OTHERS = ['tokyo', 'lima'];
const TOKYO = 'tokyo-ingest-token-0123456789';
const LIMA = 'lima-ingest-token-0123456789';
const HOME = 'home-admin-token-0123456789';
const parse = (text: string) => parseIngestTokens(text, 'tokens', OTHERS, HOME);

describe('--ingest-tokens-file', () => {
  it('reads one `LOCATION TOKEN` a line, skipping blank lines and comments', () => {
    const tokens = parse(`# the locations' tokens\n\ntokyo ${TOKYO}\n  lima\t${LIMA}  \n`);
    expect([...tokens]).toEqual([
      ['tokyo', TOKYO],
      ['lima', LIMA],
    ]);
  });

  it.each([
    [`tokyo ${TOKYO}`, '--ingest-tokens-file: tokens: no token for lima: one `LOCATION TOKEN` line each'],
    [`tokyo ${TOKYO}\nlima`, '--ingest-tokens-file: tokens: line 2 is not `LOCATION TOKEN`'],
    [
      `tokyo ${TOKYO}\nparis ${LIMA}`,
      '--ingest-tokens-file: tokens: line 2: "paris" is not another location of the config (tokyo, lima)',
    ],
    [`tokyo ${TOKYO}\ntokyo ${LIMA}`, '--ingest-tokens-file: tokens: line 2: a second token for tokyo'],
    [
      `tokyo ${TOKYO}\nlima short`,
      "--ingest-tokens-file: tokens: line 2: lima's token is shorter than 16 characters: use a long random one",
    ],
    [
      `tokyo ${TOKYO}\nlima ${TOKYO}`,
      "--ingest-tokens-file: tokens: line 2: lima's token is tokyo's too: one token each",
    ],
    [
      `tokyo ${HOME}\nlima ${LIMA}`,
      "--ingest-tokens-file: tokens: line 1: tokyo's token is the home's own (--token-*): a location must not read the pages",
    ],
  ])('refuses %j: %s, naming no token', (text, message) => {
    expect(() => parse(text)).toThrow(message);
    try {
      parse(text);
    } catch (err) {
      for (const secret of [TOKYO, LIMA, HOME]) expect((err as Error).message).not.toContain(secret);
    }
  });

  it('names the location whose token a bearer is, and none for any other bearer (the home’s included)', () => {
    const tokens = parse(`tokyo ${TOKYO}\nlima ${LIMA}`);
    expect(locationOfToken(tokens, TOKYO)).toBe('tokyo');
    expect(locationOfToken(tokens, LIMA)).toBe('lima');
    expect(locationOfToken(tokens, HOME)).toBeUndefined();
    expect(locationOfToken(tokens, `${TOKYO}x`)).toBeUndefined();
  });
});
