// An example config: one target per environment. Copy it to download-doctor.config.ts at your project's root
// (with download-doctor installed), or let `npx download-doctor init` write one from your live stack.
import { defineConfig } from 'download-doctor';

export default defineConfig({
  targets: [
    {
      name: 'production',
      // Every 5 minutes (`serve`, and the construct unless its `schedules` prop names the target).
      schedule: '5m',
      // No page and no recovery notice during the weekly deploy window; runs go on, reported as in maintenance.
      maintenance: [
        { name: 'weekly deploy', every: ['tuesday'], at: '06:00', duration: '30m', timezone: 'Europe/Paris' },
      ],
      sentinel: {
        // `download-doctor hash healthcheck.txt` (or the download's URL) prints these.
        sha256: '5c7a8a2a4f0ab2d6e0c0f06c33ed4d4b3cde6bb7fa0c5a6c0f46b0e6f0b8d2a1',
        size: 25,
        contentType: 'text/plain',
        fileName: 'healthcheck.txt',
      },
      // Read with the SDK's usual credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the role.
      storage: {
        type: 's3',
        bucket: 'example-downloads',
        key: 'healthcheck/healthcheck.txt',
        region: 'eu-west-1',
      },
      app: {
        // The app's own port is private: on AWS, deploy the checks into its VPC (the construct's `vpc` prop).
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
