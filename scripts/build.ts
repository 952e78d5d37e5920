/**
 * `npm run build`: the generated files that are committed (the workflow's ASL, the config's JSON Schema, the
 * fault catalogue's page, and the generated parts of docs/config.md and docs/checks.md; tests fail when they are
 * stale), then the package in dist/ (scripts/dist.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../functions/config/schema.ts';
import { ASL_PATH, renderAsl } from '../infra/render-asl.ts';
import { renderFaultsPage } from '../sandbox/faults-page.ts';
import { buildDist } from './dist.ts';
import { GENERATED_PARTS, renderDocsPage } from './docs-pages.ts';

export const SCHEMA_PATH = new URL('../docs/config.schema.json', import.meta.url);
export const FAULTS_PAGE_PATH = new URL('../docs/faults.md', import.meta.url);
export const renderSchema = () => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
/** A docs page with generated parts between hand-written prose (scripts/docs-pages.ts). */
export const docsPagePath = (name: string) => new URL(`../docs/${name}`, import.meta.url);

export function writeGenerated(): string[] {
  writeFileSync(ASL_PATH, renderAsl());
  writeFileSync(SCHEMA_PATH, renderSchema());
  writeFileSync(FAULTS_PAGE_PATH, renderFaultsPage());
  const pages = Object.keys(GENERATED_PARTS).map((name) => {
    const page = docsPagePath(name);
    writeFileSync(page, renderDocsPage(name, readFileSync(page, 'utf8')));
    return page;
  });
  return [ASL_PATH, SCHEMA_PATH, FAULTS_PAGE_PATH, ...pages].map((u) => fileURLToPath(u));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const generated = writeGenerated();
  await buildDist();
  console.log(`wrote ${generated.join(', ')}, and dist/ (library, CLI, Lambda bundles)`);
}
