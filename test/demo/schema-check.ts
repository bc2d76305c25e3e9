// Checks a JSON value against an OpenAPI 3.0 schema, for the demo tests: just the
// keywords sources/*.yaml use (type, required, properties, items, enum, format,
// minimum/maximum, minLength/maxLength, minItems/maxItems, nullable, local $ref). It
// is stricter than OpenAPI in one way on purpose: an object property the schema does
// not declare is an error, because the gateway's GraphQL types come from the specs and
// an undeclared field would silently never reach a client.

type Schema = Record<string, unknown>;

function resolveRef(document: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
  let node: unknown = document;
  for (const key of ref.slice(2).split('/')) node = (node as Schema | undefined)?.[key];
  if (typeof node !== 'object' || node === null) throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function checkFormat(format: unknown, value: string, at: string, problems: string[]): void {
  if (format === 'date-time' && (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value)))) {
    problems.push(`${at}: "${value}" is not a date-time`);
  }
  if (format === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) problems.push(`${at}: "${value}" is not an email`);
}

/** Problems found, as `path: message` lines; empty when `value` fits `schema`. */
export function checkSchema(document: Schema, schema: Schema, value: unknown, at = '$'): string[] {
  if (typeof schema.$ref === 'string') return checkSchema(document, resolveRef(document, schema.$ref), value, at);
  const problems: string[] = [];
  if (value === null) return schema.nullable === true ? problems : [`${at}: null where the schema is not nullable`];

  const actual = typeOf(value);
  const expected = schema.type as string | undefined;
  if (expected !== undefined && actual !== expected && !(expected === 'number' && actual === 'integer')) {
    return [`${at}: expected ${expected}, got ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);

  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: ${value} < minimum ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${at}: ${value} > maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
    checkFormat(schema.format, value, at, problems);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${at}: more than ${schema.maxItems} items`);
    const items = schema.items as Schema | undefined;
    if (items) value.forEach((item, index) => problems.push(...checkSchema(document, items, item, `${at}[${index}]`)));
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in object)) problems.push(`${at}: missing required property "${name}"`);
    }
    for (const [name, propertyValue] of Object.entries(object)) {
      const property = properties[name];
      if (property) problems.push(...checkSchema(document, property, propertyValue, `${at}.${name}`));
      else problems.push(`${at}: property "${name}" is not in the schema`);
    }
  }
  return problems;
}

/** Resolves `#/components/schemas/<name>` of `document`. */
export function componentSchema(document: Schema, name: string): Schema {
  return resolveRef(document, `#/components/schemas/${name}`);
}
