/**
 * The local runs' probes (`run`, `check`, `serve`, `demo`) are the direct probes, loaded lazily: they must take the
 * same arguments. The storage probe's `maxBytes` bounds what it reads (the sentinel's size): a lazy wrapper that
 * dropped it read a whole 1 MB object where the direct probe stops after its first chunk.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localProbes } from '../../cli/local-probes.ts';
import { storageProbe } from '../../functions/probes/storage.ts';
import { tempDir } from '../fixtures/temp.ts';

describe('local probes', () => {
  it('bound the bytes the storage probe reads, as the direct probe does', async () => {
    const path = join(tempDir('dd-local-probes-'), 'big.bin');
    writeFileSync(path, Buffer.alloc(1_000_000, 7));
    const storage = { type: 'filesystem', path, timeoutMs: 5_000 } as const;
    const direct = await storageProbe(storage, { maxBytes: 100 });
    const local = await localProbes({}).probes.storage(storage, { maxBytes: 100 });
    expect(direct).toMatchObject({ reached: true, overflow: true });
    expect(local).toMatchObject({ reached: true, overflow: true });
    if (!local.reached || !direct.reached) throw new Error('unreachable');
    expect(local.bytes).toBe(direct.bytes);
    expect(local.bytes).toBeLessThan(1_000_000);
  });
});
