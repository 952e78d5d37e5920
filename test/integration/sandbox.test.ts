/**
 * The sandbox itself, in every variant, seen with plain HTTP requests (no download-doctor checks): healthy, each
 * catalogue fault's raw symptom, healthy again after restoring it, and nothing left behind after stop(). And a
 * sandbox whose Django project sits in a directory the services' user cannot enter.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dispositionFileName,
  expectsSignedOffload,
  offloadMatches,
} from '../../functions/checks/conditions.ts';
import { configSchema } from '../../functions/config/schema.ts';
import { createPresignProbe, createS3ClientCache } from '../../functions/probes/storage.ts';
import { asStack, type StackTarget } from '../../functions/snippets/stack.ts';
import {
  type FaultName,
  SANDBOX_VARIANTS,
  type Symptoms,
  type Variant,
  variantFaults,
} from '../../sandbox/faults.ts';
import { childPids } from '../../sandbox/processes.ts';
import { type Sandbox, startSandbox } from '../../sandbox/stack.ts';

type Looks = Symptoms;

const HEALTHY: Looks = { endToEnd: 'sentinel', app: 'offloaded', proxy: 'sentinel' };

/** Two faults at once, and what the URLs then show: each fault stays visible. */
const COMBINED: Record<Variant, { faults: [FaultName, FaultName]; looks: Looks }> = {
  'nginx-s3': {
    faults: ['internal-prefix-mismatch', 'storage-upstream-wrong-port'],
    looks: { endToEnd: '404', app: 'offloaded', proxy: '502' },
  },
  'apache-disk': {
    faults: ['apache-xsendfile-off', 'apache-sentinel-access-denied'],
    looks: { endToEnd: 'header leaked', app: 'offloaded', proxy: '403' },
  },
  'lighttpd-disk': {
    faults: ['lighttpd-xsendfile-off', 'lighttpd-sentinel-access-denied'],
    looks: { endToEnd: 'empty', app: 'offloaded', proxy: '403' },
  },
};

/** Signs the proxy check's request when the bucket is private, as the proxy check does. */
const clients = createS3ClientCache();
const presign = createPresignProbe(clients);
async function proxyUrl(t: StackTarget): Promise<string> {
  if (t.storage.type !== 's3' || t.storage.proxyAuth !== 'presigned') return t.proxy.url;
  const signed = await presign(t.storage);
  if (!signed.ok) throw new Error(signed.error);
  return `${t.proxy.url}?${signed.query}`;
}

afterAll(() => clients.destroy());

/**
 * What a URL answers, as a browser gets it (fetch decodes a Content-Encoding): `broken` when the body cannot be
 * read whole, `undecodable` (it does not decode as its Content-Encoding says) or `cut` (it broke off).
 */
async function get(
  url: string,
): Promise<{ status: number; headers: Headers; body: Buffer; broken?: 'undecodable' | 'cut' } | 'refused'> {
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
    try {
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    } catch {
      const broken = res.headers.get('content-encoding') ? 'undecodable' : 'cut';
      return { status: res.status, headers: res.headers, body: Buffer.alloc(0), broken };
    }
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return 'refused';
    throw error;
  }
}

