/**
 * The home's `POST /ingest` (cli/serve/http.ts) as a location reaches it: a real HTTP server on loopback over a real
 * store, the monitor of a config with three locations (not started: the test posts the locations' results). Each
 * location has its own ingest token (never the home's), posts only as itself, and only for the target's current or
 * previous slot; a result for a decided slot is taken as late.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from '../../cli/serve/http.ts';
import { parseIngestTokens } from '../../cli/serve/ingest-tokens.ts';
import { scheduledSlotKey } from '../../cli/serve/locations.ts';
import { Monitor } from '../../cli/serve/monitor.ts';
import { openStore } from '../../cli/serve/store.ts';
import type { Target } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import type { LocationResult } from '../../functions/contract/types.ts';
import { targetInput } from '../fixtures/config.ts';
import { result } from '../fixtures/results.ts';
import { tempDir } from '../fixtures/temp.ts';

const HOME_TOKEN = 'home-admin-token-0123456789';
const TOKYO = 'tokyo-ingest-token-0123456789';
const LIMA = 'lima-ingest-token-0123456789';
const servers: http.Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function start(token: string | undefined = HOME_TOKEN) {
  const v = validateConfig({
    locations: [{ name: 'paris', home: true }, { name: 'tokyo' }, { name: 'lima' }],
    targets: [{ ...targetInput(), schedule: '1m' }],
  });
  if (!v.ok) throw new Error('the config must be valid');
  const store = await openStore(join(tempDir('dd-ingest-'), 'serve.db'));
  const logged: string[] = [];
  const monitor = new Monitor({ config: v.config, store, pagers: [], log: (l) => logged.push(l) });
  const ingestTokens = parseIngestTokens(
    `tokyo ${TOKYO}\nlima ${LIMA}\n`,
    'tokens',
    ['tokyo', 'lima'],
    token,
  );
  const server = createServer({ monitor, store, token, ingestTokens });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { port, monitor, logged, target: v.config.targets[0] as Target };
}

const sent = (location: string, slot: string | undefined): LocationResult => ({
  location,
  target: 'prod',
  ...(slot ? { slot } : {}),
  at: new Date().toISOString(),
  results: [result('end-to-end', 'ok')],
});

/** POSTs a result to /ingest with a bearer token (and a Host that is not loopback, as across a network). */
function post(port: number, bearer: string | undefined, body: unknown) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/ingest',
        method: 'POST',
        agent: false,
        headers: {
          host: 'monitor.example.com',
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('POST /ingest at the home of three locations', () => {
  it("takes a location's result with its own token", async () => {
    const { port, target } = await start();
    const slot = scheduledSlotKey(target, Date.now());
    const r = await post(port, TOKYO, sent('tokyo', slot));
    expect(r.status).toBe(202);
    expect(JSON.parse(r.body)).toEqual({ accepted: { location: 'tokyo', target: 'prod', slot } });
  });

  it("refuses the home's own token, and no token: 401", async () => {
    const { port, target } = await start();
    const slot = scheduledSlotKey(target, Date.now());
    for (const bearer of [HOME_TOKEN, undefined, `${TOKYO}x`])
      expect((await post(port, bearer, sent('tokyo', slot))).status).toBe(401);
  });

  it('refuses a result posted as another location: 403, naming why, never the token', async () => {
    const { port, target } = await start();
    const r = await post(port, TOKYO, sent('lima', scheduledSlotKey(target, Date.now())));
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/this token is tokyo's, and the result says "lima"/);
    expect(r.body).not.toContain(TOKYO);
  });

  it('answers a location across the network even when the home has no token of its own', async () => {
    const { port, target } = await start(undefined);
    expect((await post(port, LIMA, sent('lima', scheduledSlotKey(target, Date.now())))).status).toBe(202);
  });

  it('refuses a slot that is not the current or the previous: 422, naming why', async () => {
    const { port, target } = await start();
    const now = Date.now();
    const future = scheduledSlotKey(target, now + 5 * 60_000);
    const replayed = scheduledSlotKey(target, now - 10 * 60_000);
    const off = new Date(Date.parse(scheduledSlotKey(target, now)) + 1).toISOString();
    const answers = await Promise.all(
      [future, replayed, off].map((s) => post(port, TOKYO, sent('tokyo', s))),
    );
    expect(answers.map((a) => a.status)).toEqual([422, 422, 422]);
    expect(answers[0]?.body).toMatch(/has not begun by the home's clock/);
    expect(answers[1]?.body).toMatch(/older than the previous slot/);
    expect(answers[2]?.body).toMatch(/is not one of prod's scheduled slots/);
  });

  it('takes a result for a slot already decided as late: 202 saying so, heard from, logged once', async () => {
    const { port, target, monitor, logged } = await start();
    const slot = scheduledSlotKey(target, Date.now());
    await monitor.inbox?.collect(target, slot, 0);
    for (let i = 0; i < 2; i++) {
      const r = await post(port, LIMA, sent('lima', slot));
      expect(r.status).toBe(202);
      expect(JSON.parse(r.body).accepted.late).toBe(true);
    }
    expect(monitor.inbox?.lastSeen('lima')).toBeDefined();
    expect(logged.filter((l) => /lima's result for slot .* late/.test(l))).toHaveLength(1);
  });
});
