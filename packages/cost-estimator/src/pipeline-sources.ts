/**
 * What the pipeline reads of each table, assembled from the statistics cache: the request
 * binding (columns and the table's resolver), column views, the columnar reservoir, partition
 * statistics and which columns lead an index. Cached per catalog version and statistics version,
 * so a warm estimate runs no SQL.
 * @module
 */
import type { Tables } from "@durable/tables";
import { columnView } from "./column-view.ts";
import { ColumnarSample } from "./matcher.ts";
import type { PartitionStatsProvider } from "./partition-stats.ts";
import type { PipelineTable } from "./pipeline.ts";
import type { TableBinding } from "./request.ts";
import type { StatsCache } from "./stats-cache.ts";
import type { TableStats } from "./table-stats.ts";

const EMPTY_SAMPLE = new ColumnarSample([]);

/** The pipeline's view of the tables. */
export class PipelineSources {
  readonly #tables: Tables;
  readonly #cache: StatsCache;
  readonly #partitions: PartitionStatsProvider | undefined;
  readonly #target: number;
  readonly #bindings = new WeakMap<object, TableBinding>();
  readonly #samples = new WeakMap<TableStats, { version: number; sample: ColumnarSample }>();

  constructor(tables: Tables, cache: StatsCache, partitions: PartitionStatsProvider | undefined, target: number) {
    this.#tables = tables;
    this.#cache = cache;
    this.#partitions = partitions;
    this.#target = target;
  }

  /** A table's columns and resolver. @throws {TABLE_NOT_FOUND} 404 */
  binding(name: string): TableBinding {
    const codec = this.#tables.rows.codec(name);
    let b = this.#bindings.get(codec);
    if (!b) {
      b = { name, columns: new Map(codec.def.columns.map((c) => [c.name, c.type])), resolve: codec.resolve };
      this.#bindings.set(codec, b);
    }
    return b;
  }

  /** A table for the pipeline; `heuristic` hides every statistic but the row count. */
  table(name: string, heuristic: boolean): PipelineTable {
    const t = this.#cache.get(name);
    const def = this.#cache.def(name);
    const indexed = new Set([def.primaryKey[0] ?? "", ...def.indexes.map((ix) => ix.columns[0] ?? "")]);
    if (heuristic) {
      return {
        name,
        rows: t.rowCount,
        view: () => null,
        sample: EMPTY_SAMPLE,
        partition: undefined,
        indexed,
        version: -1,
      };
    }
    const target = this.#target;
    return {
      name,
      rows: t.rowCount,
      view: (col) => {
        const c = t.columns.get(col);
        return c ? columnView(t, c, target) : null;
      },
      sample: t.rowCount === 0 ? EMPTY_SAMPLE : this.#sampleOf(t),
      partition: this.#partitions?.stats(name),
      indexed,
      version: t.version,
    };
  }

  #sampleOf(t: TableStats): ColumnarSample {
    const hit = this.#samples.get(t);
    if (hit && hit.version === t.version) return hit.sample;
    const sample = new ColumnarSample(t.reservoir.rows.slice());
    this.#samples.set(t, { version: t.version, sample });
    return sample;
  }
}
