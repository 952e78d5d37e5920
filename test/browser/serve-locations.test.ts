// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText is the text a person sees, which is what these tests are about
/**
 * serve's status pages of a home with several locations, in a real browser (Debian's chromium, headless, driven by
 * playwright-core): a day of hourly slots of `shop` checked from paris (the home), tokyo and lima, each slot decided
 * by the same code as serve's (functions/alerting/slots.ts) and kept through serve's own store. lima's network
 * path fails for 2 slots (a notice, not a page); tokyo is slow for 3. The page shows, per location, the latest
 * outcome and download time (`/` and `/status/shop`) and the day's counts, median and worst time (`/status/shop`),
 * checked against figures computed by hand here. Screenshots land in test-artifacts/: serve-locations.png (the
 * target's page) and serve-locations-status.png (`/`).
 */
import { mkdirSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../cli/serve/http.ts';
import { slotRule } from '../../cli/serve/locations.ts';
import { Monitor } from '../../cli/serve/monitor.ts';
import { openStore, type Store } from '../../cli/serve/store.ts';
import { HOUR_MS } from '../../functions/alerting/history.ts';
import { decideSlot } from '../../functions/alerting/slots.ts';
import type { Config, Target } from '../../functions/config/schema.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import type { CheckResult, LocationResult } from '../../functions/contract/types.ts';
import { targetInput } from '../fixtures/config.ts';
import { reportOf, result, stages } from '../fixtures/results.ts';
import { tempDir } from '../fixtures/temp.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'];
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
const TOKEN = 'browser-locations-token-0123456789';
/** The page's clock: 24 hourly slots before it, the last at 23:00 the day before. */
const T0 = Date.UTC(2026, 9, 1);
const NOW = new Date(T0 + 24 * HOUR_MS);

let store: Store;
let server: http.Server;
let base: string;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];

