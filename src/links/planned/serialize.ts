// The response's JSON, written by functions compiled from the plan. The plan knows the
// shape of every position (which keys an object has, in which order, and whether a value
// is a string, a number, a boolean, an object or a list), so nothing has to be found out
// per value as a generic JSON.stringify does: keys are constants, numbers and booleans are
// written without a type check, and a string is quoted as it is unless it holds a
// character JSON escapes. The output is byte for byte what JSON.stringify writes for the
// same data (test/links/planned-serialize.test.ts), so Yoga serves it through the
// `stringify` hook of an execution result (result-processor/stringify.js) and the client
// cannot tell the difference.
//
// As in generate.ts, only JSON-quoted keys and indices are written into generated code.
import { GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString, isEnumType } from 'graphql';
import type { FieldPlan, ValuePlan } from './compile.ts';

export type Serializer = (value: unknown) => string;

/** What JSON.stringify escapes in a string (ECMA-262 QuoteJSONString): `"`, `\`, controls, lone surrogates. */
// eslint-disable-next-line no-control-regex -- the control characters are what is looked for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export function quote(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** Thrown when a value has no JSON text of its own (a custom scalar gave a function): the caller falls back to JSON.stringify. */
export const NOT_SERIALIZABLE = Symbol('not serializable by the plan');

/** A custom scalar's value: any JSON, as JSON.stringify writes it. */
function generic(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw NOT_SERIALIZABLE;
  return text;
}

const asString: Serializer = (v) => (v === null ? 'null' : quote(v as string));
const asNumber: Serializer = (v) => (v === null ? 'null' : String(v));
const asBoolean: Serializer = (v) => (v === null ? 'null' : v ? 'true' : 'false');
const asGeneric: Serializer = (v) => (v === null ? 'null' : generic(v));

function listOf(item: Serializer): Serializer {
  return (v) => {
    if (v === null) return 'null';
    const list = v as readonly unknown[];
    if (list.length === 0) return '[]';
    let out = `[${item(list[0])}`;
    for (let i = 1; i < list.length; i++) out += `,${item(list[i])}`;
    return `${out}]`;
  };
}

/** The serializer of a completed value of this plan: null, or what the plan completes. */
export function serializerFor(value: ValuePlan): Serializer {
  switch (value.kind) {
    // A non-null position never holds null once completed, but null is written as JSON
    // would write it anyway: the check costs nothing and keeps the output exact.
    case 'nonNull':
      return serializerFor(value.of);
    case 'list':
      return listOf(serializerFor(value.of));
    case 'object':
      return objectSerializer(value.fields);
    case 'leaf': {
      const { type } = value;
      // Completion (run.ts, generate.ts) gives these types' own JavaScript values.
      if (type === GraphQLString || type === GraphQLID || isEnumType(type)) return asString;
      if (type === GraphQLInt || type === GraphQLFloat) return asNumber;
      if (type === GraphQLBoolean) return asBoolean;
      return asGeneric;
    }
  }
}

/** An object completed from `fields` (generate.ts): every response key, in order. */
export function objectSerializer(fields: readonly FieldPlan[]): Serializer {
  const nested: Serializer[] = [];
  const parts: string[] = [];
  fields.forEach((field, i) => {
    const key = JSON.stringify(field.responseKey);
    const prefix = JSON.stringify(`${i === 0 ? '{' : ','}${key}:`);
    if (field.kind === 'typename') {
      parts.push(`s += ${prefix} + ${JSON.stringify(JSON.stringify(field.typeName))};`);
      return;
    }
    nested[i] = serializerFor(field.value);
    parts.push(`s += ${prefix} + S[${i}](o[${key}]);`);
  });
  const source = fields.length
    ? `return function serializeObject(v) {\n  if (v === null) return 'null';\n  const o = v;\n  let s = '';\n  ${parts.join('\n  ')}\n  return s + '}';\n};`
    : `return function serializeObject(v) { return v === null ? 'null' : '{}'; };`;
  return new Function('S', source)(nested) as Serializer;
}

/**
 * The `stringify` of a planned execution's result: its members in their order, `data`
 * by the plan, the rest (errors, extensions) by JSON.stringify. Only the data the plan
 * completed (`planned`) is written by the plan: a plugin that put other data on the
 * result (the response cache replaces it with a copy without its own `__typename`
 * fields) gets JSON.stringify, as does anything the plan cannot write.
 */
export function resultStringifier(data: Serializer): (result: object, planned: unknown) => string {
  return (result, planned) => {
    if ((result as { data?: unknown }).data !== planned) return JSON.stringify(result);
    try {
      let out = '';
      for (const [key, value] of Object.entries(result)) {
        if (value === undefined || typeof value === 'function') continue;
        out += `${out ? ',' : '{'}${JSON.stringify(key)}:${key === 'data' ? data(value) : JSON.stringify(value)}`;
      }
      return out ? `${out}}` : '{}';
    } catch (error) {
      if (error === NOT_SERIALIZABLE) return JSON.stringify(result);
      throw error;
    }
  };
}
