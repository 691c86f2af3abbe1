/**
 * The platform's glue for @durable/vector: reads `VECTOR_BACKEND` (`local`, the default, or
 * `vectorize`), `VECTORIZE_INDEXES` (JSON, index name → binding name) and `EMBEDDER` from the
 * environment, zod-validated like `PLANS`. A bad configuration does not stop the DO: the vector
 * routes alone answer 503 `CONFIG_INVALID`. Workers AI embeds when `EMBEDDER = "workers-ai"` and
 * an `AI` binding exists; otherwise the lexical development embedder does. Vectors always live
 * in the tenant's namespace.
 * @module
 */
import { type CapabilityDefinition, describeZodError, safeParse } from "@durable/core";
import {
  type AiLike,
  createVectorStore,
  type Embedder,
  LexicalHashEmbedder,
  type VectorBackend,
  type VectorCapability,
  type VectorizeLike,
  vectorCapability,
  WorkersAiEmbedder,
} from "@durable/vector";
import * as z from "zod/mini";

/** What the vector glue reads from `env` (bindings are looked up by the names in `VECTORIZE_INDEXES`). */
export interface VectorEnv {
  VECTOR_BACKEND?: string;
  VECTORIZE_INDEXES?: string;
  EMBEDDER?: string;
  AI?: unknown;
}

const BackendSchema = z.enum(["local", "vectorize"]);
const IndexesSchema = z.record(
  z.string().check(z.regex(/^[a-z0-9_-]{1,64}$/, "an index name: 1–64 of [a-z0-9_-]")),
  z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a binding name")),
);

/**
 * The backend the environment asks for; a bad one is `{ kind: "invalid" }` (503 on use).
 * @param env the Worker's env (bindings looked up by name)
 */
export function vectorBackend(env: VectorEnv): VectorBackend {
  const kind = safeParse(BackendSchema, env.VECTOR_BACKEND ?? "local");
  if (!kind.success) return { kind: "invalid", reason: `VECTOR_BACKEND: ${describeZodError(kind.error)}` };
  if (kind.data === "local") return { kind: "local" };
  let raw: unknown;
  try {
    raw = JSON.parse(env.VECTORIZE_INDEXES ?? "{}");
  } catch {
    return { kind: "invalid", reason: "VECTORIZE_INDEXES is not JSON" };
  }
  const indexes = safeParse(IndexesSchema, raw);
  if (!indexes.success) return { kind: "invalid", reason: `VECTORIZE_INDEXES: ${describeZodError(indexes.error)}` };
  const bindings: Record<string, VectorizeLike> = {};
  for (const [index, binding] of Object.entries(indexes.data)) {
    const value = (env as Record<string, unknown>)[binding];
    if (!value || typeof (value as VectorizeLike).query !== "function") {
      return {
        kind: "invalid",
        reason: `VECTOR_BACKEND is vectorize but binding ${binding} (index ${index}) is missing`,
      };
    }
    bindings[index] = value as VectorizeLike;
  }
  if (Object.keys(bindings).length === 0) {
    return { kind: "invalid", reason: "VECTOR_BACKEND is vectorize but VECTORIZE_INDEXES names no binding" };
  }
  return { kind: "vectorize", bindings };
}

/** The active embedder: Workers AI when asked for and bound, else the lexical development one. */
export function vectorEmbedder(env: VectorEnv): Embedder {
  const ai = env.AI as AiLike | undefined;
  if (env.EMBEDDER === "workers-ai" && ai && typeof ai.run === "function") return new WorkersAiEmbedder(ai);
  return new LexicalHashEmbedder(768);
}

/**
 * The vector capability of a tenant DO, configured from `env` (the store and its caches are
 * built when the DO composes it; the isolate's list cache on first use).
 */
export function platformVector(env: VectorEnv): CapabilityDefinition<VectorCapability> {
  return vectorCapability(
    (ports) =>
      createVectorStore(
        {
          sql: ports.sql,
          transactionSync: ports.transactionSync,
          clock: ports.clock,
          wake: ports.wake,
          tenant: ports.tenant,
        },
        { backend: vectorBackend(env), embedder: vectorEmbedder(env) },
      ),
    { tenantNamespace: true },
  );
}
