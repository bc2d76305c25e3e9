// Descriptions written as HTML become Markdown. OpenAPI descriptions are CommonMark
// (OAS 3.0 §4.3), and CommonMark allows raw HTML, so documents such as Stripe's write
// `<p>With <a href="…">Connect</a>, you can <code>expand</code>…</p>`. GraphQL
// descriptions are CommonMark too, but GraphiQL renders them with raw HTML turned off
// (anything else would let a document inject script into the page), so the tags showed
// as text. Converted once at build time, they show as paragraphs, links and code.
//
// Only a description that holds tags of HTML's own text elements is converted: a
// Markdown description is left exactly as written, and angle brackets that are not such
// a tag (`Authorization: Basic <api_key>`, `a < b`) are kept as text.
import { NodeHtmlMarkdown } from 'node-html-markdown';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';

const TEXT_ELEMENTS = 'a|abbr|b|blockquote|br|code|dd|div|dl|dt|em|h[1-6]|hr|i|kbd|li|ol|p|pre|s|small|span|strong|sub|sup|table|tbody|td|th|thead|tr|u|ul';
const ELEMENT_TAG = new RegExp(`<\\/?(?:${TEXT_ELEMENTS})(?:\\s[^<>]*)?\\/?>`, 'i');
/** A `<` that does not open or close one of the elements above: text, escaped before conversion. */
const OTHER_ANGLE = new RegExp(`<(?!\\/?(?:${TEXT_ELEMENTS})(?:[\\s/>]))`, 'gi');

let converter: NodeHtmlMarkdown | undefined;

/** The description as Markdown when it is HTML; otherwise unchanged. */
export function htmlToMarkdown(description: string): string {
  if (!ELEMENT_TAG.test(description)) return description;
  converter ??= new NodeHtmlMarkdown({ maxConsecutiveNewlines: 2 });
  return converter.translate(description.replace(OTHER_ANGLE, '&lt;'));
}

/**
 * Rewrites every HTML description of the schema's types, fields, arguments and enum
 * values (in place). The conversion of each runs when the description is first read
 * (introspection, GraphiQL's docs, `tributary schema`), not at start-up: a
 * Stripe-sized document has thousands of them, 0.15 s of every start for what a client
 * may never ask. What is read is the same Markdown either way.
 */
export function descriptionsAsMarkdown(schema: GraphQLSchema): void {
  const fix = (owner: { description?: string | null }) => {
    const html = owner.description;
    if (!html || !ELEMENT_TAG.test(html)) return;
    let markdown: string | undefined;
    Object.defineProperty(owner, 'description', {
      configurable: true,
      enumerable: true,
      get: () => (markdown ??= htmlToMarkdown(html)),
      set: (value: string | null | undefined) => Object.defineProperty(owner, 'description', { value, configurable: true, enumerable: true, writable: true }),
    });
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    fix(type);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        fix(field);
        field.args.forEach(fix);
      }
    } else if (isInputObjectType(type)) {
      Object.values(type.getFields()).forEach(fix);
    } else if (isEnumType(type)) {
      type.getValues().forEach(fix);
    }
  }
}
