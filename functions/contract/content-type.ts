/**
 * The one comparison of Content-Type values, for every check (the download, its HEAD, storage's object) and the
 * verdict, parsed by the `content-type` package (RFC 9110). Pure.
 */
import { isTypeValid, parse } from 'content-type';

interface MediaType {
  type: string;
  parameters: Record<string, string>;
}

/** A Content-Type value parsed, its type and parameter names lower-case; undefined when it is not one. */
export function parseContentType(value: string): MediaType | undefined {
  try {
    const parsed = parse(value);
    return isTypeValid(parsed.type) ? { type: parsed.type, parameters: parsed.parameters } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether two Content-Type values agree: the same media type (case-insensitive), and each parameter both name with
 * the same value (charset compared case-insensitively). A parameter only one names is no mismatch: a proxy that
 * adds `; charset=utf-8` (nginx's charset) does not change what the object is. A value that does not parse never
 * matches.
 */
export function contentTypesMatch(a: string, b: string): boolean {
  const x = parseContentType(a);
  const y = parseContentType(b);
  if (!x || !y || x.type !== y.type) return false;
  return Object.entries(x.parameters).every(([name, value]) => {
    const other = y.parameters[name];
    if (other === undefined) return true;
    return name === 'charset' ? other.toLowerCase() === value.toLowerCase() : other === value;
  });
}
