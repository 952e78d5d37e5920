/**
 * The sandbox itself, seen with plain HTTP requests (no download-doctor checks): healthy, each catalogue fault's
 * raw symptom, healthy again after restoring it, and nothing left behind after stop().
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_FAULTS, type Symptoms } from '../../sandbox/faults.ts';
import { childPids } from '../../sandbox/processes.ts';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';

type Looks = Symptoms;

const HEALTHY: Looks = { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' };

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox?.stop();
});

function target() {
  const t = sandbox.config.targets[0];
  if (!t) throw new Error('the sandbox config has no target');
  return t;
}

async function get(url: string): Promise<{ status: number; headers: Headers; body: Buffer } | 'refused'> {
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return 'refused';
    throw error;
  }
}

async function look(): Promise<Looks> {
  const t = target();
  const sentinel = sandbox.sentinel.body;
  const [endToEnd, app, proxy] = await Promise.all([get(t.endToEnd.url), get(t.app.url), get(t.proxy.url)]);
  // `whole`: the word for a 200 that carries the sentinel itself (the app should not: it then "streamed" it).
  const word = (r: Awaited<ReturnType<typeof get>>, whole: string) => {
    if (r === 'refused') return r;
    const offload = r.headers.get('x-accel-redirect');
    if (r.status !== 200) return String(r.status);
    if (offload === t.app.offload.value && r.body.length === 0) return 'offloaded';
    if (offload === null && r.body.equals(sentinel)) return whole;
    if (offload === null && r.body.length === sentinel.length) return 'other bytes';
    if (offload !== null && r.body.length === 0) return `offloaded to ${offload}`;
    return `200 (x-accel-redirect: ${offload}, ${r.body.length} bytes)`;
  };
  return { endToEnd: word(endToEnd, 'sentinel'), app: word(app, 'streamed'), proxy: word(proxy, 'sentinel') };
}

describe('the sandbox, healthy', () => {
  it('serves exactly the sentinel end to end, without leaking the offload header', async () => {
    const res = await get(target().endToEnd.url);
    if (res === 'refused') throw new Error('nginx refused the connection');
    expect(res.status).toBe(200);
    expect(res.body.equals(sandbox.sentinel.body)).toBe(true);
    expect(res.headers.get('x-accel-redirect')).toBeNull();
    expect(res.headers.get('content-type')).toBe(target().sentinel.contentType);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="${target().sentinel.fileName}"`,
    );
  });

  it('answers on the app port with the configured X-Accel-Redirect and an empty body', async () => {
    const res = await get(target().app.url);
    if (res === 'refused') throw new Error('gunicorn refused the connection');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-accel-redirect')).toBe(target().app.offload.value);
    expect(res.body.length).toBe(0);
  });

  it('serves the sentinel on the proxy location, read anonymously from storage', async () => {
    expect(await look()).toEqual(HEALTHY);
    const t = target();
    if (t.storage.type !== 's3') throw new Error('the sandbox uses S3');
    const anonymous = await get(`${t.storage.endpoint}/${t.storage.bucket}/${t.storage.key}`);
    expect(anonymous !== 'refused' && anonymous.status).toBe(200);
  });

  it('refuses the internal location from outside', async () => {
    const res = await get(target().endToEnd.internalUrl ?? '');
    expect(res !== 'refused' && res.status).toBe(404);
  });

  it.each(['proxy', 'app'] as const)(
    'runs the %s (nginx, gunicorn), master and workers, as a non-root user',
    (service) => {
      const master = sandbox.pids()[service];
      expect(master).toBeDefined();
      for (const pid of [master ?? 0, ...childPids(master ?? 0)]) {
        const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        expect(Number(uids?.[1]), `real uid of ${pid}`).not.toBe(0);
        expect(Number(uids?.[2]), `effective uid of ${pid}`).not.toBe(0);
      }
    },
  );
});

describe('the sandbox, faulty', () => {
  it.each(SANDBOX_FAULTS.map((f) => [f.name, f] as const))(
    '%s: shows its symptom at once, and heals',
    async (name, fault) => {
      await sandbox.applyFault(name);
      try {
        expect(sandbox.activeFaults).toEqual([name]);
        const looks = await look();
        const symptom = fault.symptoms;
        expect(Object.keys(symptom).length, 'the catalogue states a symptom').toBeGreaterThan(0);
        expect(Object.fromEntries(Object.keys(symptom).map((k) => [k, looks[k as keyof Looks]]))).toEqual(
          symptom,
        );
      } finally {
        await sandbox.clearFaults();
      }
      expect(sandbox.activeFaults).toEqual([]);
      expect(await look()).toEqual(HEALTHY);
    },
  );

  it('combines two proxy faults, and restores each one alone', async () => {
    await sandbox.applyFault('internal-prefix-mismatch');
    await sandbox.applyFault('storage-upstream-wrong-port');
    expect(await look()).toEqual({ endToEnd: '404', app: 'offloaded', proxy: '502' });
    await sandbox.control.reconfigureProxy({ internalPrefixOverride: undefined });
    expect((await look()).endToEnd).toBe('502');
    await sandbox.clearFaults();
    expect(await look()).toEqual(HEALTHY);
  });
});

describe('stopping the sandbox', () => {
  it('leaves no process and no directory behind', async () => {
    const masters = Object.values(sandbox.pids()).filter((pid) => pid !== undefined);
    const all = [...masters, ...masters.flatMap(childPids)];
    expect(masters).toHaveLength(3);
    await sandbox.stop();
    expect(existsSync(sandbox.dir)).toBe(false);
    // Gone, or a zombie waiting for a parent that is not ours to reap it.
    const alive = all.filter((pid) => {
      try {
        return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