describe.each(Object.keys(SANDBOX_VARIANTS) as Variant[])('the %s sandbox', (variant) => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ variant });
    Object.assign(process.env, sandbox.env); // the credentials that sign the proxy check's request
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  /** The checks' view of the sandbox: the written target, then the extra sentinel's (`sandbox-unicode`). */
  const targets = () => configSchema.parse(sandbox.config).targets;
  function target(name = 'sandbox') {
    const t = targets().find((x) => x.name === name);
    if (!t) throw new Error(`the sandbox config has no target ${name}`);
    return asStack(t)[0] as StackTarget; // the sandbox's targets have storage and proxy
  }

  async function look(name = 'sandbox'): Promise<Looks> {
    const t = target(name);
    const sentinel = sandbox.sentinels.find((x) => x.target === name)?.body ?? Buffer.alloc(0);
    const header = t.app.offload.header;
    const [endToEnd, app, proxy] = await Promise.all([
      get(t.endToEnd.url),
      get(t.app.url),
      proxyUrl(t).then(get),
    ]);
    // `whole`: the word for a 200 that carries the sentinel itself (the app should not: it then "streamed" it).
    // `offloaded`: the word for an empty 200 with the expected header (at the client, the header "leaked").
    const word = (r: Awaited<ReturnType<typeof get>>, whole: string, offloaded: string, named = true) => {
      if (r === 'refused') return r;
      const offload = r.headers.get(header);
      if (r.status !== 200) return String(r.status);
      if (r.broken) return r.broken;
      // A download named otherwise than the sentinel (Content-Disposition, decoded) says so.
      // (The proxy check's location names no file.) fetch joins two headers with ", ".
      const disposition = r.headers.get('content-disposition') ?? undefined;
      const fileName = dispositionFileName(disposition);
      const as = !named
        ? ''
        : /,\s*(attachment|inline)\b/i.test(disposition ?? '')
          ? ' with two names'
          : fileName === undefined
            ? ' without a name'
            : fileName === t.sentinel.fileName
              ? ''
              : // A query (a signed URL's) changes with every request: shown as "?…".
                ` as ${JSON.stringify(fileName.replace(/\?.*$/, '?…'))}`;
      if (offload !== null && offloadMatches(t, offload) && r.body.length === 0) {
        const unsigned = expectsSignedOffload(t) && !offload.includes('X-Amz-Signature=');
        return `${offloaded}${unsigned ? ' unsigned' : ''}${as}`;
      }
      if (offload === null && r.body.equals(sentinel)) return `${whole}${as}`;
      if (offload === null && r.body.length === 0) return 'empty';
      if (offload === null) return 'other bytes';
      // The path the app named (a signed URL's query left out: it changes with every request).
      if (r.body.length === 0) return `offloaded to ${offload.split('?')[0]}`;
      return `200 (${header}: ${offload}, ${r.body.length} bytes)`;
    };
    return {
      endToEnd: word(endToEnd, 'sentinel', 'header leaked'),
      app: word(app, 'streamed', 'offloaded'),
      proxy: word(proxy, 'sentinel', 'offloaded', false),
    };
  }

  describe('healthy', () => {
    it('serves exactly the sentinel end to end, without leaking the offload header', async () => {
      const res = await get(target().endToEnd.url);
      if (res === 'refused') throw new Error('the proxy refused the connection');
      expect(res.status).toBe(200);
      expect(res.body.equals(sandbox.sentinel.body)).toBe(true);
      expect(res.headers.get(target().app.offload.header)).toBeNull();
      expect(res.headers.get('content-type')).toBe(target().sentinel.contentType);
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="${target().sentinel.fileName}"`,
      );
    });

    it('answers on the app port with the configured offload header and an empty body', async () => {
      const res = await get(target().app.url);
      if (res === 'refused') throw new Error('gunicorn refused the connection');
      expect(res.status).toBe(200);
      const value = res.headers.get(target().app.offload.header) ?? '';
      if (variant === 'nginx-s3') {
        // The storage URL django-storages signed, rewritten into the internal location.
        expect(value).toMatch(
          /^\/_storage\/healthcheck\.txt\?X-Amz-Algorithm=AWS4-HMAC-SHA256&.*X-Amz-Signature=/,
        );
      } else {
        expect(value).toBe(target().app.offload.value);
      }
      expect(res.body.length).toBe(0);
    });

    it('serves the sentinel on the proxy location, straight from storage', async () => {
      expect(await look()).toEqual(HEALTHY);
      const storage = target().storage;
      if (storage.type === 's3') {
        // The bucket is private: an anonymous read is refused, by S3 and through the proxy alike.
        const anonymous = await get(`${storage.endpoint}/${storage.bucket}/${storage.key}`);
        expect(anonymous !== 'refused' && anonymous.status).toBe(403);
        const unsigned = await get(target().proxy.url);
        expect(unsigned !== 'refused' && unsigned.status).toBe(403);
      } else {
        expect(readFileSync(storage.path).equals(sandbox.sentinel.body)).toBe(true);
      }
    });

    it('serves the non-ASCII sentinel too, named in Content-Disposition as RFC 6266 says', async () => {
      expect(await look('sandbox-unicode')).toEqual(HEALTHY);
      const res = await get(target('sandbox-unicode').endToEnd.url);
      if (res === 'refused') throw new Error('the proxy refused the connection');
      // An ASCII fallback, and the UTF-8 name percent-encoded.
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="rapport-ete.txt"; filename*=UTF-8''rapport-%C3%A9t%C3%A9.txt`,
      );
    });

    it('refuses the internal location from outside, where there is one (X-Sendfile names a file, not a URL)', async () => {
      const internal = target().endToEnd.internalUrl;
      expect(internal === undefined).toBe(variant !== 'nginx-s3');
      if (internal === undefined) return;
      const res = await get(internal);
      expect(res !== 'refused' && res.status).toBe(404);
    });

    it.each(['proxy', 'app'] as const)('runs the %s, master and workers, as a non-root user', (service) => {
      const master = sandbox.pids()[service];
      expect(master).toBeDefined();
      for (const pid of [master ?? 0, ...childPids(master ?? 0)]) {
        const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        expect(Number(uids?.[1]), `real uid of ${pid}`).not.toBe(0);
        expect(Number(uids?.[2]), `effective uid of ${pid}`).not.toBe(0);
      }
    });
  });

  describe('faulty', () => {
    it.each(variantFaults(variant).map((f) => [f.name, f] as const))(
      '%s: shows its symptom at once, and heals',
      async (name, fault) => {
        await sandbox.applyFault(name as FaultName);
        try {
          expect(sandbox.activeFaults).toEqual([name]);
          const looks = await look(fault.sentinel ? `sandbox-${fault.sentinel}` : 'sandbox');
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
        expect(await look('sandbox-unicode')).toEqual(HEALTHY);
      },
    );

    it('combines two faults, each visible, and restores both', async () => {
      const { faults, looks } = COMBINED[variant];
      for (const name of faults) await sandbox.applyFault(name);
      expect(await look()).toEqual(looks);
      await sandbox.clearFaults();
      expect(await look()).toEqual(HEALTHY);
    });

    it('refuses a fault of the other variant, naming it', async () => {
      const other = (Object.keys(SANDBOX_VARIANTS) as Variant[]).find((v) => v !== variant) ?? variant;
      const [foreign] = variantFaults(other);
      await expect(sandbox.applyFault(foreign?.name as FaultName)).rejects.toThrow(
        `belongs to the ${other} sandbox`,
      );
      expect(sandbox.activeFaults).toEqual([]);
    });
  });

  describe('stopping', () => {
    it('leaves no process and no directory behind', async () => {
      const masters = Object.values(sandbox.pids()).filter((pid) => pid !== undefined);
      const all = [...masters, ...masters.flatMap(childPids)];
      // moto, gunicorn and nginx; gunicorn and Apache or lighttpd (the disk needs no server).
      expect(masters).toHaveLength(variant === 'nginx-s3' ? 3 : 2);
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
});

describe('a sandbox whose project directory the services cannot enter', () => {
  let home: string;
  let sandbox: Sandbox | undefined;

  beforeAll(() => {
    // A clone in a 0700 directory (mkdtemp's mode): only its owner enters it. Here, a copy of what the
    // services need from the repository: the Django project.
    home = mkdtempSync(join(tmpdir(), 'dd-private-clone-'));
    cpSync(new URL('../../sandbox/django/', import.meta.url).pathname, join(home, 'django'), {
      recursive: true,
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it.skipIf(process.getuid?.() !== 0)(
    'starts, serves the sentinel and stops (the services run as nobody, who cannot enter the project)',
    async () => {
      expect(statSync(home).mode & 0o777).toBe(0o700);
      const nobody = spawnSync('setpriv', [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        'ls',
        home,
      ]);
      expect(nobody.status, 'nobody cannot list the project directory').not.toBe(0);
      sandbox = await startSandbox({ variant: 'lighttpd-disk', djangoSource: join(home, 'django') });
      const t = configSchema.parse(sandbox.config).targets[0];
      const res = await get(t?.endToEnd.url ?? '');
      expect(res !== 'refused' && res.status).toBe(200);
      expect(res !== 'refused' && res.body.equals(sandbox.sentinel.body)).toBe(true);
    },
  );
});
