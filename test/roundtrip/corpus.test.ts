// The round trip on two small documents of the shared corpus, end to end: Prism as a real
// process, the gateway in a child process, the classification of known fields. The
// whole corpus is `npm run roundtrip`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDocument, type DocumentResult } from '../../scripts/roundtrip/run.ts';

const CORPUS = path.resolve(process.env.CORPUS_DIR ?? path.join(import.meta.dirname, '../../../shared/corpus'));
const PETSTORE = 'oai__v3.0__petstore.yaml';
const DISCRIMINATOR = 'mesh__discriminator-mapping.yml';
const present = existsSync(path.join(CORPUS, PETSTORE)) && existsSync(path.join(CORPUS, DISCRIMINATOR));
if (!present) console.warn(`test/roundtrip/corpus.test.ts skipped: no corpus documents at ${CORPUS} (set CORPUS_DIR)`);

describe.skipIf(!present)('round trip on corpus documents', () => {
  let petstore: DocumentResult;
  let discriminator: DocumentResult;
  beforeAll(async () => {
    [petstore, discriminator] = await Promise.all([
      runDocument(path.join(CORPUS, PETSTORE), { name: PETSTORE }),
      runDocument(path.join(CORPUS, DISCRIMINATOR), { name: DISCRIMINATOR }),
    ]);
  }, 170_000);

  const field = (doc: DocumentResult, coordinate: string) => doc.fields.find((f) => f.coordinate === coordinate);

  it('tries every root field that stands for an HTTP operation, once', () => {
    expect(petstore.error).toBeUndefined();
    expect(petstore.fields.map((f) => f.coordinate).sort()).toEqual(['Mutation.createPets', 'Query.listPets', 'Query.showPetById']);
    expect(petstore.fields.map((f) => [f.kind, f.method])).toEqual(
      expect.arrayContaining([
        ['query', 'GET'],
        ['mutation', 'POST'],
      ]),
    );
  });

  it('a field that works is data, with the call it made', () => {
    expect(field(petstore, 'Query.listPets')).toMatchObject({ class: 'data', call: 'GET /pets → 200' });
    // The path argument is filled with a value its schema allows.
    expect(field(petstore, 'Query.showPetById')).toMatchObject({ class: 'data', call: expect.stringMatching(/^GET \/pets\/\S+ → 200$/) });
  });

  it('an empty 201 beside a `default` error schema is data (it was unmappable: the field took the error type)', () => {
    // Found by this harness; fixed in openapi/empty-success.ts. Classifying an answer the
    // types cannot carry as unmappable is test/roundtrip/classify.test.ts's table.
    expect(field(petstore, 'Mutation.createPets')).toMatchObject({ class: 'data', call: 'POST /pets → 201' });
  });

  it("an answer of the mock that breaks its own document is counted as mock, with Prism's violation", () => {
    expect(discriminator.error).toBeUndefined();
    expect(field(discriminator, 'Query.pets_by_id')).toMatchObject({
      class: 'mock',
      cause: expect.stringMatching(/^PRISM_RESPONSE_VIOLATION: Response body must match exactly one schema in oneOf/),
    });
  });
});
