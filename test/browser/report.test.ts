// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText is the text a person sees, which is what these tests are about
/**
 * The HTML report in a real browser: Debian's chromium, headless, driven by playwright-core (which downloads
 * nothing: it is given the system browser). The report is that of a real failed run: the workflow on the local
 * engine, against a loopback server that answers like a proxy pointed at the wrong S3 region (a 301
 * PermanentRedirect, failure mode #4), with the sentinel on disk. The page is loaded from a file:// URL.
 *
 * The screenshot lands in the test's temp dir (its path is printed), and a copy in test-artifacts/ (ignored by
 * git) for a person to look at.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTarget } from '../../cli/run.ts';
import { configSchema } from '../../functions/config/schema.ts';
import type { Report } from '../../functions/contract/types.ts';
import { reportHtml } from '../../functions/render/report-html.ts';
import { useEnv } from '../../sandbox/monitor.ts';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';
import { loopbackTargetInput, validConfig } from '../fixtures/config.ts';
import { type Loopback, serveLoopback } from '../fixtures/loopback.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Nothing in the background may reach out: the test counts every request the page makes. */
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
const ARTIFACT = new URL('../../test-artifacts/report-failed.png', import.meta.url).pathname;
const APP_DOWN_ARTIFACT = new URL('../../test-artifacts/report-app-down.png', import.meta.url).pathname;

