/**
 * What the package test (package.test.ts) installs offline into a new CDK app: `cdk init`'s dependencies, pinned
 * to the versions this repository tests with, and download-doctor's own. `scripts/setup.sh` runs this file to
 * print them, and installs them once from the registry into a throwaway directory, which fills npm's cache.
 */
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);
const version = (name: string): string =>
  (
    JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, ROOT), 'utf8')) as {
      version: string;
    }
  ).version;
const pin = (names: string[]) => Object.fromEntries(names.map((n) => [n, version(n)]));

export const CONSUMER = {
  dependencies: pin(['aws-cdk-lib', 'constructs']),
  devDependencies: pin(['aws-cdk', 'cdk-nag', 'tsx', 'typescript', '@types/node']),
};

/** Every spec, download-doctor's own dependencies included: `npm install` of these fills the cache. */
export function consumerSpecs(): string[] {
  const own = (
    JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies;
  return Object.entries({ ...CONSUMER.dependencies, ...CONSUMER.devDependencies, ...own }).map(
    ([name, range]) => `${name}@${range}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(consumerSpecs().join(' '));
