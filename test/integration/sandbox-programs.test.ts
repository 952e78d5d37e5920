/**
 * A program the sandbox needs and the machine lacks: the error says which and where to look, rather than
 * `spawn moto_server ENOENT` above an empty log (from a new user's trial of `sandbox up` without moto_server).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMotoServer } from '../../sandbox/moto.ts';

describe('the sandbox, on a machine without one of its programs', () => {
  const logs = mkdtempSync(join(tmpdir(), 'dd-missing-'));
  afterAll(() => rmSync(logs, { recursive: true, force: true }));

  it('names the program that is not installed, and where the list of what it needs is', async () => {
    const empty = mkdtempSync(join(logs, 'path-'));
    const started = startMotoServer(logs, { env: { ...process.env, PATH: empty }, timeoutMs: 5_000 });
    await expect(started).rejects.toThrow(
      /moto_server \(could not start: moto_server is not installed \(not on PATH\); the README's first lines list what the sandbox needs\)/,
    );
  });
});
