// An operation's plan: what to call and what to write, decided once per (schema, document,
// operation, @skip/@include outcome) instead of once per field of every object. It takes
// operations whose every field is one of three kinds Tributary built itself — a root field
// that is one REST operation (schema/source.ts), a property of the REST answer (no
// resolver), a link (links/plan.ts) — plus `__typename`. Anything else (a resolver of its
// own, an abstract type, introspection, a directive other than @skip/@include, a
// subscription) makes the operation not plannable, with the reason, and it runs on the
// executor as before: the decision is made once per document, never per request.
import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLString,
  Kind,
  defaultFieldResolver,
  isEnumType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLLeafType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { plannedRestOperationOf, type PlannedRestOperation } from '../../context.ts';
import { plannedLinkOf, type PlannedLink } from '../plan.ts';
import { generateObjectCompleter, type ObjectCompleter } from './generate.ts';
import { objectSerializer, resultStringifier } from './serialize.ts';
import { collectFields, type ConditionalNode, type Fragments, type Inclusion } from './collect.ts';

/** How a value is completed (GraphQL spec §6.4.3 CompleteValue), by the shape of its type. */
export type ValuePlan =
  | { readonly kind: 'nonNull'; readonly of: ValuePlan }
  | { readonly kind: 'list'; readonly of: ValuePlan }
  | { readonly kind: 'leaf'; readonly type: GraphQLLeafType; readonly serialize: (value: unknown) => unknown }
  | { readonly kind: 'object'; readonly type: GraphQLObjectType; readonly fields: readonly FieldPlan[]; readonly complete: ObjectCompleter };

interface FieldPlanBase {
  readonly responseKey: string;
  readonly fieldName: string;
  /** For messages: `Cannot return null for non-nullable field Parent.field.` */
  readonly parentTypeName: string;
  /** Every node answered under this key (errors carry all their locations). */
  readonly fieldNodes: readonly FieldNode[];
  readonly nonNull: boolean;
  /** Whether a link is reached at or below this field: its positions need frames (run.ts). */
  readonly async: boolean;
}

export type FieldPlan =
  | (FieldPlanBase & { readonly kind: 'typename'; readonly typeName: string })
  | (FieldPlanBase & { readonly kind: 'property'; readonly value: ValuePlan })
  | (FieldPlanBase & {
      readonly kind: 'link';
      readonly value: ValuePlan;
      readonly link: PlannedLink;
      /** The link field's own definition, for its argument values (they depend only on variables). */
      readonly field: GraphQLField<unknown, unknown>;
      /** Position of this link among the plan's links: its per-request arguments are kept there. */
      readonly index: number;
    })
  | (FieldPlanBase & {
      readonly kind: 'rest';
      readonly value: ValuePlan;
      readonly rest: PlannedRestOperation;
      readonly field: GraphQLField<unknown, unknown>;
    });

export interface OperationPlan {
  readonly rootType: GraphQLObjectType;
  readonly fields: readonly FieldPlan[];
  /** A mutation: its root fields run one after another, each with all below it (§6.2.2). */
  readonly serial: boolean;
  readonly links: number;
  /** The execution result's JSON, `data` written by the plan when it is the data this plan completed (serialize.ts). */
  readonly stringify: (result: object, planned: unknown) => string;
}

export class NotPlannable extends Error {}

const FAST_SCALARS = new Map<GraphQLLeafType, (value: unknown) => unknown>([
  [GraphQLString, (v) => (typeof v === 'string' ? v : GraphQLString.serialize(v))],
  [GraphQLID, (v) => (typeof v === 'string' ? v : GraphQLID.serialize(v))],
  [GraphQLBoolean, (v) => (typeof v === 'boolean' ? v : GraphQLBoolean.serialize(v))],
  // `(v | 0) === v` is the 32-bit range check graphql-js makes, without the call.
  [GraphQLInt, (v) => (typeof v === 'number' && (v | 0) === v ? v : GraphQLInt.serialize(v))],
  [GraphQLFloat, (v) => (typeof v === 'number' && Number.isFinite(v) ? v : GraphQLFloat.serialize(v))],
]);

function leafSerializer(type: GraphQLLeafType): (value: unknown) => unknown {
  const fast = FAST_SCALARS.get(type);
  if (fast) return fast;
  if (isEnumType(type)) return (v) => type.serialize(v);
  return (v) => type.serialize(v);
}

/**
 * Checks once per document what the plan cannot take, whatever the variables: the
 * operation type and directives. Returns the operation and the @skip/@include nodes whose
 * outcome depends on variables (each outcome gets its own plan), or throws NotPlannable.
 */
