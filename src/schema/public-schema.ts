// The served schema: what clients see in introspection, GraphiQL's docs and
// `tributary schema`. Mesh's annotations (@httpOperation, @transport, @resolveRoot,
// @regexp, @typescript, @example, @discriminator, @statusCodeTypeName, @enum, @flatten,
// @dictionary, @length, @oas_link, @resolveTo, …) are build-time data: by the time this
// runs they have been compiled into resolvers and field extensions (source.ts, links/),
// which is all the executor (graphql-yoga, graphql-jit) and the link layer read. As
// definitions they would only tell clients how upstream calls are made. So they go, and
// with them the types only their arguments use (`HTTPMethod`, `ObjMap`,
// `ResolveToSourceArgs`, renamed by a prefix transform or not); every other type stays,
// the document's own unreferenced types included. The directives GraphQL specifies are
// kept as graphql-js defines them, never as a loader redeclared them (Mesh declares its
// own `@oneOf`, with other locations).
import {
  GraphQLSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  isUnionType,
  specifiedDirectives,
  type GraphQLDirective,
  type GraphQLNamedType,
} from 'graphql';

/** Names of the types reachable from `roots` through fields, arguments, members and implementations. */
function reachableFrom(schema: GraphQLSchema, roots: GraphQLNamedType[]): Set<string> {
  const seen = new Set<string>();
  const queue: GraphQLNamedType[] = [];
  const add = (type: GraphQLNamedType) => {
    if (seen.has(type.name)) return;
    seen.add(type.name);
    queue.push(type);
  };
  roots.forEach(add);
  while (queue.length) {
    const type = queue.pop()!;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        add(getNamedType(field.type));
        for (const arg of field.args) add(getNamedType(arg.type));
      }
      type.getInterfaces().forEach(add);
      if (isInterfaceType(type)) schema.getPossibleTypes(type).forEach(add);
    } else if (isUnionType(type)) {
      type.getTypes().forEach(add);
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) add(getNamedType(field.type));
    }
  }
  return seen;
}

/**
 * Types of `schema` that only its annotation directives' arguments use. `servedByRoots`:
 * the types reachable from the root types, when the caller has them already (the
 * specified directives' arguments add only GraphQL's own scalars, which are never
 * annotation-only).
 */
function annotationOnlyTypes(schema: GraphQLSchema, servedByRoots = reachableFrom(schema, rootsOf(schema))): GraphQLNamedType[] {
  const annotations = schema.getDirectives().filter((d) => !isSpecifiedDirective(d));
  const annotationTypes = reachableFrom(
    schema,
    annotations.flatMap((d) => d.args.map((a) => getNamedType(a.type))),
  );
  const served = servedByRoots;
  return [...annotationTypes]
    .filter((name) => !served.has(name))
    .map((name) => schema.getType(name)!)
    .filter((t) => !isSpecifiedScalarType(t));
}

function rootsOf(schema: GraphQLSchema): GraphQLNamedType[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t) => t != null);
}

/**
 * Marks, in a source's schema, the types only its annotations use. Asked of each source
 * before the merge: the merged schema keeps one `@httpOperation` definition, so the other
 * sources' `HTTPMethod` (prefixed or not) is by then used by nothing, and cannot be told
 * from a type of the document by its name. The mark is an extension: transforms and the
 * merge copy it along with the type, whatever they rename it to.
 */
export function markAnnotationOnlyTypes(schema: GraphQLSchema): void {
  for (const type of annotationOnlyTypes(schema)) type.extensions = { ...type.extensions, [ANNOTATION_ONLY]: true };
}

const ANNOTATION_ONLY = 'tributaryAnnotationOnly';

/**
 * `schema` without the annotation directives and the types only they use (here, or in
 * the source they came from), unless the served schema reaches one after all; resolvers
 * and extensions are kept.
 */
export function publicSchema(schema: GraphQLSchema, clientDirectives: readonly GraphQLDirective[] = []): GraphQLSchema {
  const served = reachableFrom(schema, rootsOf(schema));
  const internal = new Set(annotationOnlyTypes(schema, served).map((t) => t.name));
  for (const type of Object.values(schema.getTypeMap())) if (type.extensions[ANNOTATION_ONLY] === true && !served.has(type.name)) internal.add(type.name);
  const config = schema.toConfig();
  return new GraphQLSchema({
    ...config,
    types: config.types.filter((t) => !internal.has(t.name)),
    directives: [...specifiedDirectives, ...clientDirectives],
    assumeValid: true,
  });
}
