/**
 * The spike's three rollups: `by_origin_hour`, `by_route_day` and `by_origin_month`.
 * @module
 */
const DELAY_MEASURES = [
  { name: "flights", agg: "count" },
  { name: "delay_sum", agg: "sum", column: "delay" },
  { name: "delay_avg", agg: "avg", column: "delay" },
  { name: "delay_min", agg: "min", column: "delay" },
  { name: "delay_max", agg: "max", column: "delay" },
  { name: "delay_var", agg: "variance", column: "delay" },
  { name: "delay_q", agg: "quantiles", column: "delay" },
  { name: "distance_sum", agg: "sum", column: "distance" },
  { name: "destinations", agg: "countDistinct", column: "destination" },
];

/** The definitions. */
export const ROLLUPS = [
  {
    name: "by_origin_hour",
    source: "flights",
    measures: DELAY_MEASURES,
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "hour" },
  },
  {
    name: "by_route_day",
    source: "flights",
    measures: [
      { name: "flights", agg: "count" },
      { name: "delay_sum", agg: "sum", column: "delay" },
      { name: "delay_avg", agg: "avg", column: "delay" },
    ],
    dimensions: ["origin", "destination"],
    timeDimension: { column: "date", grain: "day" },
  },
  {
    name: "by_origin_month",
    source: "flights",
    measures: DELAY_MEASURES,
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "month" },
  },
];
