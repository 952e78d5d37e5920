/**
 * Part of `npm run lint`: no file in functions/ is over 500 lines, but the snippets' server configuration (the
 * generators of nginx, Apache, lighttpd and Django settings, which read as the files they write). A longer file is a
 * sign that it holds two things (docs/ARCHITECTURE.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MAX_LINES = 500;
/** Server configuration written as text: exempt. */
export const EXEMPT = /^functions\/snippets\/(nginx|apache|lighttpd|django)\.ts$/;

export function oversized(root: string): { file: string; lines: number }[] {
  const files = readdirSync(join(root, 'functions'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `functions/${f}`);
  return files
    .filter((file) => !EXEMPT.test(file))
    .map((file) => ({ file, lines: readFileSync(join(root, file), 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_LINES);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const over = oversized(process.cwd());
  for (const f of over)
    console.error(`${f.file}: ${f.lines} lines, over ${MAX_LINES}: split it by what it holds`);
  process.exitCode = over.length ? 1 : 0;
}
