// Runs an operation's plan (compile.ts): the root REST calls at once, then, level by level,
// one batch per link for all the parents that level holds — the calls the DataLoaders
// would make (fetchBulk / fetchPerKey are theirs) — and each answer written straight into
// the response. No resolver is called, no DataLoader `load` is made and no promise is
// created per object; what a client sees is what GraphQL execution gives (§6.4 of the
// spec, as graphql-js implements it): field order, aliases, `__typename`, `null` plus one
// error at exactly the failing field, propagated to the nearest nullable position, and
// partial data when one call fails.
//
// Null propagation (§6.4.4) across the asynchronous links works on frames: a frame is one
// position (a field of an object, an item of a list) on a branch that reaches a link,
// pointing at its parent. A link's answer that fails a non-null field walks up the frames
// to the first nullable one and writes `null` there. A position once failed is marked, so
// a later failure beneath it is dropped, as graphql-js drops the rejection of a promise
// whose parent already settled.
import { GraphQLError, locatedError, getArgumentValues, type ExecutionResult } from 'graphql';
import { inspect } from 'graphql/jsutils/inspect.js';
import type { TributaryContext } from '../../context.ts';
import type { PlannedBulkLink, PlannedLink } from '../plan.ts';
import type { FieldPlan, OperationPlan, ValuePlan } from './compile.ts';

type Key = string | number;

/**
 * A position on a branch that reaches a link. A link's own position is also the slot that
 * waits for its batch (the slot fields), so that a waiting link costs one object.
 */
interface Frame {
  readonly parent: Frame | null;
  readonly container: Record<Key, unknown>;
  readonly key: Key;
  readonly nonNull: boolean;
  failed: boolean;
  // The slot, when a link waits here:
  field: LinkField | null;
  group: Group | null;
  /** The identity of the one key (a list-valued key: `ids`). */
  id: unknown;
  linkKey: unknown;
  /** A list-valued key: one identity and key per item, and the value is one item per key. */
  ids: readonly unknown[] | null;
  keys: readonly unknown[] | null;
  remaining: number;
}

type Slot = Frame & { field: LinkField; group: Group };

function newFrame(parent: Frame | null, container: Record<Key, unknown>, key: Key, nonNull: boolean): Frame {
  return { parent, container, key, nonNull, failed: false, field: null, group: null, id: undefined, linkKey: undefined, ids: null, keys: null, remaining: 0 };
}

type LinkField = Extract<FieldPlan, { kind: 'link' }>;

/** What one link's calls share in a request: the per-request cache the DataLoader would hold. */
interface Group {
  readonly link: PlannedLink;
  readonly kind: 'bulk' | 'perKey' | 'perValue';
  readonly fixedArgs?: Record<string, unknown>;
  readonly entries: Map<unknown, Entry>;
  /** Bulk entries by a key that is not a string (a number), as well as by its string. */
  readonly byRaw: Map<unknown, Entry>;
  /** The batch being filled in this flush. */
  next?: Batch;
}

type Entry = { readonly id: unknown; batch: Batch; done: false; value: undefined } | { readonly id: unknown; batch: undefined; done: true; value: unknown };

interface Batch {
  readonly group: Group;
  readonly ids: unknown[];
  readonly keys: unknown[];
  readonly waiters: Slot[];
}

const BATCH_FAILED = Symbol('batch failed');

export function runPlan(plan: OperationPlan, context: TributaryContext, variables: Record<string, unknown>): Promise<ExecutionResult> {
  return new Execution(plan, context, variables).run();
}

class Execution {
  private data: Record<string, unknown> | null = {};
  private readonly errors: GraphQLError[] = [];
  /** The response path of the positions being completed, relative to `base`. */
  private readonly path: Key[] = [];
  private readonly frames: Array<Frame | null> = [];
  private base: Frame | null = null;
  private pending: Slot[] = [];
  private outstanding = 0;
  private readonly groups = new Map<string, Group>();
  private readonly linkArgs: Array<Record<string, unknown> | undefined>;
  private readonly linkGroups: Array<Group | undefined>;
  private readonly byValueGroups: Array<Group | undefined>;
  private finish!: (result: ExecutionResult) => void;
  private abandoned = false;

  constructor(
    private readonly plan: OperationPlan,
    private readonly context: TributaryContext,
    private readonly variables: Record<string, unknown>,
  ) {
    this.linkArgs = new Array(plan.links);
    this.linkGroups = new Array(plan.links);
    this.byValueGroups = new Array(plan.links);
  }

