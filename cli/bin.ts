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
const { cli } = await import('./main.ts');
await cli(process.argv.slice(2));
