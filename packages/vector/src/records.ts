/**
 * Validation of a write call, whole, before anything is applied: ids, values (kept as
 * float32), namespaces and metadata, against the index's dimensions and metric. A call with
 * one bad record writes nothing.
 * @module
 */
import { PlatformError } from "@durable/core";
import type { IndexConfig, MetadataIndex, Metric } from "./config.ts";
import { vectorError } from "./errors.ts";
import { VECTOR_LIMITS as L } from "./limits.ts";
import type { Metadata, VectorRecord } from "./types.ts";
import { truncateUtf8, utf8Length } from "./utf8.ts";

/** A record ready to store. */
export interface PreparedRecord {
  id: string;
  /** "" when the record has no namespace. */
  ns: string;
  values: Float32Array;
  /** L2 norm of the float32 values. */
  norm: number;
  /** Compact JSON of the full metadata, or null. */
  metadata: string | null;
  /** The declared properties only (strings cut to 64 bytes), as JSON keyed by property, or null. */
  indexed: string | null;
}

/**
 * Checks an id: a string of 1–64 UTF-8 bytes.
 * @throws {INVALID_ID} 400
 */
export function checkId(id: unknown, position: number): string {
  if (typeof id !== "string" || id.length === 0 || utf8Length(id) > L.maxIdBytes) {
    throw vectorError("INVALID_ID", `ids[${position}]: an id is a string of 1–${L.maxIdBytes} bytes`);
  }
  return id;
}

/**
 * Checks a list of ids for a read or delete: 1–100 distinct valid ids.
 * @throws {EMPTY_BATCH} · {TOO_MANY_IDS} 413 · {INVALID_ID} · {DUPLICATE_IDS}
 */
export function checkIds(ids: unknown, allowEmpty = false): string[] {
  if (!Array.isArray(ids)) throw vectorError("INVALID_INPUT", "ids must be an array of strings");
  if (ids.length === 0 && !allowEmpty) throw vectorError("EMPTY_BATCH", "ids must not be empty");
  if (ids.length > L.maxIdsPerCall) {
    throw vectorError("TOO_MANY_IDS", `at most ${L.maxIdsPerCall} ids per call, got ${ids.length}`);
  }
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    const ok = checkId(id, i);
    if (seen.has(ok)) throw vectorError("DUPLICATE_IDS", `ids[${i}]: ${ok} appears twice`);
    seen.add(ok);
  });
  return ids as string[];
}

/**
 * Checks a namespace: a string of 1–64 bytes.
 * @throws {INVALID_NAMESPACE} 400
 */
export function checkNamespace(ns: unknown, where = "namespace"): string {
  if (typeof ns !== "string" || ns.length === 0 || utf8Length(ns) > L.maxNamespaceBytes) {
    throw vectorError("INVALID_NAMESPACE", `${where}: a namespace is a string of 1–${L.maxNamespaceBytes} bytes`);
  }
  return ns;
}

/**
 * A query or record vector as float32, checked against the index.
 * @throws {DIMENSION_MISMATCH} · {INVALID_VECTOR} 400
 */
export function toFloat32(values: unknown, dimensions: number, metric: Metric, position: number | null): Float32Array {
  const where = position === null ? "vector" : `vectors[${position}].values`;
  if (!(values instanceof Float32Array) && !Array.isArray(values)) {
    throw vectorError("INVALID_VECTOR", `${where}: must be an array of numbers`);
  }
  if (values.length !== dimensions) {
    throw new PlatformError("DIMENSION_MISMATCH", `${where}: expected ${dimensions} dimensions, got ${values.length}`, {
      status: 400,
      extra: { expected: dimensions, got: values.length, ...(position === null ? {} : { position }) },
    });
  }
  const out = new Float32Array(dimensions);
  let nonZero = false;
  for (let i = 0; i < dimensions; i++) {
    const v = (values as ArrayLike<unknown>)[i];
    if (typeof v !== "number") throw vectorError("INVALID_VECTOR", `${where}[${i}]: not a number`);
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw vectorError("INVALID_VECTOR", `${where}[${i}]: ${v} is not a finite float32`);
    out[i] = f;
    if (f !== 0) nonZero = true;
  }
  if (!nonZero && metric === "cosine") {
    throw vectorError("INVALID_VECTOR", `${where}: a zero vector has no cosine similarity`);
  }
  return out;
}

