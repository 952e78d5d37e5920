// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText is the text a person sees, which is what these tests are about
/**
 * serve's status pages in a real browser (Debian's chromium, headless, driven by playwright-core): a person logs in
 * with the token (the log-in form, a session cookie) and sees `/`; the history behind it is 30 days of hourly runs
 * written through serve's own store, with incidents on two layers (the proxy, then storage) and a degraded day, so
 * that the uptime figures the page shows are checked against figures computed by hand here. Screenshots of `/` and
 * of a target's page land in test-artifacts/ (ignored by git) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../cli/serve/http.ts';
import { Monitor } from '../../cli/serve/monitor.ts';
import { openStore, type Store } from '../../cli/serve/store.ts';
import { DAY_MS, HOUR_MS } from '../../functions/alerting/history.ts';
import { validateConfig } from '../../functions/config/validate.ts';
import type { Report } from '../../functions/contract/types.ts';
import { targetInput } from '../fixtures/config.ts';
import { reportOf, stages } from '../fixtures/results.ts';
import { tempDir } from '../fixtures/temp.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
const TOKEN = 'browser-test-token-0123456789abcdef';
/** The page's clock: 30 days after the history starts, at midnight (UTC). */
const T0 = Date.UTC(2026, 9, 1);
const NOW = new Date(T0 + 30 * DAY_MS);

const of = (target: string, s: Parameters<typeof stages>) => reportOf(stages(...s), target);
let store: Store;
let server: http.Server;
let base: string;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const consoleErrors: string[] = [];

/**
 * shop, every hour for 30 days: the proxy fails on day 3 from 05:00 to 09:00 (4 runs: an incident paged at 06:00,
 * recovered at 09:00); storage fails on day 26 at 10:00 and 11:00 (an incident from 11:00 to 12:00); all of day 25
 * is degraded (downloads work, slowly). api: every hour for the last 10 days, healthy.
 */
function seed() {
  const healthy = of('shop', ['ok', 'ok']);
  const proxy = of('shop', ['status', 'ok', 'ok', 'status']);
  const storage = of('shop', ['status', 'ok', 'status', 'status']);
  const slow = of('shop', ['slow', 'ok']);
  const runOf = (h: number): Report => {
    const day = Math.floor(h / 24);
    const hour = h % 24;
    if (day === 3 && hour >= 5 && hour < 9) return proxy;
    if (day === 26 && (hour === 10 || hour === 11)) return storage;
    if (day === 25) return slow;
    return healthy;
  };
  for (let h = 0; h < 30 * 24; h++) {
    const at = new Date(T0 + h * HOUR_MS);
    store.recordRun({
      target: 'shop',
      at,
      source: 'schedule',
      durationMs: 20,
      everyMs: HOUR_MS,
      report: runOf(h),
    });
    if (h >= 20 * 24)
      store.recordRun({
        target: 'api',
        at,
        source: 'schedule',
        durationMs: 20,
        everyMs: HOUR_MS,
        report: of('api', ['ok', 'ok']),
      });
  }
  const alarm = 'download-doctor-local-shop-down';
  const note = (state: 'ALARM' | 'OK', h: number, report: Report) =>
    store.noteIncident(
      { target: 'shop', alarm, rule: 'down', state, at: new Date(T0 + h * HOUR_MS) },
      report,
    );
  note('ALARM', 3 * 24 + 6, proxy);
  note('OK', 3 * 24 + 9, healthy);
  note('ALARM', 26 * 24 + 11, storage);
  note('OK', 26 * 24 + 12, healthy);
}

beforeAll(async () => {
  store = await openStore(join(tempDir('dd-browser-serve-'), 'serve.db'));
  seed();
  const v = validateConfig({
    targets: [
      { ...targetInput(), name: 'shop', schedule: '1h', description: 'the shop downloads (nginx + S3)' },
      { ...targetInput(), name: 'api', schedule: '1h' },
    ],
  });
  if (!v.ok) throw new Error('the config must be valid');
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
  });
  context.on('request', (r) => requests.push(r.url()));
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
}, 90_000);

afterAll(async () => {
  await context?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  store?.close();
});

const uptime = (target: string, window: string) =>
  page.locator(`section[data-target="${target}"] [data-uptime="${window}"] b`).innerText();

