/**
 * The vector package's own tables (`vec_`, owner `vector`), not catalog tables: vectors are
 * neither writable through `/tables` nor counted among the 64 tables nor sent to row observers.
 * An index is keyed by an integer `id`, so a dropped index's rows can go 5,000 per wake-up while
 * a new index of the same name already serves.
 * @module
 */
import type { MigrationSet } from "@durable/core";

/** The migrations of the vector capability. */
export const VECTOR_MIGRATIONS: MigrationSet = {
  owner: "vector",
  prefix: "vec_",
  migrations: [
    {
      version: 1,
      name: "indexes, items, centroids, training and Vectorize id maps",
      sql: `CREATE TABLE vec_indexes (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL, mode TEXT NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0, trained_count INTEGER NOT NULL DEFAULT 0, last_mutation TEXT,
  vector_count INTEGER NOT NULL DEFAULT 0, dropped INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL) STRICT;
CREATE UNIQUE INDEX vec_indexes_live_name ON vec_indexes (name) WHERE dropped = 0;
CREATE TABLE vec_items (
  index_id INTEGER NOT NULL, id TEXT NOT NULL, ns TEXT NOT NULL, vector BLOB NOT NULL, norm REAL NOT NULL,
  metadata TEXT, indexed TEXT, list_id INTEGER, code BLOB, updated_at INTEGER NOT NULL,
  PRIMARY KEY (index_id, id)) STRICT;
CREATE INDEX vec_items_ns_list ON vec_items (index_id, ns, list_id);
CREATE INDEX vec_items_list ON vec_items (index_id, list_id);
CREATE TABLE vec_centroids (
  index_id INTEGER NOT NULL, generation INTEGER NOT NULL, list_id INTEGER NOT NULL,
  centroid BLOB, qmin BLOB, qscale BLOB, PRIMARY KEY (index_id, generation, list_id)) STRICT;
CREATE TABLE vec_train (
  index_id INTEGER PRIMARY KEY, generation INTEGER NOT NULL, phase TEXT NOT NULL, nlist INTEGER NOT NULL,
  sample TEXT NOT NULL, sample_size INTEGER NOT NULL, iteration INTEGER NOT NULL, cursor TEXT NOT NULL,
  reassigned INTEGER NOT NULL, added INTEGER NOT NULL, min_dist BLOB, assign BLOB, qmin BLOB, qmax BLOB,
  chunks INTEGER NOT NULL, started_count INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE vec_train_acc (
  index_id INTEGER NOT NULL, list_id INTEGER NOT NULL, sum BLOB NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (index_id, list_id)) STRICT;
CREATE TABLE vec_train_assign (
  index_id INTEGER NOT NULL, id TEXT NOT NULL, list_id INTEGER NOT NULL, code BLOB NOT NULL,
  PRIMARY KEY (index_id, id)) STRICT;
CREATE TABLE vec_vectorize_ids (
  index_name TEXT NOT NULL, hash TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (index_name, hash)) STRICT;`,
    },
  ],
};