  run(): Promise<ExecutionResult> {
    const done = new Promise<ExecutionResult>((resolve) => (this.finish = resolve));
    const data = this.data!;
    for (const field of this.plan.fields) {
      // Every key now, in order: answers arrive in any order, the response keeps the selection's.
      data[field.responseKey] = field.kind === 'typename' ? field.typeName : null;
    }
    if (this.plan.serial) this.startNextRoot();
    else for (const field of this.plan.fields) this.startRoot(field);
    this.maybeFinish();
    return done;
  }

  /** A query's root fields start together; a mutation's one at a time, each when the one before is done. */
  private nextRoot = 0;

  private startNextRoot(): boolean {
    while (this.nextRoot < this.plan.fields.length && this.data !== null) {
      const field = this.plan.fields[this.nextRoot++]!;
      if (field.kind === 'rest') {
        this.startRoot(field);
        if (this.outstanding > 0) return true;
      }
    }
    return false;
  }

  private startRoot(field: FieldPlan): void {
    if (field.kind !== 'rest') return;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field.field, field.fieldNodes[0]!, this.variables);
    } catch (error) {
      this.rootSettled(field, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.outstanding++;
    field.rest.execute(args, this.context).then(
      (value) => this.rootAnswered(field, value),
      (error: unknown) => this.rootAnswered(field, error instanceof Error ? error : locatedError(error, field.fieldNodes, [field.responseKey])),
    );
  }

  private rootAnswered(field: FieldPlan, value: unknown): void {
    if (this.abandoned || this.clientLeft(field, value instanceof Error ? value : undefined)) return;
    this.outstanding--;
    this.rootSettled(field, value);
    this.flush();
    this.maybeFinish();
  }

  private rootSettled(field: FieldPlan, value: unknown): void {
    if (this.data === null || field.kind === 'typename') return;
    const data = this.data;
    this.base = null;
    this.path[0] = field.responseKey;
    this.frames[0] = field.async ? newFrame(null, data, field.responseKey, field.nonNull) : null;
    try {
      data[field.responseKey] = this.complete(field.value, field, value, 0);
    } catch (error) {
      const located = this.locate(error, field, 0);
      if (this.frames[0]) this.frames[0].failed = true;
      if (field.nonNull) this.failData(located);
      else {
        this.errors.push(located);
        data[field.responseKey] = null;
      }
    }
  }

  private failData(error: GraphQLError): void {
    if (this.data === null) return;
    this.errors.push(error);
    this.data = null;
  }

  /**
   * An answer arrived after the client went away (its request's signal aborted the
   * calls): nobody will read the result, so it ends here with one error, instead of
   * completing every parent with an error of its own (thousands of errors, each masked
   * and logged, for a large list). Whatever the answer holds — a failed bulk batch, or a
   * per-key batch whose every call failed on its own — nothing else of this execution runs.
   */
  private clientLeft(field: FieldPlan | undefined, error: Error | undefined): boolean {
    const signal = this.context?.request?.signal;
    if (!signal?.aborted) return false;
    this.abandoned = true;
    const reason = error ?? (signal.reason instanceof Error ? signal.reason : new Error('The client went away.'));
    this.finish({ errors: [locatedError(reason, field?.fieldNodes ?? [], [])], data: null });
    return true;
  }

  private maybeFinish(): void {
    if (this.outstanding > 0 || this.pending.length > 0) return;
    if (this.plan.serial && this.startNextRoot()) return;
    const result: ExecutionResult = this.errors.length ? { errors: this.errors, data: this.data } : { data: this.data };
    // Yoga writes the answer with a result's own `stringify` (serialize.ts). Not
    // enumerable: the result stays a plain ExecutionResult to everything that reads it.
    const { data, plan } = this;
    Object.defineProperty(result, 'stringify', { value: (r: object) => plan.stringify(r, data) });
    this.finish(result);
  }

  /** The full response path of position `depth`. */
  private pathTo(depth: number): Key[] {
    const prefix: Key[] = [];
    for (let f = this.base; f; f = f.parent) prefix.push(f.key);
    prefix.reverse();
    for (let i = 0; i <= depth; i++) prefix.push(this.path[i]!);
    return prefix;
  }

  private locate(error: unknown, field: FieldPlan, depth: number): GraphQLError {
    return locatedError(error, field.fieldNodes, this.pathTo(depth));
  }

  // ---- completion (synchronous) -------------------------------------------------------

  private complete(value: ValuePlan, field: FieldPlan, raw: unknown, depth: number): unknown {
    if (raw instanceof Error) throw raw;
    switch (value.kind) {
      case 'nonNull': {
        const completed = this.complete(value.of, field, raw, depth);
        if (completed === null) throw new Error(`Cannot return null for non-nullable field ${field.parentTypeName}.${field.fieldName}.`);
        return completed;
      }
      case 'leaf': {
        if (raw == null) return null;
        const serialized = value.serialize(raw);
        if (serialized == null)
          throw new Error(`Expected \`${inspect(value.type)}.serialize(${inspect(raw)})\` to return non-nullable value, returned: ${inspect(serialized)}`);
        return serialized;
      }
      case 'object':
        if (raw == null) return null;
        return this.completeObject(value, raw, depth);
      case 'list':
        if (raw == null) return null;
        return this.completeList(value, field, raw, depth);
    }
  }

  private completeList(value: Extract<ValuePlan, { kind: 'list' }>, field: FieldPlan, raw: unknown, depth: number): unknown[] {
    if (typeof raw !== 'object' || typeof (raw as Iterable<unknown>)[Symbol.iterator] !== 'function')
      throw new GraphQLError(`Expected Iterable, but did not find one for field "${field.parentTypeName}.${field.fieldName}".`);
    const items = Array.isArray(raw) ? raw : Array.from(raw as Iterable<unknown>);
    const item = value.of;
    const itemNonNull = item.kind === 'nonNull';
    const out: unknown[] = new Array(items.length);
    const d = depth + 1;
    const parentFrame = field.async ? this.frames[depth]! : null;
    for (let i = 0; i < items.length; i++) {
      this.path[d] = i;
      if (parentFrame) this.frames[d] = newFrame(parentFrame, out as never, i, itemNonNull);
      try {
        out[i] = this.complete(item, field, items[i], d);
      } catch (error) {
        const located = this.locate(error, field, d);
        if (parentFrame) this.frames[d]!.failed = true;
        if (itemNonNull) throw located;
        this.errors.push(located);
        out[i] = null;
      }
    }
    return out;
  }

  private completeObject(value: Extract<ValuePlan, { kind: 'object' }>, source: unknown, depth: number): Record<string, unknown> {
    // The plan's own function writes the common case inline (generate.ts); a source that
    // is not an object (graphql-js reads no property of it) takes the general path.
    if (typeof source === 'object') return value.complete(source as Record<string, unknown>, this, depth);
    const out: Record<string, unknown> = {};
    for (const field of value.fields) {
      if (field.kind === 'typename') out[field.responseKey] = field.typeName;
      else this.completeField(field, source, out, depth);
    }
    return out;
  }

  /**
   * One field of an object at `depth` (§6.4.3 ExecuteField): its value completed into
   * `out`, or `null` and an error when it fails and is nullable; a failure of a non-null
   * field is thrown to the object's own position. Called by generated object functions
   * for everything but the common case of a leaf that needs no conversion.
   */
  completeField(field: Exclude<FieldPlan, { kind: 'typename' }>, source: unknown, out: Record<string, unknown>, depth: number): void {
    const key = field.responseKey;
    const d = depth + 1;
    this.path[d] = key;
    if (field.async) this.frames[d] = newFrame(this.frames[depth]!, out, key, field.nonNull);
    try {
      if (field.kind === 'link') {
        const settled = this.linkValue(field, source, d);
        if (settled === WAITING) {
          out[key] = null;
          return;
        }
        out[key] = this.complete(field.value, field, settled, d);
      } else {
        const readable = typeof source === 'object' || typeof source === 'function';
        out[key] = this.complete(field.value, field, readable ? (source as Record<string, unknown>)[field.fieldName] : undefined, d);
      }
    } catch (error) {
      const located = this.locate(error, field, d);
      if (field.async) this.frames[d]!.failed = true;
      if (field.nonNull) throw located;
      this.errors.push(located);
      out[key] = null;
    }
  }

  // ---- links ----------------------------------------------------------------------------

  private argsOf(field: LinkField): Record<string, unknown> {
    let args = this.linkArgs[field.index];
    if (!args) this.linkArgs[field.index] = args = field.field.args.length ? getArgumentValues(field.field, field.fieldNodes[0]!, this.variables) : {};
    return args;
  }

  private group(id: string, link: PlannedLink, kind: Group['kind'], fixedArgs?: Record<string, unknown>): Group {
    let group = this.groups.get(id);
    if (!group) this.groups.set(id, (group = { link, kind, fixedArgs, entries: new Map(), byRaw: new Map() }));
    return group;
  }

  /** The group of a link field without per-parent arguments, looked up by id once per request. */
  private groupOf(field: LinkField, byValue: boolean): Group {
    const at = byValue ? this.byValueGroups : this.linkGroups;
    let group = at[field.index];
    if (!group) {
      const link = field.link;
      at[field.index] = group = byValue ? this.group(`${link.id}#byValue`, link, 'perValue') : this.group(link.id, link, link.kind, {});
    }
    return group;
  }

  /**
   * The link's value for one parent when this request already has it (a key seen before),
   * else WAITING: the position (the frame at `depth`) becomes a slot queued for the next
   * batch, and is filled when that batch answers.
   */
  private linkValue(field: LinkField, source: unknown, depth: number): unknown {
    const link = field.link;
    let group: Group;
    let key: unknown;
    let id: unknown;
    if (link.kind === 'bulk') {
      key = link.readKey(source);
      if (key == null) return null;
      if (link.fixedArgs.empty) group = this.groupOf(field, false);
      else {
        const extra = link.fixedArgs(source, this.argsOf(field), this.context, undefined);
        group = this.group(`${link.id}:${JSON.stringify(extra)}`, link, 'bulk', extra);
      }
      if (Array.isArray(key)) return this.listKeyValue(field, group, key, depth);
      // Keys are the same when their strings are (the bulk loader's cacheKeyFn): a number
      // key is turned into its string once per request, not once per parent.
      let entry: Entry | undefined;
      if (typeof key === 'string') entry = group.entries.get((id = key));
      else {
        entry = group.byRaw.get(key);
        if (entry === undefined) entry = group.entries.get((id = String(key)));
        else id = entry.id;
      }
      if (entry?.done) return bulkValue(link, entry.value, key, link.manyPerKey);
    } else {
      const scalar = link.byValue?.read(source);
      if (typeof scalar === 'string' || typeof scalar === 'number' || typeof scalar === 'boolean') {
        group = this.groupOf(field, true);
        key = id = scalar;
      } else {
        key = link.argsOf(source, this.argsOf(field), this.context);
        group = this.groupOf(field, false);
        id = JSON.stringify(key);
      }
      const entry = group.entries.get(id);
      if (entry?.done) return entry.value;
    }
    const slot = this.enqueue(field, group, depth);
    slot.id = id;
    slot.linkKey = key;
    return WAITING;
  }

  /** A bulk link whose key is a list (`watcherIds`): one item per key, as DataLoader's loadMany answers. */
  private listKeyValue(field: LinkField, group: Group, keys: unknown[], depth: number): unknown {
    const ids = keys.map(String);
    if (ids.every((id) => group.entries.get(id)?.done)) return listValue(field, group, ids, keys);
    const slot = this.enqueue(field, group, depth);
    slot.ids = ids;
    slot.keys = keys;
    return WAITING;
  }

  /** The link's position (the frame at `depth`) as a slot queued for the next flush. */
  private enqueue(field: LinkField, group: Group, depth: number): Slot {
    const slot = this.frames[depth]! as Slot;
    slot.field = field;
    slot.group = group;
    this.pending.push(slot);
    return slot;
  }

  /** Sends the batches the queued slots need, one per link group. */
  private flush(): void {
    while (this.pending.length > 0) {
      const slots = this.pending;
      this.pending = [];
      const batches: Batch[] = [];
      for (const slot of slots) {
        if (slot.ids === null) this.wait(slot, slot.id, slot.linkKey, batches, null);
        else {
          const joined = new Set<Batch>();
          for (let i = 0; i < slot.ids.length; i++) this.wait(slot, slot.ids[i], slot.keys![i], batches, joined);
        }
        if (slot.remaining === 0) this.completeSlot(slot);
      }
      for (const batch of batches) {
        batch.group.next = undefined;
        this.dispatch(batch);
      }
    }
  }

  /** Has `slot` wait for the batch that brings `id`, adding the key to this flush's batch when no batch has it yet. */
  private wait(slot: Slot, id: unknown, key: unknown, batches: Batch[], joined: Set<Batch> | null): void {
    const group = slot.group;
    let entry = group.entries.get(id);
    if (entry?.done) return;
    if (!entry) {
      let batch = group.next;
      if (!batch) batches.push((batch = group.next = { group, ids: [], keys: [], waiters: [] }));
      batch.ids.push(id);
      batch.keys.push(key);
      entry = { id, batch, done: false, value: undefined };
      group.entries.set(id, entry);
      if (typeof key === 'number' && group.kind === 'bulk') group.byRaw.set(key, entry);
    }
    // A list-valued key may need one batch for several of its keys: the slot waits once per batch.
    if (joined) {
      if (joined.has(entry.batch)) return;
      joined.add(entry.batch);
    }
    entry.batch.waiters.push(slot);
    slot.remaining++;
  }

  private dispatch(batch: Batch): void {
    this.outstanding++;
    const { group } = batch;
    const link = group.link;
    let answer: Promise<unknown>;
    if (group.kind === 'bulk' && link.kind === 'bulk') answer = link.fetch(batch.keys, group.fixedArgs ?? {}, this.context);
    else if (link.kind === 'perKey' && group.kind === 'perValue') answer = link.fetch(batch.keys, (key) => link.call(link.byValue!.toArgs(key), this.context));
    else if (link.kind === 'perKey') answer = link.fetch(batch.keys as Array<Record<string, unknown>>, (args) => link.call(args, this.context));
    else answer = Promise.reject(new Error('link group and kind disagree'));
    answer.then(
      (result) => this.settle(batch, result),
      (error: unknown) => this.settle(batch, BATCH_FAILED, error instanceof Error ? error : new Error(String(error))),
    );
  }

  private settle(batch: Batch, result: unknown, error?: Error): void {
    if (this.abandoned || this.clientLeft(batch.waiters[0]?.field, error)) return;
    this.outstanding--;
    const { entries } = batch.group;
    for (let i = 0; i < batch.ids.length; i++) {
      let value: unknown;
      if (result === BATCH_FAILED) value = error;
      else if (result instanceof Map) value = result.get(batch.ids[i] as string);
      else value = (result as unknown[])[i];
      const settled: Entry = { id: batch.ids[i], batch: undefined, done: true, value };
      entries.set(batch.ids[i], settled);
      const key = batch.keys[i];
      if (typeof key === 'number' && batch.group.kind === 'bulk') batch.group.byRaw.set(key, settled);
    }
    for (const slot of batch.waiters) if (--slot.remaining === 0) this.completeSlot(slot);
    this.flush();
    this.maybeFinish();
  }

  /** Completes a link's answer at its position: the frames above it are where it lives. */
  private completeSlot(slot: Slot): void {
    const { field, group } = slot;
    this.base = slot.parent;
    this.path[0] = slot.key;
    this.frames[0] = slot;
    const link = field.link;
    let raw: unknown;
    if (slot.ids !== null) raw = listValue(field, group, slot.ids, slot.keys!);
    else {
      const value = group.entries.get(slot.id)!.value;
      raw = link.kind === 'bulk' ? bulkValue(link, value, slot.linkKey, link.manyPerKey) : value;
    }
    let value: unknown;
    try {
      value = this.complete(field.value, field, raw, 0);
    } catch (error) {
      const located = this.locate(error, field, 0);
      slot.failed = true;
      if (field.nonNull) this.propagate(slot.parent, located);
      else {
        this.errors.push(located);
        slot.container[slot.key] = null;
      }
      return;
    }
    slot.container[slot.key] = value;
  }

  /** A non-null position failed: null at the first nullable position above it, once (§6.4.4). */
  private propagate(from: Frame | null, error: GraphQLError): void {
    for (let f = from; f; f = f.parent) {
      if (f.failed) return;
      f.failed = true;
      if (!f.nonNull) {
        this.errors.push(error);
        f.container[f.key] = null;
        return;
      }
    }
    this.failData(error);
  }
}

const WAITING = Symbol('waiting for a batch');

/** A bulk link's value for one key from its bucket, as the bulk DataLoader answers it (loader.ts). */
function bulkValue(link: PlannedBulkLink, bucket: unknown, key: unknown, many: boolean): unknown {
  if (bucket instanceof Error) return bucket;
  if (many) return bucket ?? [];
  return bucket ? (bucket as unknown[])[0] : link.missing(key);
}

/** A list-valued key's items, one per key. */
function listValue(field: LinkField, group: Group, ids: readonly unknown[], keys: readonly unknown[]): unknown[] {
  const link = field.link as PlannedBulkLink;
  const out = new Array<unknown>(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = bulkValue(link, group.entries.get(ids[i])!.value, keys[i], false);
  return out;
}
