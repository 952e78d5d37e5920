/**
 * The per-user state directory (cli/state-dir.ts), on the real filesystem: where it is, that it is made 0700 and
 * its files 0600, that a directory or file owned by another user is refused (the test runs as root, so it can make
 * one: chown to nobody), and that a planted link is not followed.
 */
import { chmodSync, chownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateLocalAlarms } from '../../cli/local-alarms.ts';
import { countRun } from '../../cli/run-count.ts';
import {
  preparePrivateFile,
  readPrivateFile,
  stateDir,
  stateDirCandidates,
  writePrivateFile,
} from '../../cli/state-dir.ts';
import { validTarget } from '../fixtures/config.ts';
import { tempDir } from '../fixtures/temp.ts';

const NOBODY = 65_534;
const perms = (path: string) => statSync(path).mode & 0o777;
const asRoot = process.getuid?.() === 0;

describe('where the state directory is', () => {
  it.each([
    [
      { XDG_STATE_HOME: '/x/state', HOME: '/home/a' },
      ['/x/state/download-doctor', '/home/a/.local/state/download-doctor'],
    ],
    [{ HOME: '/home/a' }, ['/home/a/.local/state/download-doctor']],
    [{ XDG_STATE_HOME: 'relative/state', HOME: '/home/a' }, ['/home/a/.local/state/download-doctor']],
    [{}, []],
  ])('%j → %j, then .download-doctor/ in the current directory', (env, first) => {
    expect(stateDirCandidates(env, '/project')).toEqual([...first, '/project/.download-doctor']);
  });

  it('is made 0700, and a looser one of ours is tightened', () => {
    const root = tempDir('dd-state-');
    const dir = stateDir(undefined, { XDG_STATE_HOME: join(root, 'xdg') }, root);
    expect(dir).toBe(join(root, 'xdg', 'download-doctor'));
    expect(perms(dir)).toBe(0o700);
    chmodSync(dir, 0o755);
    stateDir(undefined, { XDG_STATE_HOME: join(root, 'xdg') }, root);
    expect(perms(dir)).toBe(0o700);
  });

  it('never changes a directory the user named (--data-dir .): one others may write into is refused', () => {
    const project = tempDir('dd-project-');
    chmodSync(project, 0o755);
    expect(stateDir(project)).toBe(project);
    expect(perms(project)).toBe(0o755);
    chmodSync(project, 0o777);
    expect(() => stateDir(project)).toThrow(/0777: others may write into it; chmod go-w it/);
    expect(perms(project)).toBe(0o777);
  });

  it('falls back to .download-doctor/ when neither XDG_STATE_HOME nor HOME can be used', () => {
    const root = tempDir('dd-state-');
    writeFileSync(join(root, 'not-a-dir'), '');
    const dir = stateDir(undefined, { HOME: join(root, 'not-a-dir') }, root);
    expect(dir).toBe(join(root, '.download-doctor'));
    expect(perms(dir)).toBe(0o700);
  });

  it.runIf(asRoot)(
    'refuses a directory owned by another user, naming it (run as root only: it chowns to nobody)',
    () => {
      const root = tempDir('dd-state-');
      const theirs = join(root, 'theirs');
      mkdirSync(theirs, { mode: 0o777 });
      chownSync(theirs, NOBODY, NOBODY);
      expect(() => stateDir(theirs)).toThrow(
        `the state directory ${theirs} is owned by another user (uid ${NOBODY}, not 0): refusing to use it`,
      );
    },
  );
});

describe('private files', () => {
  it('are written whole, 0600, and read back', () => {
    const file = join(tempDir('dd-state-'), 'x.json');
    writePrivateFile(file, '{"a":1}');
    expect(perms(file)).toBe(0o600);
    expect(readPrivateFile(file)).toBe('{"a":1}');
    expect(readPrivateFile(`${file}.missing`)).toBeUndefined();
    preparePrivateFile(`${file}.db`);
    expect(perms(`${file}.db`)).toBe(0o600);
  });

  it.runIf(asRoot)(
    'refuse a file planted by another user: neither read nor replaced (run as root only: it chowns to nobody)',
    () => {
      const dir = stateDir(join(tempDir('dd-state-'), 'state'));
      const planted = join(dir, 'alarms.json');
      writeFileSync(planted, '{"download-doctor-local-prod-down":{"state":"ALARM","periods":[0,0,0]}}');
      chownSync(planted, NOBODY, NOBODY);
      expect(() => readPrivateFile(planted)).toThrow(/state file .*alarms\.json is owned by another user/);
      expect(() => writePrivateFile(planted, '{}')).toThrow(/owned by another user/);
      expect(() => preparePrivateFile(planted)).toThrow(/owned by another user/);
    },
  );

  it('refuse to follow a symbolic link', () => {
    const dir = tempDir('dd-state-');
    writeFileSync(join(dir, 'elsewhere'), '{}');
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'link.json'));
    expect(() => readPrivateFile(join(dir, 'link.json'))).toThrow(
      'is a symbolic link: refusing to follow it',
    );
  });
});

describe('run keeps its state there', () => {
  it('counts the runs of fullRunEvery in a private file, made only when a target counts', () => {
    const dir = join(tempDir('dd-state-'), 'state');
    const file = () => join(stateDir(dir), 'runs.json');
    expect(countRun(validTarget(), file)).toBe(false);
    expect(() => statSync(dir)).toThrow(/ENOENT/);
    const counting = validTarget({ fullRunEvery: 2 });
    expect([countRun(counting, file), countRun(counting, file)]).toEqual([false, true]);
    expect(perms(dir)).toBe(0o700);
    expect(perms(file())).toBe(0o600);
  });

  it.runIf(asRoot)(
    'run --publish refuses an alarm-state file another user planted (it once silenced pages; run as root only: it chowns to nobody)',
    async () => {
      const dir = stateDir(join(tempDir('dd-state-'), 'state'));
      const planted = join(dir, 'alarms.json');
      writeFileSync(planted, '{}');
      chownSync(planted, NOBODY, NOBODY);
      const report = { target: 'prod' } as Parameters<typeof evaluateLocalAlarms>[0];
      await expect(
        evaluateLocalAlarms(report, [], {
          endpoint: 'http://127.0.0.1:9',
          region: 'us-east-1',
          instance: 'local',
          stateFile: planted,
        }),
      ).rejects.toThrow(/owned by another user/);
    },
  );
});
