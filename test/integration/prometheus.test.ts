/**
 * `serve` scraped by a real Prometheus (Debian's), with the scrape config docs/serve.md gives, as written but for its
 * host and token file: the target is up, and its series answer a PromQL query by target. A second job with a token
 * that is not serve's is down with a 401: the token is asked of Prometheus too.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../sandbox/processes.ts';
import { docBlock, substituted } from '../fixtures/doc-blocks.ts';
import { startStubServe } from '../fixtures/stub-serve.ts';
import { tempDir } from '../fixtures/temp.ts';

const TOKEN = 'prometheus-scrape-token-0123456789';
const dir = tempDir('dd-prometheus-');
let stub: Awaited<ReturnType<typeof startStubServe>>;
let prometheus: ChildProcess;
let api: string;
let log = '';

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new Error(`${what}: not within ${ms} ms; Prometheus said:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface ScrapeTarget {
  labels: { job: string };
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

beforeAll(async () => {
  stub = await startStubServe({ token: TOKEN });
  const serve = `127.0.0.1:${stub.port}`;

  // The docs' block, its host and token file made this test's; a scrape a second, and a job with a wrong token.
  const tokenFile = join(dir, 'download-doctor.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'wrong.token'), 'not-the-token-of-this-serve\n', { mode: 0o600 });
  const documented = substituted(docBlock('prometheus-scrape'), {
    '/etc/prometheus/download-doctor.token': tokenFile,
    'monitor.example.com:9810': serve,
  });
  const wrongJob = [
    '  - job_name: wrong-token',
    '    authorization:',
    `      credentials_file: ${join(dir, 'wrong.token')}`,
    '    static_configs:',
    `      - targets: ['${serve}']`,
  ].join('\n');
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, `global:\n  scrape_interval: 1s\n${documented.trimEnd()}\n${wrongJob}\n`);

  const [port] = await freePorts(1);
  api = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const s of [prometheus.stdout, prometheus.stderr])
    s?.setEncoding('utf8').on('data', (d: string) => {
      log += d;
    });
}, 60_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await new Promise((r) => prometheus.once('exit', r));
  }
  await stub?.close();
});

describe('serve, scraped by Prometheus with the docs’ scrape config', () => {
  it('is up, and its series answer a query by target; a wrong token is a 401 to Prometheus too', async () => {
    const targets = await until('both jobs scraped', async () => {
      const r = await fetch(`${api}/api/v1/targets`);
      const body = (await r.json()) as { data: { activeTargets: ScrapeTarget[] } };
      const active = body.data.activeTargets;
      return active.length === 2 && active.every((t) => t.health !== 'unknown') ? active : undefined;
    });
    const byJob = Object.fromEntries(targets.map((t) => [t.labels.job, t]));
    expect(byJob['download-doctor']).toMatchObject({ health: 'up', lastError: '' });
    expect(byJob['wrong-token']?.health).toBe('down');
    expect(byJob['wrong-token']?.lastError).toContain('401');

    const result = await until('download_doctor_healthy in the TSDB', async () => {
      const q = encodeURIComponent('download_doctor_healthy{job="download-doctor"}');
      const r = await fetch(`${api}/api/v1/query?query=${q}`);
      const body = (await r.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result.length ? body.data.result : undefined;
    });
    expect(result.map((s) => [s.metric.target, s.value[1]])).toEqual([['prod', '1']]);
  }, 60_000);
});

describe('the docs’ alerting rules, by promtool', () => {
  it('fire as they say: downloads broken for 10 minutes, a target not run for 15, serve down for 5', () => {
    const rules = join(dir, 'rules.yml');
    writeFileSync(rules, docBlock('prometheus-rules').text);
    const check = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    // A minute a sample: shop fails from minute 2; blog stays healthy but its runs stop at minute 5 (the series stays,
    // with the last run's time); serve stops answering at minute 3.
    const tests = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'download_doctor_healthy{job="download-doctor",target="shop"}', values: '1 1 0x20' },
            { series: 'download_doctor_healthy{job="download-doctor",target="blog"}', values: '1x22' },
            {
              series: 'download_doctor_last_run_timestamp_seconds{job="download-doctor",target="blog"}',
              values: '0+60x5 300x16',
            },
            { series: 'up{job="download-doctor",instance="monitor:9810"}', values: '1 1 1 0x19' },
          ],
          alert_rule_test: [
            { eval_time: '11m', alertname: 'DownloadsBroken', exp_alerts: [] },
            {
              eval_time: '12m',
              alertname: 'DownloadsBroken',
              exp_alerts: [
                {
                  exp_labels: { severity: 'page', job: 'download-doctor', target: 'shop' },
                  exp_annotations: {
                    summary: "shop: downloads fail; serve's page of the target names the layer",
                  },
                },
              ],
            },
            { eval_time: '20m', alertname: 'DownloadDoctorTargetNotRunning', exp_alerts: [] },
            {
              eval_time: '21m',
              alertname: 'DownloadDoctorTargetNotRunning',
              exp_alerts: [
                {
                  exp_labels: { severity: 'ticket', job: 'download-doctor', target: 'blog' },
                  exp_annotations: { summary: 'blog: no run for 15 minutes' },
                },
              ],
            },
            { eval_time: '7m', alertname: 'DownloadDoctorDown', exp_alerts: [] },
            {
              eval_time: '8m',
              alertname: 'DownloadDoctorDown',
              exp_alerts: [
                {
                  exp_labels: { severity: 'ticket', job: 'download-doctor', instance: 'monitor:9810' },
                  exp_annotations: { summary: 'serve does not answer Prometheus: no target is watched' },
                },
              ],
            },
          ],
        },
      ],
    };
    const file = join(dir, 'rules.test.yml');
    // JSON is YAML: promtool reads it as written.
    writeFileSync(file, JSON.stringify(tests, null, 2));
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('SUCCESS');
  });
});
