/**
 * The index catalog (`vec_indexes`): configurations, modes, generations and counts. Names are
 * unique among live indexes; a dropped index keeps its row (and integer id) until its vectors
 * are gone, so it is a 404 at once while its rows go in chunks.
 * @module
 */
import type { Sql } from "@durable/core";
import type { IndexConfig } from "./config.ts";
import { vectorError } from "./errors.ts";

/** One index as the catalog holds it. */
export interface IndexRow {
  id: number;
  name: string;
  config: IndexConfig;
  mode: "exact" | "ivf";
  generation: number;
  trainedCount: number;
  lastMutation: string | null;
  vectorCount: number;
}

type Raw = {
  id: number;
  name: string;
  config: string;
  mode: string;
  generation: number;
  trained_count: number;
  last_mutation: string | null;
  vector_count: number;
};

const COLUMNS = "id, name, config, mode, generation, trained_count, last_mutation, vector_count";

function toRow(r: Raw): IndexRow {
  return {
    id: r.id,
    name: r.name,
    config: JSON.parse(r.config) as IndexConfig,
    mode: r.mode === "ivf" ? "ivf" : "exact",
    generation: r.generation,
    trainedCount: r.trained_count,
    lastMutation: r.last_mutation,
    vectorCount: r.vector_count,
  };
}

/** SQL access to `vec_indexes`. */
export class Catalog {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The live index called `name`, or undefined. */
  find(name: string): IndexRow | undefined {
    const r = this.#sql
      .exec<Raw>(`SELECT ${COLUMNS} FROM vec_indexes WHERE name = ? AND dropped = 0`, name)
      .toArray()[0];
    return r ? toRow(r) : undefined;
  }

  /**
   * The live index called `name`.
   * @throws {INDEX_NOT_FOUND} 404
   */
  get(name: string): IndexRow {
    const row = this.find(name);
    if (!row) throw vectorError("INDEX_NOT_FOUND", `no vector index named ${name}`);
    return row;
  }

  /** A row by integer id (also a dropped one). */
  byId(id: number): IndexRow | undefined {
    const r = this.#sql.exec<Raw>(`SELECT ${COLUMNS} FROM vec_indexes WHERE id = ?`, id).toArray()[0];
    return r ? toRow(r) : undefined;
  }

  /** Every live index, by name. */
  list(): IndexRow[] {
    return this.#sql
      .exec<Raw>(`SELECT ${COLUMNS} FROM vec_indexes WHERE dropped = 0 ORDER BY name`)
      .toArray()
      .map(toRow);
  }

  liveCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM vec_indexes WHERE dropped = 0").one().n;
  }

  insert(config: IndexConfig, nowMs: number): number {
    this.#sql.exec(
      "INSERT INTO vec_indexes (name, config, mode, created_at) VALUES (?, ?, 'exact', ?)",
      config.name,
      JSON.stringify(config),
      nowMs,
    );
    return this.#sql.exec<{ id: number }>("SELECT last_insert_rowid() AS id").one().id;
  }

  /** Records a write: the count change and the mutation id. */
  recordMutation(id: number, countDelta: number, mutationId: string): void {
    this.#sql.exec(
      "UPDATE vec_indexes SET vector_count = vector_count + ?, last_mutation = ? WHERE id = ?",
      countDelta,
      mutationId,
      id,
    );
  }

  /** Makes generation `generation` the serving one. */
  promote(id: number, generation: number, trainedCount: number): void {
    this.#sql.exec(
      "UPDATE vec_indexes SET mode = 'ivf', generation = ?, trained_count = ? WHERE id = ?",
      generation,
      trainedCount,
      id,
    );
  }

  markDropped(id: number): void {
    this.#sql.exec("UPDATE vec_indexes SET dropped = 1 WHERE id = ?", id);
  }

  /** Dropped indexes whose rows are still being deleted. */
  dropped(): number[] {
    return this.#sql
      .exec<{ id: number }>("SELECT id FROM vec_indexes WHERE dropped = 1")
      .toArray()
      .map((r) => r.id);
  }

  remove(id: number): void {
    this.#sql.exec("DELETE FROM vec_indexes WHERE id = ?", id);
  }
}
