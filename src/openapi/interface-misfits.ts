// Types that do not fit an interface they implement, for the one validation of the
// loader's schema (robust-load.ts, in the main thread, on the schema built from the
// loader thread's SDL): validating a Stripe-sized schema costs a quarter of a second,
// and it was done in the loader thread, to find these, and again here.
import { buildASTSchema, parse, print, validateSchema, visit, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { SpecWarning } from './spec-warning.ts';

/** graphql-js's messages for a type that does not fit an interface it implements: [interface, type]. */
const INTERFACE_MISFITS: Array<[RegExp, (m: RegExpMatchArray) => [string, string]]> = [
  [/^Interface field (\w+)\.\w+ expects type .+ but (\w+)\.\w+ is type/, (m) => [m[1], m[2]]],
  [/^Interface field (\w+)\.\w+ expected but (\w+) does not provide it/, (m) => [m[1], m[2]]],
  [/^Interface field argument (\w+)\.\w+\(\w+:\) expected but (\w+)\.\w+ does not provide it/, (m) => [m[1], m[2]]],
  [/^Interface field argument (\w+)\.\w+\(\w+:\) expects type .+ but (\w+)\.\w+\(\w+:\) is type/, (m) => [m[1], m[2]]],
  [/^Object field (\w+)\.\w+ includes required argument \w+ that is missing from the Interface field (\w+)\./, (m) => [m[2], m[1]]],
  [/^Type (\w+) must implement \w+ because it is implemented by (\w+)\./, (m) => [m[2], m[1]]],
];

/**
 * Mesh turns `allOf` inheritance into interfaces, and some real specs override an
 * inherited property with another type (a paged list whose `content` is `[Article]`
 * where the base says `[object]`). graphql-js then refuses the whole schema (GraphQL
 * spec §3.6 "IsValidImplementation"). Dropping that one `implements` keeps every type
 * and field; only querying the type through the interface is lost.
 */
export function repairInterfaceMisfits(
  schema: GraphQLSchema,
  sdl: string,
  warnings: SpecWarning[],
  typePointer: (typeName: string) => string,
  errors: readonly GraphQLError[] = validateSchema(schema),
): string {
  for (let round = 0; round < 3 && errors.length; round++) {
    const drop = new Map<string, Set<string>>();
    for (const error of errors) {
      const hit = INTERFACE_MISFITS.map(([re, pick]) => {
        const m = error.message.match(re);
        return m ? pick(m) : undefined;
      }).find(Boolean);
      if (!hit) return sdl; // something else: the caller's validation reports it
      const [iface, type] = hit;
      if (!drop.has(type)) drop.set(type, new Set());
      if (!drop.get(type)!.has(iface)) {
        drop.get(type)!.add(iface);
        warnings.push({
          pointer: typePointer(type),
          problem: `type ${type} does not fit interface ${iface} (${error.message})`,
          action: `${type} no longer implements ${iface}; its fields are kept`,
        });
      }
    }
    const ast = visit(parse(sdl, { noLocation: true }), {
      enter(node) {
        if ((node.kind === 'ObjectTypeDefinition' || node.kind === 'InterfaceTypeDefinition') && drop.has(node.name.value)) {
          const gone = drop.get(node.name.value)!;
          return { ...node, interfaces: node.interfaces?.filter((i) => !gone.has(i.name.value)) };
        }
        return undefined;
      },
    });
    sdl = print(ast);
    errors = validateSchema(buildASTSchema(ast, { assumeValidSDL: true }));
  }
  return sdl;
}
