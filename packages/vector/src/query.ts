/**
 * A query on the local backend: exact until the index is trained and holds ≥ `ivfThreshold`
 * vectors, IVF after. With a filter, the matching ids come from SQL first: when they are no
 * more than the rerank width they are scored exactly (a filter matching k < topK returns all
 * k); otherwise the IVF scan skips every id outside them before it enters the heap.
 * @module
 */
import type { IndexRow } from "./catalog.ts";
import { genKey, type LocalContext, servingModel } from "./context.ts";
import { compileFilter } from "./filter.ts";
import { defaultRerank } from "./limits.ts";
import type { ParsedQuery } from "./query-options.ts";
import { l2norm, toFloat32 } from "./records.ts";
import { exactScan, scoreIds } from "./search/exact.ts";
import { ivfCandidates } from "./search/ivf.ts";
import type { TopK } from "./search/top-k.ts";
import type { Match, Metadata, QueryResult } from "./types.ts";

/** How a query was answered (for tests and the spike). */
export interface QueryTrace {
  mode: "exact" | "ivf" | "filtered-exact";
  listsScanned: number;
}

/** Runs a checked query. */
export function queryLocal(
  ctx: LocalContext,
  index: IndexRow,
  vector: unknown,
  o: ParsedQuery,
  trace?: QueryTrace,
): QueryResult {
  const { dimensions, metric, ivfThreshold } = index.config;
  const query = toFloat32(vector, dimensions, metric, null);
  const queryNorm = l2norm(query);
  const filter = compileFilter(o.clauses);
  const base = { indexId: index.id, metric, dimensions, query, queryNorm };
  const model = !o.exact && index.vectorCount >= ivfThreshold ? servingModel(ctx, index) : null;
  let top: TopK;
  if (!model) {
    top = exactScan(ctx.sql, { ...base, namespace: o.namespace, filter }, o.topK).top;
    if (trace) Object.assign(trace, { mode: "exact", listsScanned: 0 });
  } else {
    const rerank = Math.max(index.config.rerank ?? defaultRerank(o.topK), o.topK);
    let allowed: Set<string> | null = null;
    if (o.clauses.length > 0) {
      const ns = o.namespace === undefined ? "" : " AND ns = ?";
      const ids = ctx.sql
        .exec<{ id: string }>(
          `SELECT id FROM vec_items WHERE index_id = ?${ns} AND (${filter.sql})`,
          index.id,
          ...(o.namespace === undefined ? [] : [o.namespace]),
          ...filter.bindings,
        )
        .toArray()
        .map((r) => r.id);
      if (ids.length <= rerank) {
        if (trace) Object.assign(trace, { mode: "filtered-exact", listsScanned: 0 });
        return finish(ctx, index, o, scoreIds(ctx.sql, base, ids, o.topK));
      }
      allowed = new Set(ids);
    }
    const prepared = model.prepare(query, queryNorm, new Float32Array(dimensions));
    const found = ivfCandidates(ctx.sql, ctx.cache, {
      indexId: index.id,
      model,
      prepared,
      topK: o.topK,
      nprobe: o.nprobe ?? index.config.nprobe,
      rerank,
      namespace: o.namespace,
      allowed,
      keyPrefix: genKey(ctx, index.id, index.generation),
    });
    top = scoreIds(ctx.sql, base, found.ids, o.topK);
    if (trace) Object.assign(trace, { mode: "ivf", listsScanned: found.listsScanned });
  }
  return finish(ctx, index, o, top);
}

function finish(ctx: LocalContext, index: IndexRow, o: ParsedQuery, top: TopK): QueryResult {
  const best = top.sorted();
  const details = new Map<
    string,
    { ns: string; vector: ArrayBuffer; metadata: string | null; indexed: string | null }
  >();
  if (best.length > 0) {
    const cols = `id, ns${o.returnValues ? ", vector" : ""}${o.returnMetadata === "all" ? ", metadata" : ""}${o.returnMetadata === "indexed" ? ", indexed" : ""}`;
    for (const r of ctx.sql.exec(
      `SELECT ${cols} FROM vec_items WHERE index_id = ? AND id IN (SELECT value FROM json_each(?))`,
      index.id,
      JSON.stringify(best.map((b) => b.id)),
    )) {
      details.set(r.id as string, r as never);
    }
  }
  const matches = best.map((b): Match => {
    const m: Match = { id: b.id, score: index.config.metric === "cosine" ? -b.key : b.key };
    const row = details.get(b.id);
    if (row?.ns) m.namespace = row.ns;
    if (o.returnValues && row?.vector) m.values = Array.from(new Float32Array(row.vector));
    const meta = o.returnMetadata === "all" ? row?.metadata : o.returnMetadata === "indexed" ? row?.indexed : null;
    if (o.returnMetadata !== "none") m.metadata = meta ? (JSON.parse(meta) as Metadata) : {};
    return m;
  });
  return { count: matches.length, matches };
}
