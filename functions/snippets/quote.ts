/** A double-quoted string as Apache and lighttpd configurations read it: `"` and `\` escaped. */
export function doubleQuoted(token: string): string {
  return `"${token.replace(/["\\]/g, '\\$&')}"`;
}
