/**
 * `npm run bench`'s line for the construct at scale: 1, 100 and 1,000 README-style targets synthesized, each figure
 * beside the AWS limit it must stay under (bench/scale-synth.ts; test/infra/scale.test.ts asserts them).
 */
import {
  LOCATIONS_HEADER,
  locationsRows,
  measureLocations,
  measureScale,
  SCALE_HEADER,
  scaleRow,
} from './scale-synth.ts';

console.log('The construct at scale (AWS limits in the header):\n');
console.log(SCALE_HEADER);
for (const n of [1, 100, 1000]) {
  const f = measureScale(n);
  console.log(scaleRow(f));
  f.cleanup();
}

// Several locations: the home's stack and a probe stack in each of two other Regions (DownloadProbes), 1,000 targets.
console.log(
  '\nSeveral locations, 1,000 targets from 3 Regions (each stack under the limits in the header):\n',
);
console.log(LOCATIONS_HEADER);
const locations = measureLocations(1000);
for (const row of locationsRows(locations)) console.log(row);
locations.cleanup();