const SENTINEL = Buffer.from('download-doctor sentinel: if you can read this, downloads work\n');
const S3_REDIRECT = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>`;

let dir: string;
let server: Loopback;
let report: Report;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const consoleErrors: string[] = [];
let pageUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dd-browser-'));
  const file = join(dir, 'healthcheck.txt');
  writeFileSync(file, SENTINEL);
  // Prepare: the app offloads as it should; the proxy's storage location answers S3's 301 (wrong region).
  server = await serveLoopback((req, res) => {
    if (req.url?.startsWith('/app/')) {
      res
        .writeHead(200, {
          'X-Accel-Redirect': '/_storage/healthcheck.txt',
          'Content-Disposition': 'attachment; filename="healthcheck.txt"',
          'Content-Length': '0',
        })
        .end();
      return;
    }
    res
      .writeHead(301, {
        'Content-Type': 'application/xml',
        Location: 'https://downloads.s3.eu-west-1.example.test/healthcheck.txt',
        Server: 'nginx',
      })
      .end(S3_REDIRECT);
  });
  const config = validConfig({ ...loopbackTargetInput(server.base, file, SENTINEL), name: 'prod' });
  // Act: a real run, then its page, loaded from a file in a fresh browser profile.
  ({ report } = await runTarget(config, config.targets[0] as (typeof config.targets)[0]));
  const html = join(dir, 'report.html');
  writeFileSync(html, reportHtml([report]));
  pageUrl = pathToFileURL(html).href;
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
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
  await page.goto(pageUrl, { waitUntil: 'load' });
}, 90_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the HTML report of a failed run, in chromium', () => {
  it('is the run we meant: failed, the proxy at fault, several failed conditions end to end', () => {
    expect(report.verdict).toMatchObject({ status: 'failed', fault: 'proxy', rule: 'proxy-fails' });
    const e2e = report.results.find((r) => r.layer === 'end-to-end');
    expect(e2e?.conditions.filter((c) => !c.pass).length).toBeGreaterThan(2);
  });

  it('draws the layers and marks the proxy at fault, and only it', async () => {
    const marked = page.locator('svg.diagram [data-fault]');
    expect(await marked.count()).toBe(1);
    const proxy = page.locator('svg.diagram [data-element="proxy"]');
    expect(await proxy.getAttribute('data-fault')).toBe('primary');
    // The mark is drawn: a thick red outline (the inline CSS applied), and the AT FAULT tag above the node.
    const stroke = await proxy
      .locator('rect')
      .evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).stroke);
    expect(stroke).toBe('rgb(207, 34, 46)');
    const tag = page.locator('svg.diagram .tag-primary');
    expect(await tag.textContent()).toBe('AT FAULT');
    const [tagBox, proxyBox] = [await tag.boundingBox(), await proxy.boundingBox()];
    if (!tagBox || !proxyBox) throw new Error('the tag and the node must be visible');
    const tagCenter = tagBox.x + tagBox.width / 2;
    expect(tagCenter).toBeGreaterThan(proxyBox.x);
    expect(tagCenter).toBeLessThan(proxyBox.x + proxyBox.width);
    expect(tagBox.y + tagBox.height).toBeLessThanOrEqual(proxyBox.y);
    // Each check's outcome on the drawing.
    for (const r of report.results) {
      const outcome = r.ok ? 'pass' : 'fail';
      expect(
        await page.locator(`svg.diagram [data-check="${r.layer}"]`).getAttribute('data-outcome'),
        r.layer,
      ).toBe(outcome);
    }
  });

  it('shows the verdict, its summary and evidence', async () => {
    const banner = await page.locator('.banner').innerText();
    expect(banner).toContain('FAILED');
    expect(banner).toContain('fault: proxy');
    expect(banner).toContain(report.verdict.summary);
    for (const line of report.verdict.evidence)
      expect(await page.locator('.verdict-evidence').innerText()).toContain(line);
  });

  it('lists every condition of every check, expected against observed', async () => {
    for (const r of report.results) {
      const rows = page.locator(`article[data-layer="${r.layer}"] table.conditions tbody tr`);
      expect(await rows.count(), r.layer).toBe(r.conditions.length);
      for (const [i, c] of r.conditions.entries()) {
        const cells = await rows.nth(i).locator('td').allInnerTexts();
        expect(cells[1]).toContain(c.subject);
        expect(cells[2]).toBe(c.expected);
        expect(cells[3]).toBe(c.observed);
        expect(await rows.nth(i).getAttribute('class')).toBe(c.pass ? 'pass' : 'fail');
      }
    }
  });

  it('has a timing waterfall per check, with the phases that happened drawn', async () => {
    for (const r of report.results) {
      const wf = page.locator(`article[data-layer="${r.layer}"] .waterfall`);
      const phases = await wf
        .locator('.wf-row')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-phase')));
      expect(phases).toEqual(['DNS', 'connect', 'TLS', 'first byte', 'transfer', 'total']);
      const drawn = await wf
        .locator('.wf-row')
        .evaluateAll((rows) =>
          rows
            .filter((row) => (row.querySelector('.bar')?.getBoundingClientRect().width ?? 0) >= 2)
            .map((row) => row.getAttribute('data-phase')),
        );
      // An HTTP check to an IP over http: connect, first byte and transfer, no DNS and no TLS.
      const expected =
        r.layer === 'storage'
          ? ['first byte', 'transfer', 'total']
          : ['connect', 'first byte', 'transfer', 'total'];
      expect(drawn, r.layer).toEqual(expected);
    }
  });

  it('shows the notes of a check that has some: the redirect it did not follow', async () => {
    const notes = await page.locator('article[data-layer="proxy"] .notes').innerText();
    expect(notes).toContain(
      'a 301 redirect to https://downloads.s3.eu-west-1.example.test/healthcheck.txt; redirects are not followed',
    );
  });

  it('says how to rerun, on the CLI and on AWS', async () => {
    const rerun = await page.locator('.rerun').innerText();
    expect(rerun).toContain('npx download-doctor run --target prod');
    expect(rerun).toContain(
      `aws stepfunctions start-execution --state-machine-arn ARN --input '{"target":"prod"}'`,
    );
  });

  it('made no network request but its own load, and logged no console error; a screenshot for a person', async () => {
    const png = join(dir, 'report-failed.png');
    await page.screenshot({ path: png, fullPage: true });
    mkdirSync(join(ARTIFACT, '..'), { recursive: true });
    copyFileSync(png, ARTIFACT);
    console.log(`screenshot: ${png} (kept at ${ARTIFACT})`);
    expect(requests).toEqual([pageUrl]);
    expect(consoleErrors).toEqual([]);
  });
});

/**
 * A killed app behind a real stack (the nginx + S3 sandbox, gunicorn stopped), as issue 21's user saw it: the
 * report names the user's own parts (the proxy's and the app's host and port, the bucket and key), says the failure
 * was confirmed (two attempts, how far apart), reads a refused port as such, says what to check, and gives the
 * exact command to run it again.
 */
describe('the HTML report of a killed app on a real stack, in chromium', () => {
  let box: Sandbox;
  let down: Report;
  let view: Page;
  /** The caller's AWS variables, put back when done. */
  const saved = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[0].startsWith('AWS_') && e[1] !== undefined,
    ),
  );

  beforeAll(async () => {
    box = await startSandbox({ variant: 'nginx-s3' });
    await box.setLever({ lever: 'app-server', value: 'down' });
    useEnv(box.env);
    const config = configSchema.parse(box.config);
    const [target] = config.targets;
    if (!target) throw new Error('the sandbox has no target');
    ({ report: down } = await runTarget(config, target));
    const html = join(dir, 'report-app-down.html');
    writeFileSync(html, reportHtml([down], { configFile: './download-doctor.config.ts' }));
    view = await context.newPage();
    await view.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  }, 90_000);

  afterAll(async () => {
    useEnv(saved);
    await box?.stop();
  });

  it('names the app at fault, its port refusing connections', async () => {
    const app = new URL(box.config.targets[0]?.app.url ?? '').host;
    expect(down.verdict).toMatchObject({ status: 'failed', fault: 'app', rule: 'app-fails' });
    const banner = await view.locator('.banner').innerText();
    expect(banner).toContain(`the app's port ${app} refuses connections: is the app running?`);
    expect(await view.locator('svg.diagram [data-element="app"]').getAttribute('data-fault')).toBe('primary');
  });

  it("labels each box with this stack's own host and port, bucket and key", async () => {
    const t = box.config.targets[0];
    if (t?.storage?.type !== 's3') throw new Error('the sandbox stores on S3');
    const text = async (el: string) =>
      (await view.locator(`svg.diagram [data-element="${el}"] text.sub`).allTextContents()).join(' ');
    expect(await text('proxy')).toBe(new URL(t.endToEnd.url).host);
    expect(await text('app')).toBe(new URL(t.app.url).host);
    expect(await text('storage')).toBe(`${t.storage.bucket} ${t.storage.key}`);
    expect(await view.locator('svg.diagram [data-element="storage"] text.title').textContent()).toBe(
      'Storage · S3',
    );
    const diagram = await view.locator('svg.diagram').innerHTML();
    for (const generic of ['nginx, Apache, lighttpd', 'S3 or a directory'])
      expect(diagram).not.toContain(generic);
  });

  it('says the failure was confirmed: both attempts failed, and how far apart', async () => {
    const confirmation = await view.locator('[data-confirmation]').innerText();
    expect(confirmation).toMatch(/^Confirmed: end-to-end failed on both of 2 attempts, \d+\.\d s apart/);
    expect(confirmation).toContain('app failed on both of 2 attempts');
  });

  it('says what to check first for the refused port, and the exact command to run it again', async () => {
    const hint = await view.locator('article[data-layer="app"] .hint').innerText();
    expect(hint).toContain('What to check: nothing listens on that host and port');
    expect(await view.locator('.rerun pre').first().innerText()).toBe(
      'npx download-doctor run --config ./download-doctor.config.ts --target sandbox',
    );
  });

  it('is screenshotted for a person', async () => {
    const png = join(dir, 'report-app-down.png');
    await view.screenshot({ path: png, fullPage: true });
    copyFileSync(png, APP_DOWN_ARTIFACT);
    console.log(`screenshot: ${APP_DOWN_ARTIFACT}`);
    const requestsOfView = requests.filter((u) => u.endsWith('report-app-down.html'));
    expect(requestsOfView).toHaveLength(1);
  });
});
