/**
 * Query options, checked the same way by both backends: topK 1–100 (1–50 with values or all
 * metadata, Vectorize's cap), `returnMetadata` `none` | `indexed` | `all` (V1's booleans read
 * as `all`/`none`), the namespace and the filter.
 * @module
 */
import type { IndexConfig } from "./config.ts";
import { vectorError } from "./errors.ts";
import { type FilterClause, parseFilter } from "./filter.ts";
import { VECTOR_LIMITS as L } from "./limits.ts";
import { checkNamespace } from "./records.ts";
import type { QueryOptions, ReturnMetadata } from "./types.ts";

/** Options after checking, with defaults. */
export interface ParsedQuery {
  topK: number;
  namespace: string | undefined;
  clauses: FilterClause[];
  returnValues: boolean;
  returnMetadata: ReturnMetadata;
  nprobe: number | undefined;
  exact: boolean;
}

/**
 * Checks query options against an index.
 * @throws {INVALID_TOPK} (naming the cap) · {INVALID_FILTER} · {FILTER_NOT_INDEXED} ·
 *   {INVALID_NAMESPACE} · {INVALID_INPUT} 400
 */
export function parseQueryOptions(options: QueryOptions | undefined, config: IndexConfig): ParsedQuery {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw vectorError("INVALID_INPUT", "query options must be an object");
  const rv = o.returnValues ?? false;
  if (typeof rv !== "boolean") throw vectorError("INVALID_INPUT", "returnValues must be a boolean");
  const rmRaw = o.returnMetadata ?? "none";
  const returnMetadata: ReturnMetadata = rmRaw === true ? "all" : rmRaw === false ? "none" : (rmRaw as ReturnMetadata);
  if (!["none", "indexed", "all"].includes(returnMetadata)) {
    throw vectorError("INVALID_INPUT", "returnMetadata must be 'none', 'indexed' or 'all'");
  }
  const cap = rv || returnMetadata === "all" ? L.maxTopKWithData : L.maxTopK;
  const topK = o.topK ?? L.defaultTopK;
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1 || topK > cap) {
    const why = cap === L.maxTopKWithData ? " with returnValues or returnMetadata 'all'" : "";
    throw vectorError("INVALID_TOPK", `topK must be an integer from 1 to ${cap}${why}, got ${String(topK)}`);
  }
  const namespace = o.namespace === undefined ? undefined : checkNamespace(o.namespace);
  const nprobe = o.nprobe;
  if (nprobe !== undefined && (typeof nprobe !== "number" || !Number.isInteger(nprobe) || nprobe < 1)) {
    throw vectorError("INVALID_INPUT", "nprobe must be a positive integer");
  }
  return {
    topK,
    namespace,
    clauses: parseFilter(o.filter, config.metadataIndexes),
    returnValues: rv,
    returnMetadata,
    nprobe: nprobe as number | undefined,
    exact: o.exact === true,
  };
}
