// A deterministic OpenAPI 3.0 document shaped like Microsoft Graph's (msgraph-metadata's
// openapi/v1.0), for measuring builds on a document of that size: Graph's own is ~20 MB
// with 11,422 operations, and is not in ../shared/corpus. Same seed, same document, byte
// for byte; it is written to a temporary folder at run time and never committed.
//
// What it copies from Graph, because each is work for the loader:
//   - entity types as `allOf: [$ref base, {title, properties}]` on `microsoft.graph.entity`,
//     in inheritance chains, the base types with a `@odata.type` discriminator mapping
//     every subtype; complex types (no id) and string enums with `unknownFutureValue`;
//   - nullable references written `anyOf: [{$ref}, {type: object, nullable: true}]`,
//     nullable scalars, int32/int64/double numbers, date-time/uuid/base64url strings, the
//     `oneOf [number, string, ReferenceNumeric]` of numeric properties, navigation
//     properties (`x-ms-navigationProperty`);
//   - OData paths: entity sets (`/users`), items by key (`/users/{user-id}`), navigation
//     nested a few levels (`/users/{user-id}/mailFolders/{mailFolder-id}/messages/{message-id}`),
//     `$count`, `$ref`, bound functions `microsoft.graph.delta()` and actions;
//   - per operation: path keys with `x-ms-docs-key-type`, the shared `$top/$skip/$search/
//     $filter/$count` parameters, inline `$orderby/$select/$expand` enum arrays, `2XX`
//     answers from shared collection responses, `4XX`/`5XX` through the shared `error`,
//     `x-ms-pageable`, `x-ms-docs-operation-type`, tags, summaries, long descriptions.

type Json = Record<string, unknown>;

export interface SyntheticGraphOptions {
  /** Stop adding paths once this many operations exist (default: Graph v1.0's 11,422). */
  operations?: number;
  /** Seed of the generator (default 1). */
  seed?: number;
  /** Entity types (default 900), complex types (default 700), enums (default 400). */
  entities?: number;
  complexTypes?: number;
  enums?: number;
}

/** mulberry32: small, fast, and the same numbers on every platform. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES =
  'ac,ad,al,an,ap,ar,as,at,au,ba,be,bi,bo,ca,ce,ci,co,cu,da,de,di,do,du,ed,el,em,en,er,es,ev,ex,fa,fe,fi,fo,ga,ge,go,ha,he,hi,ho,id,il,im,in,ir,is,it,la,le,li,lo,lu,ma,me,mi,mo,mu,na,ne,ni,no,nu,ob,of,ol,on,op,or,os,ou,pa,pe,pi,po,pu,ra,re,ri,ro,ru,sa,se,si,so,su,ta,te,ti,to,tu,un,up,ur,us,va,ve,vi,vo,wa,we,wi,wo'.split(
    ',',
  );
const WORDS =
  'the,of,a,to,is,for,and,in,that,this,be,by,on,with,as,are,read-only,nullable,user,group,item,value,property,collection,returned,supports,filter,orderby,select,expand,date,time,represents,identifier,unique,default,when,not,set,can,which,object,resource,service,tenant,application,owner,created,modified,last,display,name,status,type,list,navigation,relationship,entity,required,optional,only,if,one,more,each,from,its,their,used,using,value'.split(
    ',',
  );

class Names {
  private readonly used = new Set<string>();
  constructor(private readonly rand: () => number) {}
  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)];
  }
  /** A fresh camelCase word of 2–4 syllables (a second one, when `parts` > 1, capitalised). */
  word(parts = 1): string {
    for (;;) {
      let name = '';
      for (let p = 0; p < parts; p++) {
        let w = '';
        const n = 2 + Math.floor(this.rand() * 3);
        for (let i = 0; i < n; i++) w += this.pick(SYLLABLES);
        name += p === 0 ? w : w[0].toUpperCase() + w.slice(1);
      }
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }
  sentence(min: number, max: number): string {
    const n = min + Math.floor(this.rand() * (max - min + 1));
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(this.pick(WORDS));
    const text = words.join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  }
}

