#!/usr/bin/env node
// The download-doctor command. It checks the Node.js version first (undici needs 22.19), turns on V8's compile
// cache (later starts skip parsing), then loads the CLI, which loads each command's code only when it runs.
import module from 'node:module';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `download-doctor: needs Node.js 22.19 or newer (this is Node.js ${process.versions.node}); ` +
      'install a newer Node.js, or run `npm install --save-dev node@22` in your project: npx then runs it first',
  );
  process.exit(3);
}
module.enableCompileCache?.();
// Started by npm (`npx download-doctor serve`, an npm script), this process runs under npm's `sh -c`. A SIGTERM to
// npm reaches that shell only (npm 11 passes SIGTERM and SIGINT to its child, the shell, which dies without passing
// them on), and this process would go on, re-parented, holding its port. So under npm, the parent going away is
// taken as a SIGTERM, once: `serve` stops as gracefully as if it had been sent one.
if (process.env.npm_lifecycle_event !== undefined) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 200);
  watch.unref();
}
const { cli } = await import('./main.ts');
await cli(process.argv.slice(2));
