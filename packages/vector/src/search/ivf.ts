/**
 * IVF search: rank the centroids, scan the `nprobe` nearest lists on their int8 codes (the
 * namespace and filter checked before a candidate enters the heap), keep the best `rerank`,
 * re-score those exactly from their float32 rows and return topK. When fewer than topK passed
 * the filter, further lists are scanned in centroid order. Lists load on demand (packed
 * Int8Array + ids) into the shared LRU.
 * @module
 */
import type { Sql } from "@durable/core";
import type { Sized, VectorCache } from "./cache.ts";
import type { IvfModel } from "./ivf-model.ts";
import { dot4Int8At, dotInt8At } from "./kernels.ts";
import { TopK } from "./top-k.ts";

/** One list of one generation, as cached. */
export class IvfList implements Sized {
  readonly ids: string[];
  /** Index into `namespaces` per entry. */
  readonly ns: Int32Array;
  readonly namespaces: string[];
  readonly codes: Int8Array;
  /** Squared norms of the decoded vectors (euclidean only). */
  readonly normSq: Float32Array | null;
  readonly bytes: number;
  /** Rows skipped: a code of the wrong length. */
  readonly corrupt: number;

  constructor(
    ids: string[],
    ns: Int32Array,
    namespaces: string[],
    codes: Int8Array,
    normSq: Float32Array | null,
    corrupt: number,
  ) {
    this.ids = ids;
    this.ns = ns;
    this.namespaces = namespaces;
    this.codes = codes;
    this.normSq = normSq;
    this.corrupt = corrupt;
    let idBytes = 0;
    for (const id of ids) idBytes += 2 * id.length + 32;
    this.bytes = codes.byteLength + ns.byteLength + (normSq?.byteLength ?? 0) + idBytes + 64 * namespaces.length + 128;
  }

  /** Reads list `listId` of index `indexId` from SQL. */
  static load(sql: Sql, indexId: number, listId: number, model: IvfModel): IvfList {
    const d = model.d;
    // Counted first (an index-only read), so the codes land in one buffer of the right size.
    const expected = sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM vec_items WHERE index_id = ? AND list_id = ?", indexId, listId)
      .one().n;
    const rows = sql
      .exec("SELECT id, ns, code FROM vec_items WHERE index_id = ? AND list_id = ?", indexId, listId)
      .raw();
    const ids: string[] = [];
    const nsIdx: number[] = [];
    const namespaces: string[] = [];
    const nsOf = new Map<string, number>();
    let codes = new Int8Array(Math.max(1, expected) * d);
    let corrupt = 0;
    for (const row of rows) {
      const code = row[2] as ArrayBuffer | null;
      if (!code || code.byteLength !== d) {
        corrupt++;
        continue;
      }
      const n = ids.length;
      if ((n + 1) * d > codes.length) {
        const grown = new Int8Array(codes.length * 2);
        grown.set(codes);
        codes = grown;
      }
      codes.set(new Int8Array(code), n * d);
      ids.push(row[0] as string);
      const ns = row[1] as string;
      let k = nsOf.get(ns);
      if (k === undefined) {
        k = namespaces.length;
        namespaces.push(ns);
        nsOf.set(ns, k);
      }
      nsIdx.push(k);
    }
    const packed = ids.length * d === codes.length ? codes : codes.slice(0, ids.length * d);
    let normSq: Float32Array | null = null;
    if (model.metric === "euclidean") {
      normSq = new Float32Array(ids.length);
      for (let i = 0; i < ids.length; i++) normSq[i] = model.quantizer.decodedNormSq(packed, i * d);
    }
    return new IvfList(ids, Int32Array.from(nsIdx), namespaces, packed, normSq, corrupt);
  }
}

/** A query as the IVF scan needs it. */
export interface IvfQuery {
  indexId: number;
  model: IvfModel;
  /** The query, unit length under cosine. */
  prepared: Float32Array;
  topK: number;
  nprobe: number;
  rerank: number;
  namespace: string | undefined;
  /** Ids that pass the filter, or null for no filter. */
  allowed: Set<string> | null;
  /** The cache key prefix of this generation. */
  keyPrefix: string;
}

/** Candidates from the lists, best approximate first, and the lists scanned. */
export interface IvfCandidates {
  ids: string[];
  listsScanned: number;
  corrupt: number;
}

function getList(sql: Sql, cache: VectorCache, q: IvfQuery, listId: number): IvfList {
  const key = `${q.keyPrefix}list:${listId}`;
  const hit = cache.get<IvfList>(key);
  if (hit) return hit;
  const list = IvfList.load(sql, q.indexId, listId, q.model);
  cache.set(key, list);
  return list;
}

/** Scans lists in centroid order; returns the `rerank` best candidate ids by int8 score. */
export function ivfCandidates(sql: Sql, cache: VectorCache, q: IvfQuery): IvfCandidates {
  const { model } = q;
  const d = model.d;
  const order = model.rank(q.prepared);
  const qs = new Float32Array(d);
  const constant = model.quantizer.prepare(q.prepared, qs);
  let qNormSq = 0;
  for (let i = 0; i < d; i++) qNormSq += (q.prepared[i] as number) * (q.prepared[i] as number);
  const top = new TopK(q.rerank);
  const four = new Float64Array(4);
  let scanned = 0;
  let corrupt = 0;
  for (let li = 0; li < order.length; li++) {
    if (li >= q.nprobe && top.size >= q.topK) break;
    const list = getList(sql, cache, q, order[li] as number);
    scanned++;
    corrupt += list.corrupt;
    const nsWanted = q.namespace === undefined ? -1 : list.namespaces.indexOf(q.namespace);
    if (q.namespace !== undefined && nsWanted < 0) continue;
    const n = list.ids.length;
    const key = (dot: number, j: number) =>
      model.metric === "euclidean" ? qNormSq - 2 * dot + (list.normSq?.[j] as number) : -dot;
    let j = 0;
    if (q.allowed === null && list.namespaces.length <= 1) {
      // Every entry qualifies: four rows per pass over the query.
      for (; j + 4 <= n; j += 4) {
        dot4Int8At(qs, list.codes, j, d, four);
        for (let r = 0; r < 4; r++) {
          const k = key((four[r] as number) + constant, j + r);
          if (top.accepts(k)) top.offer(k, list.ids[j + r] as string);
        }
      }
    }
    for (; j < n; j++) {
      if (nsWanted >= 0 && list.ns[j] !== nsWanted) continue;
      if (q.allowed !== null && !q.allowed.has(list.ids[j] as string)) continue;
      const k = key(dotInt8At(qs, list.codes, j * d, d) + constant, j);
      if (top.accepts(k)) top.offer(k, list.ids[j] as string);
    }
  }
  return { ids: top.sorted().map((e) => e.id), listsScanned: scanned, corrupt };
}
