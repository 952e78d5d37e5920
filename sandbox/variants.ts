/** The sandbox's stacks: the proxy with its offload header, and the storage. Data only: the CLI reads it for its
 * help and option checks without loading the sandbox. */
export const SANDBOX_VARIANTS = {
  'nginx-s3': 'nginx (X-Accel-Redirect), the sentinel in a private S3 bucket on moto, signed URLs',
  'apache-disk': 'Apache with mod_xsendfile (X-Sendfile), the sentinel in a directory on disk',
  'lighttpd-disk': 'lighttpd with mod_proxy (X-Sendfile), the sentinel in a directory on disk',
} as const;
export type Variant = keyof typeof SANDBOX_VARIANTS;

/** The front server of each variant, as texts name it. */
export const PROXY_NAMES: Record<Variant, string> = {
  'nginx-s3': 'nginx',
  'apache-disk': 'Apache',
  'lighttpd-disk': 'lighttpd',
};
