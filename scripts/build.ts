/** Writes the generated files that are committed: the workflow's ASL, the config's JSON Schema and the fault catalogue's page. Tests fail when they are stale. */
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../functions/core/config.ts';
import { ASL_PATH, renderAsl } from '../infra/render-asl.ts';
import { renderFaultsPage } from '../sandbox/faults-page.ts';

export const SCHEMA_PATH = new URL('../docs/config.schema.json', import.meta.url);
export const FAULTS_PAGE_PATH = new URL('../docs/faults.md', import.meta.url);
export const renderSchema = () => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(ASL_PATH, renderAsl());
  writeFileSync(SCHEMA_PATH, renderSchema());
  writeFileSync(FAULTS_PAGE_PATH, renderFaultsPage());
  console.log(`wrote ${ASL_PATH.pathname}, ${SCHEMA_PATH.pathname} and ${FAULTS_PAGE_PATH.pathname}`);
}
