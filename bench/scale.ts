/**
 * `npm run bench`'s line for the construct at scale: 1, 100 and 1,000 README-style targets synthesized, each figure
 * beside the AWS limit it must stay under (bench/scale-synth.ts; test/infra/scale.test.ts asserts them).
 */
import { measureScale, SCALE_HEADER, scaleRow } from './scale-synth.ts';

console.log('The construct at scale (AWS limits in the header):\n');
console.log(SCALE_HEADER);
for (const n of [1, 100, 1000]) {
  const f = measureScale(n);
  console.log(scaleRow(f));
  f.cleanup();
}
