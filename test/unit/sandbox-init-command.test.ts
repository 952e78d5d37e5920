/**
 * `sandbox up` prints the `init` command for its stack (from a new user's trial: it printed the URLs only, and the
 * storage, its region, moto's endpoint and the credentials were left to work out).
 */
import { describe, expect, it } from 'vitest';
import { initCommand } from '../../cli/commands/sandbox.ts';
import { program } from '../../cli/main.ts';
import { validTarget } from '../fixtures/config.ts';

const initFlags = new Set(
  program()
    .commands.find((c) => c.name() === 'init')
    ?.options.map((o) => o.long),
);
const flagsOf = (command: string) => command.split(' ').filter((w) => w.startsWith('--'));

describe("the init command sandbox up prints for the sandbox's target", () => {
  it('names every check of an S3 target, its region and its endpoint', () => {
    const t = validTarget({
      storage: {
        type: 's3',
        bucket: 'dd-sandbox',
        key: 'k.txt',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:5000',
      },
    });
    const command = initCommand(t);
    expect(command).toBe(
      'npx download-doctor init --name sandbox --download http://127.0.0.1:8080/healthcheck-utils/download/ ' +
        '--app http://127.0.0.1:8000/healthcheck-utils/download/ --proxy http://127.0.0.1:8080/healthcheck-utils/storage/ ' +
        '--storage s3://dd-sandbox/k.txt --region us-east-1 --s3-endpoint http://127.0.0.1:5000',
    );
    expect(flagsOf(command).filter((f) => !initFlags.has(f))).toEqual([]);
  });

  it('gives a file on disk by its path', () => {
    const command = initCommand(validTarget({ storage: { type: 'filesystem', path: '/srv/h.txt' } }));
    expect(command).toMatch(/ --storage \/srv\/h\.txt$/);
    expect(flagsOf(command).filter((f) => !initFlags.has(f))).toEqual([]);
  });
});
