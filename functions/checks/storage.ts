/** The storage check's judgement: the sentinel's bytes, and what the object carries beside them. Pure. */
import type { Target } from '../config/schema.ts';
import { contentTypesMatch } from '../contract/content-type.ts';
import type { CheckResult, Condition, Evidence, StorageObservation } from '../contract/types.ts';
import {
  type Context,
  cacheControlCondition,
  compared,
  pick,
  redactQuery,
  result,
  sentinelConditions,
  shown,
  unreachable,
} from './conditions.ts';

export function assessStorage(
  t: Target,
  obs: StorageObservation,
  ctx: Omit<Context, 'layer' | 'degradedMs'>,
): CheckResult {
  const c: Context = { ...ctx, layer: 'storage', degradedMs: t.storage?.degradedMs };
  const expected: Evidence = { bytes: t.sentinel.size, sha256: t.sentinel.sha256 };
  if (!obs.reached) return unreachable(c, obs, expected);
  const metadata = obs.metadata ?? {};
  const observed: Evidence = {
    bytes: obs.bytes,
    sha256: obs.sha256,
    ...(Object.keys(metadata).length ? { headers: pick(metadata, Object.keys(metadata)) } : {}),
  };
  const conditions = [
    ...sentinelConditions(t, obs.bytes, obs.sha256, false, obs.overflow),
    ...(obs.metadataSource === 'object' ? metadataConditions(t, metadata) : []),
  ];
  const notes =
    obs.metadataSource === 'type-map' && metadata['content-type']
      ? [
          `a front server that types files by name sends ${metadata['content-type']} for this one (its type map)`,
        ]
      : [];
  return result(
    c,
    conditions,
    expected,
    observed,
    obs.timings,
    `read the sentinel (${obs.bytes} bytes, sha256 ok)`,
    notes,
  );
}

/**
 * What the object carries besides its bytes, against the sentinel: it reaches clients unchanged through the
 * proxy's internal location (nginx passes S3's Content-Type, Content-Encoding, Content-Disposition and
 * Cache-Control on).
 */
function metadataConditions(t: Target, metadata: Readonly<Record<string, string>>): Condition[] {
  const { contentType, fileName, cacheControl } = t.sentinel;
  const out: Condition[] = [];
  const type = metadata['content-type'];
  if (contentType !== undefined) {
    out.push({
      subject: '[object].Content-Type',
      kind: 'metadata-mismatch',
      pass: type !== undefined && contentTypesMatch(contentType, type),
      expected: JSON.stringify(contentType),
      observed: shown(type),
      ...compared('content-type', contentType, type),
    });
  }
  const encoding = metadata['content-encoding'];
  out.push({
    subject: '[object].Content-Encoding',
    kind: 'metadata-mismatch',
    pass: encoding === undefined || encoding.toLowerCase() === 'identity',
    expected: 'absent (the sentinel is stored as it is)',
    observed: shown(encoding),
    ...compared('content-encoding', undefined, encoding),
  });
  // The app names the download: a second Content-Disposition from the object would reach clients beside it.
  if (fileName !== undefined) {
    const disposition = metadata['content-disposition'];
    out.push({
      subject: '[object].Content-Disposition',
      kind: 'metadata-mismatch',
      pass: disposition === undefined,
      expected: 'absent (the app names the download)',
      observed: shown(disposition && redactQuery(disposition)),
      ...compared('content-disposition', undefined, disposition && redactQuery(disposition)),
    });
  }
  if (cacheControl !== undefined)
    out.push(
      cacheControlCondition(
        '[object].Cache-Control',
        'metadata-mismatch',
        cacheControl,
        metadata['cache-control'],
      ),
    );
  return out;
}