/** An end-to-end result taking `ms`: a pass, a slow pass, or a refused connection. */
function e2e(ms: number, how: 'ok' | 'slow' | 'refused' = 'ok'): CheckResult {
  const r = result('end-to-end', how === 'refused' ? 'connect-refused' : how);
  return {
    ...r,
    timings: { totalMs: ms, firstByteMs: Math.max(0, ms - 20) },
    ...(how === 'refused' ? { observed: { error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9' } } : {}),
  };
}

/**
 * Hour h's download from each place: paris 40 ms; tokyo 300 ms, but slow (2000 ms) at hours 5 to 7; lima
 * 120 + 10 h ms, but refused (after 1 ms) at hours 20 and 21: its network path.
 */
const tokyo = (h: number) => (h >= 5 && h <= 7 ? e2e(2_000, 'slow') : e2e(300));
const lima = (h: number) => (h === 20 || h === 21 ? e2e(1, 'refused') : e2e(120 + 10 * h));

function seed(config: Config) {
  const rule = slotRule(config, config.targets[0] as Target);
  for (let h = 0; h < 24; h++) {
    const at = new Date(T0 + h * HOUR_MS);
    const slot = at.toISOString();
    const home = reportOf(stages('ok', 'ok'), 'shop');
    home.results = home.results.map((r) => (r.layer === 'end-to-end' ? e2e(40) : r));
    const other = (location: string, r: CheckResult): LocationResult => ({
      location,
      target: 'shop',
      slot,
      at: slot,
      results: [r],
      ...(r.ok ? {} : { confirmation: { firstAttempt: [r], flapped: false } }),
    });
    const others = new Map([
      ['tokyo', other('tokyo', tokyo(h))],
      ['lima', other('lima', lima(h))],
    ]);
    const decision = decideSlot({ home: { report: home, at }, others }, rule);
    store.recordRun({
      target: 'shop',
      at,
      source: 'schedule',
      durationMs: 50,
      everyMs: HOUR_MS,
      report: decision.report,
    });
    store.recordLocations('shop', at, decision.agreement.locations);
  }
}

beforeAll(async () => {
  store = await openStore(join(tempDir('dd-browser-locations-'), 'serve.db'));
  const v = validateConfig({
    locations: [{ name: 'paris', home: true }, { name: 'tokyo' }, { name: 'lima' }],
    targets: [{ ...targetInput(), name: 'shop', schedule: '1h', description: 'the shop downloads' }],
  });
  if (!v.ok) throw new Error('the config must be valid');
  seed(v.config);
  const monitor = new Monitor({ config: v.config, store, pagers: [], log: () => {}, now: () => NOW });
  server = createServer({ monitor, store, token: TOKEN, now: () => NOW });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  context = await chromium.launchPersistentContext(join(tempDir('dd-browser-profile-'), 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1200, height: 900 },
    timeout: 30_000,
    extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
  });
  context.on('request', (r) => requests.push(r.url()));
  page = await context.newPage();
}, 90_000);

afterAll(async () => {
  await context?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  store?.close();
});

/** The text of each row's cells in a table. */
const rows = (selector: string) =>
  page
    .locator(selector)
    .evaluateAll((trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => (td as unknown as { innerText: string }).innerText.trim()),
      ),
    );

describe('serve with several locations, in chromium', () => {
  it('/ shows each location of the latest slot: its outcome and its download time', async () => {
    await page.goto(`${base}/`, { waitUntil: 'load' });
    const latest = await rows('section[data-target="shop"] .locations tr[data-location]');
    // The latest slot, hour 23: every location passes.
    expect(latest.map((r) => r.slice(0, 4))).toEqual([
      ['paris (home)', 'pass', '0.04 s', '0.02 s'],
      ['tokyo', 'pass', '0.30 s', '0.28 s'],
      ['lima', 'pass', '0.35 s', '0.33 s'],
    ]);
  });

  it("/status/shop: each location's day, its slots by outcome and its median and worst download, by hand", async () => {
    await page.goto(`${base}/status/shop`, { waitUntil: 'load' });
    const day = await rows('table.location-history tr[data-location]');
    // paris: 24 passes at 40 ms. tokyo: 21 passes at 300 ms, 3 slow at 2000 ms: of 24 times, the lower median
    // (the 12th) 300 ms, the worst 2 s. lima: 22 passes at 120 + 10 h ms (h = 0..19, 22, 23), 2 refused, whose
    // times say nothing of the path: of 120, 130, …, 310, 340, 350, the 11th is 220 ms, the worst 350 ms.
    expect(day).toEqual([
      ['paris', '24', '0', '0', '0', '0.04 s', '0.04 s'],
      ['tokyo', '21', '3', '0', '0', '0.30 s', '2.00 s'],
      ['lima', '22', '0', '2', '0', '0.22 s', '0.35 s'],
    ]);
  });

  it("/status/shop: each location's download time per hour, a line each, broken where its downloads failed", async () => {
    await page.goto(`${base}/status/shop`, { waitUntil: 'load' });
    const chart = page.locator(
      'svg[aria-label^="mean end-to-end download time per hour from each location"]',
    );
    await chart.waitFor();
    const legend = await page.locator('.legend span[data-location]').allInnerTexts();
    expect(legend).toEqual(['paris', 'tokyo', 'lima']);
    // lima's refused hours (20 and 21) say nothing of its speed: its line stops there and goes on after.
    const lines = async (cls: string) => chart.locator(`polyline.${cls}`).count();
    expect([await lines('loc-0'), await lines('loc-1'), await lines('loc-2')]).toEqual([1, 1, 2]);
    // The axis holds tokyo's slow hours (2 s): its top is 2000 ms.
    expect(await chart.locator('text').allTextContents()).toContain('2000 ms');
  });

  it('an hour when lima alone failed is no failure of the target: the verdict stayed healthy', async () => {
    const r = await page.request.get(`${base}/targets/shop?format=json`);
    expect((await r.json()).verdict.status).toBe('healthy');
    // The slots of hours 20 and 21 are healthy (lima's path, not the site): the day is 100% up.
    await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(await page.locator('section[data-target="shop"] [data-uptime="24 h"] b').innerText()).toBe('100%');
  });

  it('made no request but its own pages; a screenshot for a person', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'serve-locations-status.png'), fullPage: true });
    await page.goto(`${base}/status/shop`, { waitUntil: 'load' });
    await page.screenshot({ path: join(ARTIFACTS, 'serve-locations.png'), fullPage: true });
    console.log(
      `screenshots: ${join(ARTIFACTS, 'serve-locations.png')} (/status/shop), ${join(ARTIFACTS, 'serve-locations-status.png')} (/)`,
    );
    expect(requests.every((u) => u.startsWith(base))).toBe(true);
  });
});