const ref = (name: string) => ({ $ref: `#/components/schemas/microsoft.graph.${name}` });
const nullableRef = (target: Json) => ({ anyOf: [target, { type: 'object', nullable: true }] });

interface EntityType {
  name: string;
  base?: string;
  subtypes: string[];
  scalars: string[];
  /** Navigation properties: name → target entity type and whether it is a collection. */
  navigation: Array<{ name: string; target: string; many: boolean; contained: boolean }>;
  functions: string[];
  actions: string[];
}

export function syntheticGraphSpec(options: SyntheticGraphOptions = {}): Json {
  const rand = random(options.seed ?? 1);
  const names = new Names(rand);
  const chance = (p: number) => rand() < p;
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const target = options.operations ?? 11_422;
  const schemas: Json = {};

  // Enums.
  const enums: string[] = [];
  for (let i = 0; i < (options.enums ?? 400); i++) {
    const name = names.word(2);
    enums.push(name);
    const values = Array.from({ length: int(2, 10) }, () => names.word());
    schemas[`microsoft.graph.${name}`] = {
      title: name,
      enum: [...values, 'unknownFutureValue'],
      type: 'string',
      ...(chance(0.1) ? { 'x-ms-enum-flags': { isFlags: true } } : {}),
      'x-ms-enum': { name, modelAsString: false, values: values.map((value) => ({ value, description: names.sentence(4, 12), name: value })) },
    };
  }

  // Properties, shared by complex and entity types.
  const complex: string[] = [];
  const property = (allowComplex: boolean): Json => {
    const description = names.sentence(4, 16);
    const r = rand();
    if (r < 0.3) return { type: 'string', description, nullable: true };
    if (r < 0.38)
      return {
        pattern: '^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$',
        type: 'string',
        description,
        format: 'date-time',
        nullable: true,
      };
    if (r < 0.46) return { maximum: 2147483647, minimum: -2147483648, type: 'number', description, format: 'int32', nullable: true };
    if (r < 0.5) return { type: 'number', description, format: 'int64', nullable: true };
    if (r < 0.58) return { type: 'boolean', description, nullable: true };
    if (r < 0.63) return { type: 'array', items: { type: 'string', nullable: true }, description };
    if (r < 0.66)
      return {
        pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
        type: 'string',
        description,
        format: 'uuid',
        nullable: true,
      };
    if (r < 0.68) return { type: 'string', description, format: 'base64url', nullable: true };
    if (r < 0.7)
      return {
        oneOf: [{ type: 'number', format: 'double', nullable: true }, { type: 'string', nullable: true }, { $ref: '#/components/schemas/ReferenceNumeric' }],
        description,
      };
    if (r < 0.8 && enums.length) return { ...nullableRef(ref(pick(enums))), description };
    if (allowComplex && complex.length) {
      return r < 0.93 ? { ...nullableRef(ref(pick(complex))), description } : { type: 'array', items: ref(pick(complex)), description };
    }
    return { type: 'string', description, nullable: true };
  };
  const properties = (count: number, allowComplex: boolean) => {
    const out: Json = {};
    for (let i = 0; i < count; i++) out[names.word(chance(0.5) ? 2 : 1)] = property(allowComplex);
    return out;
  };

  // Complex types: some derive from others (allOf), most stand alone.
  for (let i = 0; i < (options.complexTypes ?? 700); i++) {
    const name = names.word(2);
    const own = { title: name, type: 'object', properties: { ...properties(int(2, 12), true), '@odata.type': { type: 'string' } } };
    schemas[`microsoft.graph.${name}`] = complex.length && chance(0.15) ? { allOf: [ref(pick(complex)), own] } : own;
    complex.push(name);
  }

  // Entity types: a forest under `entity`, chains up to four deep (entity → directoryObject → user).
  const entities: EntityType[] = [];
  const byName = new Map<string, EntityType>();
  for (let i = 0; i < (options.entities ?? 900); i++) {
    const parent = entities.length > 20 && chance(0.35) ? pick(entities.filter((e) => depthOf(e, byName) < 3)) : undefined;
    const e: EntityType = {
      name: names.word(chance(0.6) ? 2 : 1),
      base: parent?.name,
      subtypes: [],
      scalars: [],
      navigation: [],
      functions: [],
      actions: [],
    };
    parent?.subtypes.push(e.name);
    entities.push(e);
    byName.set(e.name, e);
  }
  for (const e of entities) {
    for (let i = 0, n = int(0, 6); i < n; i++) {
      const target = pick(entities).name;
      e.navigation.push({ name: names.word(chance(0.4) ? 2 : 1), target, many: chance(0.75), contained: chance(0.7) });
    }
    for (let i = 0, n = chance(0.3) ? int(1, 3) : 0; i < n; i++) e.functions.push(names.word(2));
    for (let i = 0, n = chance(0.3) ? int(1, 4) : 0; i < n; i++) e.actions.push(names.word(2));
  }
  const descendants = (e: EntityType): string[] => e.subtypes.flatMap((s) => [s, ...descendants(byName.get(s)!)]);
  for (const e of entities) {
    const props: Json = properties(int(2, 18), true);
    for (const nav of e.navigation) {
      props[nav.name] = nav.many
        ? { type: 'array', items: ref(nav.target), description: names.sentence(6, 20), 'x-ms-navigationProperty': true }
        : { ...nullableRef(ref(nav.target)), description: names.sentence(6, 20), 'x-ms-navigationProperty': true };
    }
    props['@odata.type'] = { type: 'string', default: `#microsoft.graph.${e.name}` };
    const sub = descendants(e);
    const own: Json = {
      title: e.name,
      required: ['@odata.type'],
      type: 'object',
      properties: props,
      ...(sub.length
        ? {
            discriminator: {
              propertyName: '@odata.type',
              mapping: Object.fromEntries(sub.map((s) => [`#microsoft.graph.${s}`, `#/components/schemas/microsoft.graph.${s}`])),
            },
          }
        : {}),
    };
    schemas[`microsoft.graph.${e.name}`] = { allOf: [ref(e.base ?? 'entity'), own] };
    schemas[`microsoft.graph.${e.name}CollectionResponse`] = {
      title: `Collection of ${e.name}`,
      type: 'object',
      allOf: [
        { $ref: '#/components/schemas/BaseCollectionPaginationCountResponse' },
        { type: 'object', properties: { value: { type: 'array', items: ref(e.name) } } },
      ],
    };
  }
  const roots = entities.filter((e) => !e.base);
  schemas['microsoft.graph.entity'] = {
    title: 'entity',
    required: ['@odata.type'],
    type: 'object',
    properties: { id: { type: 'string', description: 'The unique identifier for an entity. Read-only.' }, '@odata.type': { type: 'string' } },
    discriminator: {
      propertyName: '@odata.type',
      mapping: Object.fromEntries(entities.map((e) => [`#microsoft.graph.${e.name}`, `#/components/schemas/microsoft.graph.${e.name}`])),
    },
  };
  Object.assign(schemas, sharedSchemas());

  // Paths: entity sets, then breadth first through navigation, until the target count.
  const paths: Json = {};
  let operations = 0;
  const err = { '4XX': { $ref: '#/components/responses/error' }, '5XX': { $ref: '#/components/responses/error' } };
  const key = (e: string, taken: Set<string>) => {
    let name = `${e}-id`;
    for (let i = 1; taken.has(name); i++) name = `${e}-id${i}`;
    taken.add(name);
    return name;
  };
  const keyParameter = (name: string, type: string) => ({
    name,
    in: 'path',
    description: `The unique identifier of ${type}`,
    required: true,
    schema: { type: 'string' },
    'x-ms-docs-key-type': type,
  });
  const fieldsOf = (e: EntityType): string[] => {
    const own = Object.keys((schemas[`microsoft.graph.${e.name}`] as { allOf: [Json, { properties: Json }] }).allOf[1].properties).filter(
      (p) => !p.startsWith('@'),
    );
    return [...(e.base ? fieldsOf(byName.get(e.base)!) : ['id']), ...own];
  };
  const listParameters = (e: EntityType) => {
    const fields = fieldsOf(e);
    return [
      { $ref: '#/components/parameters/top' },
      { $ref: '#/components/parameters/skip' },
      { $ref: '#/components/parameters/search' },
      { $ref: '#/components/parameters/filter' },
      { $ref: '#/components/parameters/count' },
      {
        name: '$orderby',
        in: 'query',
        description: 'Order items by property values',
        style: 'form',
        explode: false,
        schema: { uniqueItems: true, type: 'array', items: { enum: fields.flatMap((f) => [f, `${f} desc`]), type: 'string' } },
      },
      ...itemParameters(e),
    ];
  };
  const itemParameters = (e: EntityType) => [
    {
      name: '$select',
      in: 'query',
      description: 'Select properties to be returned',
      style: 'form',
      explode: false,
      schema: { uniqueItems: true, type: 'array', items: { enum: fieldsOf(e), type: 'string' } },
    },
    {
      name: '$expand',
      in: 'query',
      description: 'Expand related entities',
      style: 'form',
      explode: false,
      schema: { uniqueItems: true, type: 'array', items: { enum: ['*', ...e.navigation.map((n) => n.name)], type: 'string' } },
    },
  ];
  // Unique, as OAS 3.0 §4.7.10 requires; Graph tells repeated names apart by a short suffix.
  const operationIds = new Set<string>();
  const operation = (tag: string, id: string, summary: string, extra: Json): Json => {
    operations++;
    let operationId = id;
    while (operationIds.has(operationId))
      operationId = `${id}-${Math.floor(rand() * 0x10000)
        .toString(16)
        .padStart(4, '0')}`;
    operationIds.add(operationId);
    return { tags: [tag], summary, description: names.sentence(4, 16), operationId, ...extra };
  };
  const entityBody = (e: string, description: string) => ({
    description,
    content: { 'application/json': { schema: ref(e) } },
    required: true,
  });
  interface Visit {
    route: string;
    entity: EntityType;
    keys: Array<Json>;
    taken: Set<string>;
    tag: string;
    idPrefix: string;
    depth: number;
  }
  const queue: Visit[] = roots.slice(0, 60).map((e) => ({
    route: `/${e.name}s`,
    entity: e,
    keys: [],
    taken: new Set<string>(),
    tag: `${e.name}s.${e.name}`,
    idPrefix: `${e.name}s`,
    depth: 0,
  }));
  const collection = (v: Visit, navName: string) => {
    const e = v.entity;
    const cap = `${navName[0].toUpperCase()}${navName.slice(1)}`;
    paths[v.route] = {
      description: `Provides operations to manage the ${navName} property of the microsoft.graph.${e.name} entity.`,
      get: operation(v.tag, `${v.idPrefix}.List${cap}`, `Get ${navName}`, {
        parameters: [...v.keys, ...listParameters(e)],
        responses: { '2XX': { $ref: `#/components/responses/microsoft.graph.${e.name}CollectionResponse` }, ...err },
        'x-ms-pageable': { nextLinkName: '@odata.nextLink', operationName: 'listMore' },
        'x-ms-docs-operation-type': 'operation',
      }),
      post: operation(v.tag, `${v.idPrefix}.Create${cap}`, `Create new navigation property to ${navName}`, {
        parameters: [...v.keys],
        requestBody: entityBody(e.name, 'New navigation property'),
        responses: { '2XX': { description: 'Created navigation property.', content: { 'application/json': { schema: ref(e.name) } } }, ...err },
        'x-ms-docs-operation-type': 'operation',
      }),
    };
    paths[`${v.route}/$count`] = {
      description: 'Provides operations to count the resources in the collection.',
      get: operation(v.tag, `${v.idPrefix}.${cap}.GetCount-${names.word()}`, 'Get the number of the resource', {
        parameters: [...v.keys, { $ref: '#/components/parameters/search' }, { $ref: '#/components/parameters/filter' }],
        responses: { '2XX': { $ref: '#/components/responses/ODataCountResponse' }, ...err },
      }),
    };
    if (v.depth === 0 && chance(0.5)) {
      paths[`${v.route}/microsoft.graph.delta()`] = {
        description: 'Provides operations to call the delta method.',
        get: operation(v.tag, `${v.idPrefix}.delta`, 'Invoke function delta', {
          parameters: [...v.keys, ...listParameters(e).slice(0, 5)],
          responses: {
            '2XX': {
              description: 'Success',
              content: {
                'application/json': {
                  schema: {
                    title: `Collection of ${e.name}`,
                    type: 'object',
                    allOf: [
                      { $ref: '#/components/schemas/BaseDeltaFunctionResponse' },
                      { type: 'object', properties: { value: { type: 'array', items: ref(e.name) } } },
                    ],
                  },
                },
              },
            },
            ...err,
          },
          'x-ms-docs-operation-type': 'function',
          'x-ms-pageable': { nextLinkName: '@odata.nextLink', operationName: 'listMore' },
        }),
      };
    }
  };
  const item = (v: Visit, navName: string): Visit => {
    const e = v.entity;
    const k = key(e.name, v.taken);
    const keys = [...v.keys, keyParameter(k, e.name)];
    const route = `${v.route}/{${k}}`;
    const cap = `${navName[0].toUpperCase()}${navName.slice(1)}`;
    paths[route] = {
      description: `Provides operations to manage the ${navName} property of the microsoft.graph.${e.name} entity.`,
      get: operation(v.tag, `${v.idPrefix}.Get${cap}`, `Get ${navName} from ${v.idPrefix}`, {
        parameters: [...keys, ...itemParameters(e)],
        responses: { '2XX': { description: 'Retrieved navigation property', content: { 'application/json': { schema: ref(e.name) } } }, ...err },
        'x-ms-docs-operation-type': 'operation',
      }),
      patch: operation(v.tag, `${v.idPrefix}.Update${cap}`, `Update the navigation property ${navName}`, {
        parameters: keys,
        requestBody: entityBody(e.name, 'New navigation property values'),
        responses: { '2XX': { description: 'Success', content: { 'application/json': { schema: ref(e.name) } } }, ...err },
        'x-ms-docs-operation-type': 'operation',
      }),
      delete: operation(v.tag, `${v.idPrefix}.Delete${cap}`, `Delete navigation property ${navName}`, {
        parameters: [...keys, { name: 'If-Match', in: 'header', description: 'ETag', schema: { type: 'string' } }],
        responses: { '204': { description: 'Success' }, ...err },
        'x-ms-docs-operation-type': 'operation',
      }),
    };
    for (const fn of e.functions) {
      paths[`${route}/microsoft.graph.${fn}()`] = {
        description: `Provides operations to call the ${fn} method.`,
        get: operation(v.tag, `${v.idPrefix}.${e.name}.${fn}`, `Invoke function ${fn}`, {
          parameters: keys,
          responses: {
            '2XX': { description: 'Success', content: { 'application/json': { schema: nullableRef(ref(pick(complex))) } } },
            ...err,
          },
          'x-ms-docs-operation-type': 'function',
        }),
      };
    }
    for (const action of e.actions) {
      paths[`${route}/microsoft.graph.${action}`] = {
        description: `Provides operations to call the ${action} method.`,
        post: operation(v.tag, `${v.idPrefix}.${e.name}.${action}`, `Invoke action ${action}`, {
          parameters: keys,
          requestBody: {
            description: 'Action parameters',
            content: { 'application/json': { schema: { type: 'object', properties: properties(int(1, 4), true), additionalProperties: { type: 'object' } } } },
            required: true,
          },
          responses: { '204': { description: 'Success' }, ...err },
          'x-ms-docs-operation-type': 'action',
        }),
      };
    }
    return { ...v, route, keys, taken: new Set(v.taken) };
  };
  while (queue.length && operations < target) {
    const v = queue.shift()!;
    const last = v.route.slice(v.route.lastIndexOf('/') + 1);
    collection(v, last);
    if (operations >= target) break;
    const at = item(v, last);
    for (const nav of at.entity.navigation) {
      if (operations >= target) break;
      const route = `${at.route}/${nav.name}`;
      const targetType = byName.get(nav.target)!;
      const tag = `${v.tag.split('.')[0]}.${targetType.name}`;
      const idPrefix = `${v.idPrefix}.${at.entity.name}`;
      if (!nav.contained) {
        paths[`${route}/$ref`] = {
          description: 'Provides operations to manage the collection of entities.',
          get: operation(tag, `${idPrefix}.ListRef${nav.name}`, `Get ref of ${nav.name}`, {
            parameters: at.keys,
            responses: { '2XX': { $ref: '#/components/responses/StringCollectionResponse' }, ...err },
          }),
          [nav.many ? 'post' : 'put']: operation(tag, `${idPrefix}.CreateRef${nav.name}`, `Create new navigation property ref to ${nav.name}`, {
            parameters: at.keys,
            requestBody: { $ref: nav.many ? '#/components/requestBodies/refPostBody' : '#/components/requestBodies/refPutBody' },
            responses: { '204': { description: 'Success' }, ...err },
          }),
          delete: operation(tag, `${idPrefix}.DeleteRef${nav.name}`, `Delete ref of navigation property ${nav.name}`, {
            parameters: [...at.keys, { name: 'If-Match', in: 'header', description: 'ETag', schema: { type: 'string' } }],
            responses: { '204': { description: 'Success' }, ...err },
          }),
        };
      }
      const next: Visit = { route, entity: targetType, keys: at.keys, taken: at.taken, tag, idPrefix, depth: v.depth + 1 };
      if (nav.many) {
        if (v.depth < 4) queue.push(next);
        else collection(next, nav.name);
      } else {
        paths[route] = {
          description: `Provides operations to manage the ${nav.name} property of the microsoft.graph.${at.entity.name} entity.`,
          get: operation(tag, `${idPrefix}.Get${nav.name}`, `Get ${nav.name} from ${v.idPrefix}`, {
            parameters: [...at.keys, ...itemParameters(targetType)],
            responses: { '2XX': { description: 'Retrieved navigation property', content: { 'application/json': { schema: ref(targetType.name) } } }, ...err },
            'x-ms-docs-operation-type': 'operation',
          }),
        };
      }
    }
  }

  return {
    openapi: '3.0.4',
    info: {
      title: 'OData Service for namespace microsoft.graph (synthetic)',
      description: 'A generated document shaped like Microsoft Graph v1.0 (Tributary benchmark).',
      version: 'v1.0',
    },
    servers: [{ url: 'https://graph.microsoft.example/v1.0', description: 'Core' }],
    paths,
    components: {
      schemas,
      responses: {
        error: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/microsoft.graph.ODataErrors.ODataError' } } } },
        ODataCountResponse: {
          description: 'The count of the resource',
          content: { 'text/plain': { schema: { $ref: '#/components/schemas/ODataCountResponse' } } },
        },
        StringCollectionResponse: {
          description: 'Retrieved collection',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/StringCollectionResponse' } } },
        },
        ...Object.fromEntries(
          entities.map((e) => [
            `microsoft.graph.${e.name}CollectionResponse`,
            {
              description: 'Retrieved collection',
              content: { 'application/json': { schema: { $ref: `#/components/schemas/microsoft.graph.${e.name}CollectionResponse` } } },
            },
          ]),
        ),
      },
      parameters: {
        top: {
          name: '$top',
          in: 'query',
          description: 'Show only the first n items',
          style: 'form',
          explode: false,
          schema: { minimum: 0, type: 'integer' },
          example: 50,
        },
        skip: { name: '$skip', in: 'query', description: 'Skip the first n items', style: 'form', explode: false, schema: { minimum: 0, type: 'integer' } },
        search: { name: '$search', in: 'query', description: 'Search items by search phrases', style: 'form', explode: false, schema: { type: 'string' } },
        filter: { name: '$filter', in: 'query', description: 'Filter items by property values', style: 'form', explode: false, schema: { type: 'string' } },
        count: { name: '$count', in: 'query', description: 'Include count of items', style: 'form', explode: false, schema: { type: 'boolean' } },
      },
      requestBodies: {
        refPostBody: {
          description: 'New navigation property ref value',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ReferenceCreate' } } },
          required: true,
        },
        refPutBody: {
          description: 'New navigation property ref values',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ReferenceUpdate' } } },
          required: true,
        },
      },
    },
    tags: [
      ...new Set(Object.values(paths).flatMap((item) => Object.values(item as Json).flatMap((op) => ((op as Json)?.tags as string[] | undefined) ?? []))),
    ].map((name) => ({ name, 'x-ms-docs-toc-type': 'page' })),
  };
}

