// Enum defaults as values, not names. An argument's `defaultValue` is an internal value
// in graphql-js (what a resolver receives when the client leaves the argument out), but
// Mesh's loader writes the enum value's GraphQL *name* there: `_4326` for the spec's
// `4326`, `_SEMICOLON_` for `;`. The service then gets the name, which its spec does
// not allow (OAS 3.1 §4.8.12.4: a parameter's value is an instance of its schema). Here
// each such default becomes the value the name stands for, once per schema; printing the
// schema still shows the name (graphql-js serialises the value back to it).
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLEnumType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

export function enumDefaultsAsValues(schema: GraphQLSchema): void {
  const fix = (holder: { type: GraphQLInputType; defaultValue?: unknown }) => {
    if (holder.defaultValue === undefined) return;
    const named = getNamedType(holder.type);
    if (!isEnumType(named)) return;
    holder.defaultValue = Array.isArray(holder.defaultValue) ? holder.defaultValue.map((d) => valueOf(named, d)) : valueOf(named, holder.defaultValue);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) for (const field of Object.values(type.getFields())) field.args.forEach(fix);
    else if (isInputObjectType(type)) Object.values(type.getFields()).forEach(fix);
  }
}

/** The value behind a name; a default that already is a value (or is unknown) stays. */
function valueOf(type: GraphQLEnumType, defaultValue: unknown): unknown {
  if (typeof defaultValue !== 'string') return defaultValue;
  const values = type.getValues();
  if (values.some((v) => v.value === defaultValue)) return defaultValue;
  return values.find((v) => v.name === defaultValue)?.value ?? defaultValue;
}
