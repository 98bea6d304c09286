/**
 * A small JSON Schema (draft 2020-12) validator for the subset docs/status.schema.json uses:
 * type, enum, const, pattern, minLength, minimum, required, properties, additionalProperties,
 * items, minItems, maxItems, contains, allOf, if/then/else, $ref (local "#/..." only) and boolean
 * schemas.  Any other keyword is an error (so the schema cannot silently use one this does not
 * check); annotations ($schema, $id, $defs, title, description) are ignored.
 *
 *   const errors = validate(schema, value);   // [] when valid, else "PATH: what is wrong" lines
 */

export type Schema = boolean | { [k: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description']);
const KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'pattern',
  'minLength',
  'minimum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'contains',
  'allOf',
  'if',
  'then',
  'else',
  '$ref',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`$ref ${ref}: only local references are supported`);
  let at: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    at = (at as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (at === undefined) throw new Error(`$ref ${ref}: not found`);
  return at as Schema;
}

/** Every way `value` fails `schema`, as "PATH: message" (an empty array when it is valid). */
export function validate(schema: Schema, value: unknown, root: Schema = schema, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: must not be present`];
  const errs: string[] = [];
  for (const k of Object.keys(schema)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`${path}: unsupported keyword ${k}`);
  }
  const s = schema as Record<string, unknown>;
  const t = typeOf(value);

  if (typeof s.$ref === 'string') errs.push(...validate(resolveRef(root, s.$ref), value, root, path));
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    const ok = types.some((want) => want === t || (want === 'number' && t === 'integer'));
    if (!ok) return [...errs, `${path}: is ${t}, must be ${types.join(' or ')}`];
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => sameJson(e, value)))
    errs.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  if ('const' in s && !sameJson(s.const, value))
    errs.push(`${path}: ${JSON.stringify(value)} must be ${JSON.stringify(s.const)}`);

  if (t === 'string') {
    const v = value as string;
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v))
      errs.push(`${path}: ${JSON.stringify(v)} does not match /${s.pattern}/`);
    if (typeof s.minLength === 'number' && [...v].length < s.minLength)
      errs.push(`${path}: shorter than ${s.minLength}`);
  }
  if ((t === 'integer' || t === 'number') && typeof s.minimum === 'number' && (value as number) < s.minimum)
    errs.push(`${path}: ${value} is less than ${s.minimum}`);

  if (t === 'object') {
    const o = value as Record<string, unknown>;
    for (const r of (s.required as string[] | undefined) ?? [])
      if (!(r in o)) errs.push(`${path}: ${r} is required`);
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(o)) {
      if (k in props) errs.push(...validate(props[k]!, v, root, `${path}.${k}`));
      else if (s.additionalProperties !== undefined)
        errs.push(
          ...validate(s.additionalProperties as Schema, v, root, `${path}.${k}`).map((e) =>
            s.additionalProperties === false ? `${path}: unexpected field ${k}` : e,
          ),
        );
    }
  }
  if (t === 'array') {
    const a = value as unknown[];
    if (s.items !== undefined)
      a.forEach((v, i) => {
        errs.push(...validate(s.items as Schema, v, root, `${path}[${i}]`));
      });
    if (typeof s.minItems === 'number' && a.length < s.minItems)
      errs.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && a.length > s.maxItems)
      errs.push(`${path}: more than ${s.maxItems} items`);
    if (s.contains !== undefined && !a.some((v) => validate(s.contains as Schema, v, root).length === 0))
      errs.push(`${path}: no item matches ${JSON.stringify(s.contains)}`);
  }

  for (const sub of (s.allOf as Schema[] | undefined) ?? []) errs.push(...validate(sub, value, root, path));
  if (s.if !== undefined) {
    const cond = validate(s.if as Schema, value, root, path).length === 0;
    const branch = cond ? s.then : s.else;
    if (branch !== undefined) errs.push(...validate(branch as Schema, value, root, path));
  }
  return errs;
}