function depthOf(e: EntityType, byName: Map<string, EntityType>): number {
  return e.base ? 1 + depthOf(byName.get(e.base)!, byName) : 0;
}

/** The schemas every Graph document has besides its model: errors, paging, references. */
function sharedSchemas(): Json {
  return {
    'microsoft.graph.ODataErrors.ODataError': {
      required: ['error'],
      type: 'object',
      properties: { error: { $ref: '#/components/schemas/microsoft.graph.ODataErrors.MainError' } },
    },
    'microsoft.graph.ODataErrors.MainError': {
      required: ['code', 'message'],
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string', 'x-ms-primary-error-message': true },
        target: { type: 'string', nullable: true },
        details: { type: 'array', items: { $ref: '#/components/schemas/microsoft.graph.ODataErrors.ErrorDetails' } },
        innerError: { $ref: '#/components/schemas/microsoft.graph.ODataErrors.InnerError' },
      },
    },
    'microsoft.graph.ODataErrors.ErrorDetails': {
      required: ['code', 'message'],
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, target: { type: 'string', nullable: true } },
    },
    'microsoft.graph.ODataErrors.InnerError': {
      type: 'object',
      properties: {
        'request-id': { type: 'string', description: 'Request Id as tracked internally by the service', nullable: true },
        'client-request-id': { type: 'string', description: 'Client request Id as sent by the client application.', nullable: true },
        date: { type: 'string', description: 'Date when the error occured.', format: 'date-time', nullable: true },
      },
    },
    ODataCountResponse: { type: 'number', format: 'int32' },
    ReferenceNumeric: { enum: ['-INF', 'INF', 'NaN'], type: 'string', nullable: true },
    BaseCollectionPaginationCountResponse: {
      title: 'Base collection pagination and count responses',
      type: 'object',
      properties: { '@odata.count': { type: 'integer', format: 'int64', nullable: true }, '@odata.nextLink': { type: 'string', nullable: true } },
    },
    BaseDeltaFunctionResponse: {
      title: 'Base delta function response',
      type: 'object',
      properties: { '@odata.nextLink': { type: 'string', nullable: true }, '@odata.deltaLink': { type: 'string', nullable: true } },
    },
    StringCollectionResponse: { title: 'Collection of string', type: 'object', properties: { value: { type: 'array', items: { type: 'string' } } } },
    ReferenceCreate: { type: 'object', properties: { '@odata.id': { type: 'string' } }, additionalProperties: { type: 'object' } },
    ReferenceUpdate: { type: 'object', properties: { '@odata.id': { type: 'string' }, '@odata.type': { type: 'string', nullable: true } } },
  };
}

/**
 * Writes the document into `dir` (YAML, as Graph publishes it, or JSON) and answers its
 * path and size. The same options write the same bytes.
 */
export async function writeSyntheticGraphSpec(
  dir: string,
  options: SyntheticGraphOptions & { format?: 'yaml' | 'json' } = {},
): Promise<{ file: string; bytes: number; operations: number }> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const doc = syntheticGraphSpec(options);
  const format = options.format ?? 'yaml';
  const text = format === 'json' ? JSON.stringify(doc) : (await import('yaml')).stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `synthetic-graph.${format}`);
  await writeFile(file, text);
  return { file, bytes: Buffer.byteLength(text), operations: countOperations(doc) };
}

export function countOperations(doc: Json): number {
  let n = 0;
  for (const item of Object.values(doc.paths as Json))
    for (const method of Object.keys(item as Json)) if (/^(get|put|post|delete|patch|head|options|trace)$/.test(method)) n++;
  return n;
}
