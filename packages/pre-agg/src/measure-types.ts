/**
 * The Arrow column type of a measure whose type never depends on the data (docs/arrow.md), shared
 * by pre-agg's and the query router's tabular answers. A module of its own, so the router's bundle
 * takes this table without pre-agg's routes.
 * @module
 */
import type { TabularType } from "@durable/core";

/** Aggregates whose result type never depends on the data; every other measure is a computed column. */
export const MEASURE_TYPES: Readonly<Record<string, TabularType>> = {
  count: "integer",
  countDistinct: "integer",
  avg: "real",
  variance: "real",
  stddev: "real",
};
