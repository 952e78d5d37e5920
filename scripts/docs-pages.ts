/**
 * The generated parts of the hand-written docs pages: `npm run build` rewrites what sits between a page's markers
 * (`<!-- BEGIN GENERATED: ID … -->` and `<!-- END GENERATED: ID -->`) and leaves the prose around it alone; a test
 * fails when a committed page differs from what its sources give.
 * - docs/config.md, `config-reference`: every field of the config, from its JSON Schema (functions/config/schema.ts).
 * - docs/checks.md, `failure-kinds`: the failure kinds and hygiene notes, from functions/contract/names.ts.
 */
import { configJsonSchema } from '../functions/config/schema.ts';
import {
  FAILURE_HINTS,
  FAILURE_KINDS,
  HYGIENE_NOTES,
  INCONCLUSIVE_KINDS,
  MONITOR_KINDS,
} from '../functions/contract/names.ts';

/** The subset of JSON Schema that zod's `toJSONSchema` writes for the config. */
export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
}

const begin = (id: string) => `<!-- BEGIN GENERATED: ${id}`;
const end = (id: string) => `<!-- END GENERATED: ${id} -->`;

/** `page` with the part between the markers of `id` replaced by `body`; the markers themselves are kept. */
export function spliceGenerated(page: string, id: string, body: string, pageName = 'the page'): string {
  const start = page.indexOf(begin(id));
  const stop = page.indexOf(end(id));
  if (start < 0 || stop < start) {
    throw new Error(`${pageName} lacks the markers "${begin(id)} … -->" and "${end(id)}" (in that order)`);
  }
  const afterBegin = page.indexOf('-->', start) + '-->'.length;
  return `${page.slice(0, afterBegin)}\n\n${body.trim()}\n\n${page.slice(stop)}`;
}

/** The part of `page` outside every generated block: the hand-written prose. */
export function handWritten(page: string): string {
  return page.replace(/<!-- BEGIN GENERATED: ([\w-]+)[\s\S]*?<!-- END GENERATED: \1 -->/g, '');
}

/** The docs pages with generated parts, and how each part is made. */
export const GENERATED_PARTS: Record<string, Record<string, () => string>> = {
  'config.md': { 'config-reference': () => renderConfigReference(configJsonSchema() as JsonSchema) },
  'checks.md': { 'failure-kinds': renderFailureKinds },
};

