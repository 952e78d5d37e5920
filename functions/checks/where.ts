/** Where each check goes, as its result and the report name it. Pure. */
import type { StorageConfig, Target } from '../config/schema.ts';
import type { Where } from '../contract/types.ts';
import { printableUrl } from './requests.ts';

/** The storage check's location: `s3://BUCKET/KEY`, or the path. */
export function storageLocation(storage: StorageConfig): string {
  return storage.type === 's3' ? `s3://${storage.bucket}/${storage.key}` : storage.path;
}

/** What each layer's check reaches, as its result names it (`target`), for the layers the target sets up. */
export function whereOf(t: Target): Where {
  return {
    'end-to-end': printableUrl(t.endToEnd.url),
    app: printableUrl(t.app.url),
    ...(t.storage ? { storage: storageLocation(t.storage) } : {}),
    ...(t.proxy ? { proxy: printableUrl(t.proxy.url) } : {}),
  };
}
