/** Writes the generated files that are committed: the workflow's ASL and the config's JSON Schema. Tests fail when they are stale. */
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../functions/core/config.ts';
import { ASL_PATH, renderAsl } from '../infra/render-asl.ts';

export const SCHEMA_PATH = new URL('../docs/config.schema.json', import.meta.url);
export const renderSchema = () => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(ASL_PATH, renderAsl());
  writeFileSync(SCHEMA_PATH, renderSchema());
  console.log(`wrote ${ASL_PATH.pathname} and ${SCHEMA_PATH.pathname}`);
}
