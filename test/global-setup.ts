/** Before any test: dist/ (the CLI, the library, the Lambda bundles) is built from the current sources. */
import { buildDist, distIsStale } from '../scripts/dist.ts';

export default async function setup(): Promise<void> {
  if (distIsStale()) await buildDist();
}
