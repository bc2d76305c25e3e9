// Merging the sources' schemas into one, with one documented rule for name clashes
// (README, "How sources are merged"):
//   1. Sources are merged in config order; the first source to define a name keeps it.
//   2. A type that a later source defines identically (same printed SDL) is shared.
//   3. A type that a later source defines differently is renamed in that source to
//      `<Source>_<Type>` (and so is every clashing type that refers to it).
//   4. A root field that a later source also defines is renamed to `<Source>_<field>`.
// Every rename is reported as a warning, so `tributary check` shows it and an operator
// can make it explicit with a `prefix` or `rename` transform. Never a crash, never a
// silent overwrite.
import {
  GraphQLSchema,
  getNamedType,
  isAbstractType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  isUnionType,
  printType,
  type GraphQLNamedType,
} from 'graphql';
import { isPromise, MapperKind, mapSchema, renameType } from '@graphql-tools/utils';
import { mergeSchemas } from '@graphql-tools/schema';

export interface MergeInput {
  name: string;
  schema: GraphQLSchema;
}

export interface MergeResult {
  schema: GraphQLSchema;
  warnings: string[];
  /** For each source, where each of its root fields ("Query.x") ended up. */
  rootFields: Map<string, Map<string, string>>;
}

const ROOT_NAMES = new Set(['Query', 'Mutation', 'Subscription']);

function referencedNames(type: GraphQLNamedType): string[] {
  const out: string[] = [];
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const f of Object.values(type.getFields())) {
      out.push(getNamedType(f.type).name);
      for (const a of f.args) out.push(getNamedType(a.type).name);
    }
    for (const i of type.getInterfaces()) out.push(i.name);
  } else if (isInputObjectType(type)) {
    for (const f of Object.values(type.getFields())) out.push(getNamedType(f.type).name);
  } else if (isUnionType(type)) {
    for (const t of type.getTypes()) out.push(t.name);
  }
  return out;
}

function isOwnType(type: GraphQLNamedType, schema: GraphQLSchema): boolean {
  if (type.name.startsWith('__') || isSpecifiedScalarType(type)) return false;
  return !ROOT_NAMES.has(type.name) || schema.getRootType(type.name.toLowerCase() as never) !== type;
}

/** Decides which of a later source's types clash with what is already merged. */
function clashingTypes(schema: GraphQLSchema, seen: Map<string, string>): Set<string> {
  const renamed = new Set<string>();
  const types = Object.values(schema.getTypeMap()).filter((t) => isOwnType(t, schema) && !ROOT_NAMES.has(t.name));
  for (const t of types) {
    const previous = seen.get(t.name);
    if (previous !== undefined && previous !== printType(t)) renamed.add(t.name);
  }
  // A type that is shared by name but points at a renamed type is not the same type.
  for (let changed = true; changed;) {
    changed = false;
    for (const t of types) {
      if (renamed.has(t.name) || !seen.has(t.name)) continue;
      if (referencedNames(t).some((n) => renamed.has(n))) {
        renamed.add(t.name);
        changed = true;
      }
    }
  }
  return renamed;
}

function renameInSource(schema: GraphQLSchema, renames: Map<string, string>, fieldRenames: Map<string, Map<string, string>>): GraphQLSchema {
  if (renames.size === 0 && fieldRenames.size === 0) return schema;
  return mapSchema(schema, {
    [MapperKind.TYPE]: (type) => {
      const to = renames.get(type.name);
      if (isAbstractType(type) && renames.size) {
        // Type resolvers answer with the names they knew; translate to the new ones.
        const resolveType = type.resolveType;
        if (resolveType) {
          // Synchronous when the loader's is: graphql-jit never awaits a type resolver.
          const rename = (name: unknown) => (typeof name === 'string' ? (renames.get(name) ?? name) : name) as string | undefined;
          type.resolveType = (value, context, info, abstract) => {
            const name = resolveType(value, context, info, abstract);
            return isPromise(name) ? name.then(rename) : rename(name);
          };
        }
      }
      return to ? renameType(type, to) : undefined;
    },
    [MapperKind.ROOT_FIELD]: (config, fieldName, typeName) => {
      const to = fieldRenames.get(typeName)?.get(fieldName);
      return to ? [to, config] : undefined;
    },
  });
}

export function mergeSourceSchemas(inputs: MergeInput[]): MergeResult {
  const warnings: string[] = [];
  const rootFields = new Map<string, Map<string, string>>();
  for (const { name, schema } of inputs) {
    const own = new Map<string, string>();
    for (const op of ['query', 'mutation', 'subscription'] as const) {
      const root = schema.getRootType(op as never);
      const canonical = op[0].toUpperCase() + op.slice(1);
      for (const fieldName of Object.keys(root?.getFields() ?? {})) own.set(`${canonical}.${fieldName}`, fieldName);
    }
    rootFields.set(name, own);
  }
  if (inputs.length === 1) return { schema: inputs[0].schema, warnings, rootFields };
  const seenTypes = new Map<string, string>();
  const seenRootFields = new Map<string, string>(); // "Query.x" -> source
  const prepared: GraphQLSchema[] = [];
  for (const { name, schema } of inputs) {
    const renames = new Map<string, string>();
    for (const typeName of clashingTypes(schema, seenTypes)) {
      renames.set(typeName, `${name}_${typeName}`);
      warnings.push(`Type "${typeName}" of source "${name}" differs from the one already defined by another source; renamed to "${name}_${typeName}".`);
    }
    const fieldRenames = new Map<string, Map<string, string>>();
    for (const op of ['query', 'mutation', 'subscription'] as const) {
      const root = schema.getRootType(op as never);
      if (!root) continue;
      const canonical = op[0].toUpperCase() + op.slice(1);
      for (const fieldName of Object.keys(root.getFields())) {
        const key = `${canonical}.${fieldName}`;
        const owner = seenRootFields.get(key);
        if (owner !== undefined) {
          const to = `${name}_${fieldName}`;
          rootFields.get(name)!.set(key, to);
          if (!fieldRenames.has(root.name)) fieldRenames.set(root.name, new Map());
          fieldRenames.get(root.name)!.set(fieldName, to);
          warnings.push(`Root field ${key} of source "${name}" is already defined by source "${owner}"; renamed to "${to}".`);
          seenRootFields.set(`${canonical}.${to}`, name);
        } else {
          seenRootFields.set(key, name);
        }
      }
    }
    const renamed = renameInSource(schema, renames, fieldRenames);
    for (const t of Object.values(renamed.getTypeMap())) {
      if (isOwnType(t, renamed) && !ROOT_NAMES.has(t.name) && !seenTypes.has(t.name)) seenTypes.set(t.name, printType(t));
    }
    prepared.push(renamed);
  }
  const schema = mergeSchemas({ schemas: prepared, assumeValid: true, assumeValidSDL: true });
  return { schema, warnings, rootFields };
}
