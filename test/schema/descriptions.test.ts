// HTML descriptions (CommonMark allows raw HTML; Stripe writes every description so) reach
// clients as Markdown, which GraphiQL renders; Markdown and angle brackets that are not
// HTML stay exactly as written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlToMarkdown } from '../../src/schema/descriptions.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';
import { writeSources } from '../helpers/openapi.ts';

describe('htmlToMarkdown', () => {
  it.each([
    {
      why: 'paragraphs, links, code and emphasis',
      html: '<p>With <a href="https://example.com/docs">Connect</a>, you can <code>expand</code> <strong>any</strong> field.</p><p>Second.</p>',
      markdown: 'With [Connect](https://example.com/docs), you can `expand` **any** field.\n\nSecond.',
    },
    { why: 'lists', html: '<p>One of:</p><ul><li>card</li><li>bank</li></ul>', markdown: 'One of:\n\n* card\n* bank' },
    { why: 'entities', html: '<p>Fees &amp; taxes</p>', markdown: 'Fees & taxes' },
    {
      why: 'a placeholder in angle brackets beside HTML is text',
      html: '<p>Send <code>Authorization: Basic</code> <api_key></p>',
      markdown: 'Send `Authorization: Basic` <api\\_key>',
    },
  ])('$why', ({ html, markdown }) => {
    expect(htmlToMarkdown(html)).toBe(markdown);
  });

  it.each([
    'Authorization: Basic <api_key> | Authorization: Basic <base64 hash of `api_key:`>',
    'Use *stars* and `code`, a < b and c > d.',
    '# Heading\n\n- item\n- item',
    '<T> is a type parameter',
  ])('not HTML, so unchanged: %s', (text) => {
    expect(htmlToMarkdown(text)).toBe(text);
  });
});

const SPEC = `
openapi: 3.0.3
info: { title: Pay, version: '1' }
paths:
  /charges/{id}:
    get:
      operationId: charge
      description: '<p>Retrieves a <a href="https://example.com/charges">charge</a>.</p>'
      parameters:
        - { name: id, in: path, required: true, description: '<p>The <code>id</code> of the charge.</p>', schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                description: '<p>A <strong>charge</strong>.</p>'
                title: Charge
                properties:
                  status: { type: string, description: '<p>Either <code>paid</code> or <code>failed</code>.</p>' }
                  note: { type: string, description: 'Plain *Markdown* stays.' }
`;

describe('in the served schema', () => {
  let backend: Backend;
  let dir: string;
  let gateway: Gateway;
  beforeAll(async () => {
    backend = await startBackend(() => ({ status: 200, body: { status: 'paid', note: 'n' } }));
    dir = await writeSources({ specs: {}, files: { 'pay.yaml': SPEC }, sources: [{ name: 'Pay', spec: 'pay.yaml', endpoint: backend.url }] });
    gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  });
  afterAll(async () => {
    await gateway?.close({ graceMs: 0 });
    await backend?.close();
    await removeTempDir(dir);
  });

  it('introspection shows Markdown for fields, arguments and types, and queries still work', async () => {
    const answer = await graphql(
      gateway,
      '{ __type(name: "Query") { fields { name description args { name description } type { name description fields { name description } } } } }',
    );
    type Field = {
      name: string;
      description: string;
      args: Array<{ name: string; description: string }>;
      type: { name: string; description: string; fields: Array<{ name: string; description: string }> };
    };
    const charge = (answer.body.data as { __type: { fields: Field[] } }).__type.fields.find((f) => f.name === 'charge')!;
    expect(charge.description).toBe('Retrieves a [charge](https://example.com/charges).');
    expect(charge.args[0].description).toBe('The `id` of the charge.');
    expect(charge.type.description).toBe('A **charge**.');
    expect(Object.fromEntries(charge.type.fields.map((f) => [f.name, f.description]))).toEqual({
      status: 'Either `paid` or `failed`.',
      note: 'Plain *Markdown* stays.',
    });
    expect((await graphql(gateway, '{ charge(id: "c1") { status note } }')).body).toEqual({ data: { charge: { status: 'paid', note: 'n' } } });
  });
});