describe('serve in chromium', () => {
  it('a person logs in with the token and sees the status page', async () => {
    await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name="token"]', 'not-the-token-at-all');
    await page.click('button[type="submit"]');
    expect(await page.locator('.error').innerText()).toBe('That is not the token.');
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${base}/`);
    expect(await page.locator('h1').innerText()).toBe('download-doctor');
    expect(
      await page
        .locator('section[data-target]')
        .evaluateAll((s) => s.map((x) => x.getAttribute('data-target'))),
    ).toEqual(['shop', 'api']);
    const cookies = await context.cookies(base);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['dd_session', true, 'Strict']]);
    expect(cookies[0]?.value).not.toContain(TOKEN);
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('60');
  });

  it('shows the uptime figures computed by hand', async () => {
    // shop, last 24 h (day 29): healthy throughout.
    expect(await uptime('shop', '24 h')).toBe('100%');
    // Last 7 days (days 23 to 29): 2 hours failed of 168, the degraded day counted as up: 166 / 168.
    expect(166 / 168).toBeCloseTo(0.988095, 6);
    expect(await uptime('shop', '7 d')).toBe('98.80%');
    // Last 30 days: 6 hours failed of 720: 714 / 720 = 99.1666…%, never rounded up.
    expect(await uptime('shop', '30 d')).toBe('99.16%');
    // api ran the last 10 days only, all healthy: what was not observed does not count.
    for (const w of ['24 h', '7 d', '30 d']) expect(await uptime('api', w)).toBe('100%');
    const shop = await page.locator('section[data-target="shop"] [data-uptime="30 d"]').innerText();
    expect(shop).toContain('down 6 h');
    expect(shop).toContain('degraded 1 d');
  });

  it('draws the 90 days with a legend: the failed days red, the degraded day yellow, no data grey', async () => {
    const strip = page.locator('section[data-target="shop"] svg.days');
    expect(await strip.getAttribute('aria-label')).toBe(
      'the last 90 days, one cell a day (UTC): 60 no data, 27 healthy all day, 2 failed for a while (downloads broken), 1 degraded for a while (downloads worked)',
    );
    const fill = await strip
      .locator('path.c-failed')
      .evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).fill);
    expect(fill).toBe('rgb(207, 34, 46)');
    expect(await page.locator('.legend').first().innerText()).toContain('degraded for a while');
  });

  it("a target's page: its latency per layer, and its incidents on two layers with how long they lasted", async () => {
    await page.click('a[href="/status/shop"]');
    await page.waitForURL(`${base}/status/shop`);
    const rows = page.locator('tr[data-incident]');
    expect(await rows.count()).toBe(2);
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll('td')]
          .slice(0, 6)
          .map((td) => (td as unknown as { innerText: string }).innerText),
      ),
    );
    expect(cells).toEqual([
      ['2026-10-27T11:00:00.000Z', '2026-10-27T12:00:00.000Z', '1 h', 'down', 'failed', 'storage, proxy'],
      ['2026-10-04T06:00:00.000Z', '2026-10-04T09:00:00.000Z', '3 h', 'down', 'failed', 'proxy'],
    ]);
    // The latency chart: a line for each layer that ran in the last 7 days (storage and proxy on day 26 only).
    expect(await page.locator('svg.latency polyline.l-end-to-end').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.latency .l-storage').count()).toBeGreaterThan(0);
    expect(await page.locator('.legend [data-layer="proxy"]').innerText()).toBe('proxy');
    const day = page.locator('svg.days rect[data-day="2026-10-26"] title');
    expect(await day.textContent()).toBe(
      '2026-10-26: 100% up; failed 0 s, degraded 1 d, no verdict 0 s, maintenance 0 s',
    );
  });

  it('made no request but its own pages, logged no console error but the wrong token; screenshots for a person', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'serve-target.png'), fullPage: true });
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.screenshot({ path: join(ARTIFACTS, 'serve-status.png'), fullPage: true });
    console.log(
      `screenshots: ${join(ARTIFACTS, 'serve-status.png')}, ${join(ARTIFACTS, 'serve-target.png')}`,
    );
    expect(requests.every((u) => u.startsWith(base))).toBe(true);
    // The one error is the log-in with a wrong token, answered 401.
    expect(consoleErrors).toEqual([
      'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
    // Logged out, the pages want the token again.
    await page.click('form[action="/logout"] button');
    await page.waitForURL(`${base}/login`);
    await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});
