// An answer in XML for a field typed from the operation's schema. Swagger 2.0 `produces`
// and OAS 3 `content` may name only an XML media type (Twilio's 2010 API: `application/xml`),
// and the schema then describes the XML document (OAS 3.0 §4.7.26, XML Object): the root
// element is the schema, a property is a child element (or an attribute, `xml.attribute`),
// and an array is by default its items repeated under the property's name, `wrapped` in
// one element when it says so. XML text has no types, so each leaf is read as the field's
// GraphQL type says: numbers for Int and Float, `true`/`false` for Boolean, an empty
// element as no value, one element where a list is expected as a list of one.
import { XMLParser } from 'fast-xml-parser';
import {
  getNullableType,
  isEnumType,
  isInterfaceType,
  isListType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';

/** `application/xml`, `text/xml` and `+xml` types (RFC 7303). */
const XML_MEDIA = /^(?:application|text)\/(?:[\w.+-]+\+)?xml\s*(?:;|$)/i;

export function isXmlMediaType(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return typeof value === 'string' && XML_MEDIA.test(value.trim());
}

// Leaves stay text (the type decides), attributes are read like child elements, and
// entity expansion keeps fast-xml-parser's limits (no "billion laughs").
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

const TEXT = '#text';
const NUMERIC_SCALAR = /int|float|number|decimal|double|long/i;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The root element's content, shaped for `type`; throws when `text` is not XML. */
export function decodeXmlAnswer(text: string, type: GraphQLOutputType): unknown {
  const document = parser.parse(text, true) as Record<string, unknown>;
  const roots = Object.keys(document);
  if (roots.length !== 1) throw new Error(`an XML document has one root element, this one has ${roots.length}`);
  return shape(document[roots[0]!], type, 0);
}

function leafText(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && TEXT in value) return (value as Record<string, unknown>)[TEXT];
  return value;
}

function shape(value: unknown, type: GraphQLOutputType, depth: number): unknown {
  if (value == null || depth > 64) return value;
  const t = getNullableType(type);
  if (isListType(t)) {
    let items: unknown = value;
    // A `wrapped` array: one element holding the repeated item elements.
    if (!Array.isArray(value) && typeof value === 'object') {
      const inner = Object.values(value as Record<string, unknown>);
      if (inner.length === 1 && Array.isArray(inner[0])) items = inner[0];
    }
    if (items === '') return [];
    return (Array.isArray(items) ? items : [items]).map((item: unknown) => shape(item, t.ofType as GraphQLOutputType, depth + 1));
  }
  if (isObjectType(t)) return shapeObject(value, t, depth);
  if (isInterfaceType(t) || isUnionType(t)) return value;
  const leaf = leafText(value);
  if (isEnumType(t)) return leaf === '' ? null : leaf;
  if (!isScalarType(t) || typeof leaf !== 'string') return leaf;
  if (t.name === 'String' || t.name === 'ID') return leaf;
  if (leaf === '') return null;
  if (t.name === 'Boolean') return leaf === 'true' ? true : leaf === 'false' ? false : leaf;
  if ((t.name === 'Int' || t.name === 'Float' || NUMERIC_SCALAR.test(t.name)) && NUMBER.test(leaf)) return Number(leaf);
  return leaf;
}

function shapeObject(value: unknown, type: GraphQLObjectType, depth: number): unknown {
  if (value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    const field = type.getFields()[key];
    out[key] = field ? shape(item, field.type, depth + 1) : item;
  }
  return out;
}
