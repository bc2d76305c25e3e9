// Dates as real documents write them. OAS 3.0 §4.7.3 takes `format: date` and `date-time`
// from RFC 3339 §5.6 (`full-date`, `date-time`), and the loader types them with
// graphql-scalars' Date and DateTime, which accept that profile only. But documents'
// own examples and services' answers are often ISO 8601 in another spelling: zuora's
// example date `2016-12-1` (no zero padding), Jira's and AWS's `2021-01-17T12:34:00.000+0000`
// (an offset without a colon, ISO 8601's basic format). Such a value is read as the date
// or instant it plainly means; what leaves the gateway is always RFC 3339 (`2016-12-01`,
// `2021-01-17T12:34:00.000Z`), as the format says.
import { isScalarType, Kind, type GraphQLScalarType, type GraphQLSchema, type ValueNode } from 'graphql';

/** `YYYY-M-D`: a full-date with its month or day not zero-padded. */
const LOOSE_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
/** A date-time whose offset is `+hhmm` or `+hh` (ISO 8601 basic / reduced), not RFC 3339's `+hh:mm`. */
const LOOSE_OFFSET = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(\d{2})?$/;

export function normalizeDate(text: string): string {
  const m = LOOSE_DATE.exec(text);
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : text;
}

export function normalizeDateTime(text: string): string {
  const m = LOOSE_OFFSET.exec(text);
  return m ? `${m[1]!.replace(/ /, 'T')}${m[2]}:${m[3] ?? '00'}` : text;
}

const NORMALIZERS: Record<string, (text: string) => string> = { Date: normalizeDate, DateTime: normalizeDateTime };

/** Scalars already wrapped: the loader's scalars are module singletons, shared by every build. */
const wrapped = new WeakSet<GraphQLScalarType>();

function lenient(type: GraphQLScalarType, normalize: (text: string) => string): void {
  if (wrapped.has(type)) return;
  wrapped.add(type);
  const { serialize, parseValue, parseLiteral } = type;
  const fix = (value: unknown): unknown => (typeof value === 'string' ? normalize(value) : value);
  type.serialize = (value) => serialize.call(type, fix(value));
  type.parseValue = (value) => parseValue.call(type, fix(value));
  type.parseLiteral = (ast: ValueNode, variables) =>
    parseLiteral.call(type, ast.kind === Kind.STRING ? { ...ast, value: normalize(ast.value) } : ast, variables);
}

/** Makes the schema's `Date` and `DateTime` scalars read the spellings above. */
export function lenientDateScalars(schema: GraphQLSchema): void {
  for (const [name, normalize] of Object.entries(NORMALIZERS)) {
    const type = schema.getType(name);
    if (isScalarType(type)) lenient(type, normalize);
  }
}
