// What the passthrough may forward: the HTTP operations the served schema still declares.
// Mesh's OpenAPI loader writes `@httpOperation(path, httpMethod, …)` on every root field
// and the directive survives transforms, so the schema as served — after `filterSchema`,
// `rename` and `prefix` — says which operations exist, each with the field coordinates
// that reach it. Read once per schema (per generation), never per request.
import { isObjectType, type GraphQLSchema } from 'graphql';
import { getDirectiveExtensions } from '@graphql-tools/utils';

/** A part of an OpenAPI path key after `?` or `#` that the request must satisfy. */
export interface Constraint {
  readonly name: string;
  /** The value it must have; undefined when it need only be present. */
  readonly value?: string;
}

export interface DeclaredOperation {
  readonly source: string;
  /** Upper-case, as RFC 9110 §9.1 registers them. */
  readonly method: string;
  /**
   * The OpenAPI path key with Mesh's `{args.x}` written back as `{x}` (parameter names
   * are the loader's sanitised ones: `user-id` becomes `user_id`), query or fragment part
   * included: AWS-style keys differ only there.
   */
  readonly template: string;
  /** `<METHOD> <template>`: the operation's name in upstream calls, logs and metrics. */
  readonly label: string;
  /** Schema coordinates (`Query.productById`) of the fields that call it. */
  readonly fields: readonly string[];
  /** Query parameters the key pins (`/?Action=X`, `/tags/{arn}#tagKeys`). */
  readonly query: readonly Constraint[];
  /** Header parameters the key pins (`/#X-Amz-Target=Service.Op`); names lower-case. */
  readonly headers: readonly Constraint[];
}

/** Declared operations per source name, in schema order. */
export function declaredOperations(schema: GraphQLSchema): Map<string, DeclaredOperation[]> {
  const byKey = new Map<string, { op: Omit<DeclaredOperation, 'fields'>; fields: string[] }>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const directive = getDirectiveExtensions(field as never)?.httpOperation?.[0] as Record<string, unknown> | undefined;
      if (directive === undefined || typeof directive.path !== 'string') continue;
      const compiled = (field.extensions as { tributaryOperation?: { source?: string } } | undefined)?.tributaryOperation;
      const source = compiled?.source ?? (typeof directive.subgraph === 'string' ? directive.subgraph : undefined);
      if (source === undefined) continue;
      const op = operationOf(source, directive);
      const key = `${source}\n${op.label}`;
      const entry = byKey.get(key) ?? { op, fields: [] };
      entry.fields.push(`${type.name}.${field.name}`);
      byKey.set(key, entry);
    }
  }
  const out = new Map<string, DeclaredOperation[]>();
  for (const { op, fields } of byKey.values()) {
    const list = out.get(op.source) ?? [];
    list.push(Object.freeze({ ...op, fields: Object.freeze(fields) }));
    out.set(op.source, list);
  }
  return out;
}

function operationOf(source: string, directive: Record<string, unknown>): Omit<DeclaredOperation, 'fields'> {
  const method = String(directive.httpMethod ?? 'GET').toUpperCase();
  const raw = String(directive.path);
  const template = raw.replace(/\{args\.([^}]*)\}/g, '{$1}');
  const queryParams = new Set(Object.keys(record(directive.queryParamArgMap)));
  const headerParams = new Set(Object.keys(record(directive.operationSpecificHeaders)).map((h) => h.toLowerCase()));

  const query: Constraint[] = [];
  const headers: Constraint[] = [];
  const cut = template.search(/[?#]/);
  if (cut !== -1) {
    // `?a=b&c` after the path is a query by definition (RFC 3986 §3.4). A `#` part is a
    // spec author's disambiguator; it binds the request only where it names one of the
    // operation's query or header parameters, which is how AWS-derived documents use it.
    for (const part of template.slice(cut).split(/(?=[?#])/)) {
      const inQuery = part.startsWith('?');
      for (const pair of part.slice(1).split('&')) {
        if (pair === '') continue;
        const eq = pair.indexOf('=');
        const name = eq === -1 ? pair : pair.slice(0, eq);
        const rawValue = eq === -1 ? undefined : pair.slice(eq + 1);
        // A templated value (`Id={id}`) pins only that the parameter is there.
        const value = rawValue === undefined || rawValue.includes('{') ? undefined : rawValue;
        if (inQuery || queryParams.has(name)) query.push(value === undefined ? { name } : { name, value });
        else if (headerParams.has(name.toLowerCase())) headers.push(value === undefined ? { name: name.toLowerCase() } : { name: name.toLowerCase(), value });
      }
    }
  }
  return { source, method, template, label: `${method} ${template}`, query, headers };
}

/** Mesh writes object arguments as JSON text, as `[key, value]` pairs, or as objects. */
function record(value: unknown): Record<string, unknown> {
  if (value == null) return {};
  if (typeof value === 'string') {
    try {
      return record(JSON.parse(value));
    } catch {
      return {};
    }
  }
  if (Array.isArray(value)) return Object.fromEntries(value.filter((e): e is [string, unknown] => Array.isArray(e) && typeof e[0] === 'string'));
  return typeof value === 'object' ? (value as Record<string, unknown>) : {};
}
