/** A small stable hash, for offsets and fingerprints. Pure. */

/** FNV-1a, 32 bits: small, stable across runtimes and versions (a name's offset must never move). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