/** A docs page (its current text) with each of its generated parts made afresh. */
export function renderDocsPage(name: string, current: string): string {
  const parts = GENERATED_PARTS[name];
  if (!parts) throw new Error(`docs/${name} has no generated part`);
  return Object.entries(parts).reduce(
    (page, [id, render]) => spliceGenerated(page, id, render(), `docs/${name}`),
    current,
  );
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** A name or a pattern, as code. */
const code = (s: string) => `\`${s}\``;
/** A value as it is written in a JSON config: `"s3"`, `false`, `10000`. */
const value = (v: unknown) => code(JSON.stringify(v));
const FORMATS: Record<string, string> = { uri: 'URL', 'date-time': 'date and time with its UTC offset' };

/** An object schema that gets a table of its own. */
const isObject = (s: JsonSchema) => s.type === 'object' && s.properties !== undefined;
const variants = (s: JsonSchema) => s.oneOf ?? s.anyOf ?? [];
/** A union of objects told apart by a `type` constant (the storage's kinds). */
const isTagged = (s: JsonSchema) =>
  variants(s).length > 0 && variants(s).every((v) => isObject(v) && v.properties?.type?.const !== undefined);

/** The inline description of a value that has no table of its own (a union's object member: `{pattern}`). */
function inlineObject(s: JsonSchema): string {
  const req = new Set(s.required ?? []);
  const fields = Object.keys(s.properties ?? {}).map((k) => (req.has(k) ? k : `${k}?`));
  return `\`{${fields.join(', ')}}\``;
}

/** The type of a value as a reader says it; `link` names the table an object gets. */
function typeOf(s: JsonSchema, link: (s: JsonSchema) => string | undefined): string {
  if (s.const !== undefined) return value(s.const);
  if (s.enum) return `one of ${s.enum.map(value).join(', ')}`;
  if (isTagged(s)) {
    return `object, by \`type\`: ${variants(s)
      .map((v) => `${value(v.properties?.type?.const)} (${link(v) ?? 'below'})`)
      .join(', ')}`;
  }
  if (variants(s).length > 0) {
    const member = (v: JsonSchema) => {
      if (isObject(v)) return inlineObject(v);
      const rules = rulesOf(v);
      return rules.length > 0 ? `${typeOf(v, link)} (${rules.join('; ')})` : typeOf(v, link);
    };
    return variants(s).map(member).join(' or ');
  }
  if (isObject(s)) return `object (${link(s) ?? 'below'})`;
  if (s.type === 'array' && s.items) return `array of ${typeOf(s.items, link)}`;
  if (s.type === 'object' && typeof s.additionalProperties === 'object') {
    const key = s.propertyNames?.pattern ? ` (${code(s.propertyNames.pattern)})` : '';
    return `map of name${key} to ${typeOf(s.additionalProperties, link)}`;
  }
  if (s.type === 'string' && s.format && FORMATS[s.format]) return FORMATS[s.format] ?? s.type;
  return s.type ?? 'any';
}

/** What a value must be, beyond its type. */
function rulesOf(s: JsonSchema): string[] {
  const rules: string[] = [];
  if (s.pattern && !(s.format && FORMATS[s.format])) rules.push(`matches ${code(s.pattern)}`);
  if (s.minLength !== undefined) rules.push(s.minLength === 1 ? 'not empty' : `at least ${s.minLength} long`);
  if (s.maxLength !== undefined) rules.push(`at most ${s.maxLength} long`);
  const low =
    s.exclusiveMinimum !== undefined
      ? `> ${s.exclusiveMinimum}`
      : s.minimum !== undefined
        ? `≥ ${s.minimum}`
        : '';
  const high = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${s.maximum}` : '';
  if (low || high) rules.push([low, high].filter(Boolean).join(', '));
  if (s.minItems !== undefined) rules.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  if (s.type === 'array' && s.items && !isObject(s.items))
    rules.push(...rulesOf(s.items).map((r) => `each ${r}`));
  return rules;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, each space a dash. */
export const headingSlug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** One table of the reference: an object of the schema, at its path (and, in a union, the `type` it has). */
interface Table {
  path: string;
  type?: unknown;
  schema: JsonSchema;
}

const headingOf = (t: Omit<Table, 'schema'>) =>
  t.path === ''
    ? 'The file'
    : `\`${t.path}\`${t.type === undefined ? '' : ` when \`type\` is ${value(t.type)}`}`;

/**
 * The reference of every config field, from the config's JSON Schema: one table per object, in the order the
 * schema lists them; an object that has the same shape as one already listed (each HTTP check's `tls`, an extra
 * sentinel's `sentinel`) points to it.
 */
export function renderConfigReference(root: JsonSchema): string {
  const tables: Table[] = [];
  const first = new Map<string, Table>(); // by the object's shape
  const placeOf = new Map<JsonSchema, Table>();

  const visit = (s: JsonSchema, path: string, type?: unknown) => {
    if (isObject(s)) {
      const table = { path, type, schema: s };
      placeOf.set(s, table);
      const shape = JSON.stringify(s);
      if (first.has(shape)) return;
      first.set(shape, table);
      tables.push(table);
      for (const [name, p] of Object.entries(s.properties ?? {})) visit(p, path ? `${path}.${name}` : name);
    } else if (isTagged(s)) {
      for (const v of variants(s)) visit(v, path, v.properties?.type?.const);
    } else if (s.type === 'array' && s.items) {
      visit(s.items, `${path}[]`);
    }
  };
  visit(root, '');

  const link = (s: JsonSchema) => {
    const place = placeOf.get(s);
    if (!place) return undefined;
    const target = first.get(JSON.stringify(s)) ?? place;
    const text = target === place ? 'below' : `as ${code(target.path)}`;
    return `[${text}](#${headingSlug(headingOf(target))})`;
  };

  const out: string[] = [];
  for (const table of tables) {
    const required = new Set(table.schema.required ?? []);
    const fields = Object.entries(table.schema.properties ?? {});
    const described = fields.some(([, p]) => p.description);
    out.push(`### ${headingOf(table)}`, '');
    out.push(`| field | type | required or default | rules${described ? ' | meaning' : ''} |`);
    out.push(`| --- | --- | --- | ---${described ? ' | ---' : ''} |`);
    for (const [name, p] of fields) {
      const need = required.has(name)
        ? 'required'
        : p.default !== undefined
          ? `default ${value(p.default)}`
          : 'optional';
      const cells = [code(name), typeOf(p, link), need, rulesOf(p).join('; ')];
      if (described) cells.push(p.description ?? '');
      out.push(`| ${cells.map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Every property name the schema has, at any depth: each must be explained in the prose around the reference. */
export function schemaFieldNames(s: JsonSchema, names = new Set<string>()): Set<string> {
  for (const [name, p] of Object.entries(s.properties ?? {})) {
    names.add(name);
    schemaFieldNames(p, names);
  }
  for (const v of variants(s)) schemaFieldNames(v, names);
  if (s.items) schemaFieldNames(s.items, names);
  if (typeof s.additionalProperties === 'object') schemaFieldNames(s.additionalProperties, names);
  return names;
}

/** The failure kinds a check reports, and the hygiene notes it prints, with the meaning reports give them. */
export function renderFailureKinds(): string {
  const kinds = Object.entries(FAILURE_KINDS).map(([kind, meaning]) => {
    const k = kind as keyof typeof FAILURE_KINDS;
    const what = MONITOR_KINDS.has(k)
      ? "evidence for `unknown`: the monitor's own settings are wrong"
      : INCONCLUSIVE_KINDS.has(k)
        ? 'evidence for `unknown`: the check could not run'
        : 'a failure of the layer checked';
    return `| ${code(kind)} | ${cell(meaning)} | ${what} | ${cell(FAILURE_HINTS[k])} |`;
  });
  const notes = Object.entries(HYGIENE_NOTES).map(([id, text]) => `| ${code(id)} | ${cell(text)} |`);
  return [
    '| kind | meaning | counts as | what to check first |',
    '| --- | --- | --- | --- |',
    ...kinds,
    '',
    '| hygiene note | meaning |',
    '| --- | --- |',
    ...notes,
  ].join('\n');
}