export function planningSubject(document: DocumentNode, operation: OperationDefinitionNode): { fragments: Fragments; conditional: ConditionalNode[] } {
  if (operation.operation === 'subscription') throw new NotPlannable('it is a subscription');
  if (operation.directives?.length) throw new NotPlannable('the operation has directives');
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const conditional: ConditionalNode[] = [];
  const scan = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      Directive(directive, _key, _parent, _path, ancestors) {
        const name = directive.name.value;
        const owner = ancestors[ancestors.length - 1] as { kind?: string } | undefined;
        if (owner?.kind === Kind.VARIABLE_DEFINITION) return;
        if (
          (name !== 'skip' && name !== 'include') ||
          (owner?.kind !== Kind.FIELD && owner?.kind !== Kind.INLINE_FRAGMENT && owner?.kind !== Kind.FRAGMENT_SPREAD)
        )
          throw new NotPlannable(`it uses the directive @${name}`);
        if (directive.arguments?.some((a) => a.value.kind === Kind.VARIABLE) && !conditional.includes(owner as ConditionalNode))
          conditional.push(owner as ConditionalNode);
      },
    });
  scan(operation);
  for (const fragment of Object.values(fragments)) scan(fragment);
  return { fragments, conditional };
}

/** The plan for one outcome of the operation's @skip/@include (`included` decides each node). */
export function compilePlan(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments, included: Inclusion): OperationPlan {
  const serial = operation.operation === 'mutation';
  const rootType = serial ? schema.getMutationType() : schema.getQueryType();
  if (!rootType) throw new NotPlannable(`the schema has no ${operation.operation} type`);
  let links = 0;

  const planValue = (type: GraphQLOutputType, nodes: readonly FieldNode[], where: string): ValuePlan => {
    if (isNonNullType(type)) return { kind: 'nonNull', of: planValue(type.ofType, nodes, where) };
    if (isListType(type)) return { kind: 'list', of: planValue(type.ofType, nodes, where) };
    if (isLeafType(type)) return { kind: 'leaf', type, serialize: leafSerializer(type) };
    if (isObjectType(type)) {
      if (type.isTypeOf) throw new NotPlannable(`${type.name} has an isTypeOf check`);
      const selectionSets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      const fields = planFields(type, selectionSets, false);
      return { kind: 'object', type, fields, complete: generateObjectCompleter(fields) };
    }
    throw new NotPlannable(`${where} returns the abstract type ${type.name}`);
  };

  const hasLink = (value: ValuePlan): boolean =>
    value.kind === 'object' ? value.fields.some((f) => f.async) : value.kind === 'leaf' ? false : hasLink(value.of);

  const planFields = (type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[], root: boolean): FieldPlan[] => {
    const out: FieldPlan[] = [];
    for (const [responseKey, fieldNodes] of collectFields(schema, fragments, included, type, selectionSets)) {
      const fieldName = fieldNodes[0]!.name.value;
      const base = { responseKey, fieldName, parentTypeName: type.name, fieldNodes };
      if (fieldName === '__typename') {
        out.push({ ...base, kind: 'typename', typeName: type.name, nonNull: true, async: false });
        continue;
      }
      const field = type.getFields()[fieldName];
      if (!field) throw new NotPlannable(`it asks for ${fieldName}`);
      const where = `${type.name}.${fieldName}`;
      const nonNull = isNonNullType(field.type);
      if (root) {
        const rest = plannedRestOperationOf(field.resolve);
        if (!rest) throw new NotPlannable(`${where} is not one REST operation`);
        const value = planValue(field.type, fieldNodes, where);
        out.push({ ...base, kind: 'rest', rest, field, value, nonNull, async: hasLink(value) });
        continue;
      }
      if (field.resolve === undefined || field.resolve === defaultFieldResolver) {
        const value = planValue(field.type, fieldNodes, where);
        out.push({ ...base, kind: 'property', value, nonNull, async: hasLink(value) });
        continue;
      }
      const link = plannedLinkOf(field.resolve);
      if (!link) throw new NotPlannable(`${where} has a resolver of its own`);
      const index = links++;
      out.push({ ...base, kind: 'link', link, field, index, value: planValue(field.type, fieldNodes, where), nonNull, async: true });
    }
    return out;
  };

  const fields = planFields(rootType, [operation.selectionSet], true);
  return { rootType, fields, links, serial, stringify: resultStringifier(objectSerializer(fields)) };
}
