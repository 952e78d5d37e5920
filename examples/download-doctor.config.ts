// An example config: one target per environment. Copy it to download-doctor.config.ts at your project's root.
import { defineConfig } from '../functions/core/config.ts';

export default defineConfig({
  targets: [
    {
      name: 'production',
      sentinel: {
        // `download-doctor seed --file healthcheck.txt` prints these two.
        sha256: '5c7a8a2a4f0ab2d6e0c0f06c33ed4d4b3cde6bb7fa0c5a6c0f46b0e6f0b8d2a1',
        size: 25,
        contentType: 'text/plain',
        fileName: 'healthcheck.txt',
      },
      storage: {
        type: 's3',
        bucket: 'example-downloads',
        key: 'healthcheck/healthcheck.txt',
        region: 'eu-west-1',
      },
      app: {
        url: 'http://10.0.1.20:8000/healthcheck-utils/download/',
        host: 'www.example.com',
        offload: { header: 'X-Accel-Redirect', value: '/_storage/healthcheck/healthcheck.txt' },
        timeoutMs: 5_000,
      },
      proxy: { url: 'https://www.example.com/healthcheck-utils/storage/', timeoutMs: 10_000 },
      endToEnd: {
        url: 'https://www.example.com/healthcheck-utils/download/',
        // Locally: { env: 'NAME' }. On AWS: Secrets Manager or SSM, read by the end-to-end function only.
        headers: { Authorization: { ssm: '/download-doctor/production/token' } },
        timeoutMs: 10_000,
        degradedMs: 2_000,
      },
    },
  ],
});