/** The L2 norm of a float32 vector, summed in float64. */
export function l2norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  return Math.sqrt(s);
}

function lookup(metadata: Metadata, property: string): unknown {
  if (Object.hasOwn(metadata, property)) return metadata[property];
  let cur: unknown = metadata;
  for (const part of property.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * The declared properties of `metadata` as Vectorize indexes them: the declared type only,
 * strings cut to their first 64 bytes; `a.b` reads a nested field.
 */
export function indexedMetadata(metadata: Metadata | undefined, declared: readonly MetadataIndex[]): Metadata | null {
  if (!metadata || declared.length === 0) return null;
  const out: Metadata = {};
  let any = false;
  for (const { property, type } of declared) {
    const v = lookup(metadata, property);
    if (typeof v !== type) continue;
    out[property] = typeof v === "string" ? truncateUtf8(v, L.indexedStringBytes) : v;
    any = true;
  }
  return any ? out : null;
}

/**
 * Checks metadata: a plain JSON object of at most 10 KiB compact.
 * @returns its compact JSON, or null when absent
 * @throws {INVALID_METADATA} 400 · {METADATA_TOO_LARGE} 413
 */
export function checkMetadata(metadata: unknown, position: number): string | null {
  if (metadata === undefined) return null;
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw vectorError("INVALID_METADATA", `vectors[${position}].metadata must be an object`);
  }
  let text: string;
  try {
    text = JSON.stringify(metadata);
  } catch {
    throw vectorError("INVALID_METADATA", `vectors[${position}].metadata is not JSON`);
  }
  const bytes = utf8Length(text);
  if (bytes > L.maxMetadataBytes) {
    throw vectorError(
      "METADATA_TOO_LARGE",
      `vectors[${position}].metadata is ${bytes} bytes; at most ${L.maxMetadataBytes}`,
    );
  }
  return text;
}

/**
 * Validates a whole write call.
 * @throws {EMPTY_BATCH} · {BATCH_TOO_LARGE} 413 · {INVALID_ID} · {DUPLICATE_IDS} ·
 *   {DIMENSION_MISMATCH} · {INVALID_VECTOR} · {INVALID_NAMESPACE} · {INVALID_METADATA} ·
 *   {METADATA_TOO_LARGE} 413
 */
export function prepareRecords(vectors: unknown, config: IndexConfig): PreparedRecord[] {
  if (!Array.isArray(vectors)) throw vectorError("INVALID_INPUT", "vectors must be an array");
  if (vectors.length === 0) throw vectorError("EMPTY_BATCH", "a write needs at least one vector");
  if (vectors.length > L.maxVectorsPerWrite) {
    throw vectorError("BATCH_TOO_LARGE", `at most ${L.maxVectorsPerWrite} vectors per call, got ${vectors.length}`);
  }
  const seen = new Set<string>();
  return vectors.map((raw: unknown, i): PreparedRecord => {
    if (raw === null || typeof raw !== "object") throw vectorError("INVALID_INPUT", `vectors[${i}] must be an object`);
    const r = raw as Partial<VectorRecord>;
    const id = checkId(r.id, i);
    if (seen.has(id)) throw vectorError("DUPLICATE_IDS", `vectors[${i}]: id ${id} appears twice in this call`);
    seen.add(id);
    const values = toFloat32(r.values, config.dimensions, config.metric, i);
    const ns = r.namespace === undefined ? "" : checkNamespace(r.namespace, `vectors[${i}].namespace`);
    const metadata = checkMetadata(r.metadata, i);
    const indexed = indexedMetadata(r.metadata as Metadata | undefined, config.metadataIndexes);
    return { id, ns, values, norm: l2norm(values), metadata, indexed: indexed ? JSON.stringify(indexed) : null };
  });
}
