/**
 * The 12 dashboard shapes, as pre-agg queries, and the same queries as SQL GROUP BYs for
 * SQLite and DuckDB (generated from the one query so all three answer the same question).
 * @module
 */
import type { AnalyticsQuery } from "@durable/pre-agg";

const BUSIEST = ["ATL", "ORD", "DFW", "LAX", "PHX", "IAH", "DEN", "LAS", "DTW", "MSP"];
const FULL = { from: "2001-01-01", to: "2002-01-01" };

/** The shapes by name. */
export const SHAPES: Record<string, AnalyticsQuery> = {
  monthly_totals_per_origin: {
    table: "flights",
    measures: [{ agg: "count" }, { agg: "sum", column: "delay" }],
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "month", range: FULL },
  },
  ord_daily_delay_march: {
    table: "flights",
    measures: [{ agg: "avg", column: "delay" }, { agg: "count" }],
    timeDimension: { column: "date", grain: "day", range: { from: "2001-03-01", to: "2001-04-01" } },
    where: { col: "origin", op: "=", value: "ORD" },
  },
  weekly_p50_p90_busiest: {
    table: "flights",
    measures: [
      { agg: "quantiles", column: "delay", q: 0.5 },
      { agg: "quantiles", column: "delay", q: 0.9 },
    ],
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "week", range: { from: "2001-01-01", to: "2001-07-02" } },
    where: { col: "origin", op: "in", values: BUSIEST },
  },
  distinct_destinations_quarter: {
    table: "flights",
    measures: [{ agg: "countDistinct", column: "destination" }],
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "quarter", range: FULL },
  },
  route_sums_origin_in: {
    table: "flights",
    measures: [{ agg: "count" }, { agg: "sum", column: "delay" }],
    dimensions: ["origin", "destination"],
    timeDimension: { column: "date", range: FULL },
    where: { col: "origin", op: "in", values: ["SFO", "LAX", "SEA", "PDX"] },
  },
  sfo_hourly_one_week: {
    table: "flights",
    measures: [{ agg: "count" }, { agg: "max", column: "delay" }],
    timeDimension: { column: "date", grain: "hour", range: { from: "2001-02-05", to: "2001-02-12" } },
    where: { col: "origin", op: "=", value: "SFO" },
  },
  monthly_delay_overall: {
    table: "flights",
    measures: [
      { agg: "avg", column: "delay" },
      { agg: "min", column: "delay" },
      { agg: "max", column: "delay" },
    ],
    timeDimension: { column: "date", grain: "month", range: FULL },
  },
  daily_variance_feb: {
    table: "flights",
    measures: [{ agg: "variance", column: "delay" }, { agg: "count" }],
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "day", range: { from: "2001-02-01", to: "2001-03-01" } },
    where: { col: "origin", op: "in", values: ["ORD", "ATL", "DFW"] },
  },
  totals_per_origin: {
    table: "flights",
    measures: [{ agg: "count" }, { agg: "sum", column: "distance" }],
    dimensions: ["origin"],
  },
  ord_routes_weekly: {
    table: "flights",
    measures: [{ agg: "count" }, { agg: "avg", column: "delay" }],
    dimensions: ["destination"],
    timeDimension: { column: "date", grain: "week", range: { from: "2001-01-01", to: "2001-07-02" } },
    where: { col: "origin", op: "=", value: "ORD" },
  },
  monthly_distance_top5: {
    table: "flights",
    measures: [{ agg: "sum", column: "distance" }],
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "month", range: FULL },
    where: { col: "origin", op: "in", values: BUSIEST.slice(0, 5) },
  },
  quarterly_avg_delay: {
    table: "flights",
    measures: [
      { agg: "avg", column: "delay" },
      { agg: "stddev", column: "delay" },
    ],
    dimensions: ["origin"],
    timeDimension: { column: "date", grain: "quarter", range: FULL },
  },
};

const MS: Record<string, number> = { hour: 3_600_000, day: 86_400_000 };

function sqliteBucket(grain: string): string {
  if (MS[grain]) return `(date / ${MS[grain]}) * ${MS[grain]}`;
  if (grain === "week") return "((date + 259200000) / 604800000) * 604800000 - 259200000";
  if (grain === "month") return "CAST(strftime('%s', date / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000";
  if (grain === "year") return "CAST(strftime('%s', date / 1000, 'unixepoch', 'start of year') AS INTEGER) * 1000";
  // quarter: the first month of the quarter.
  return "CAST(strftime('%s', date / 1000, 'unixepoch', 'start of month', '-' || ((CAST(strftime('%m', date / 1000, 'unixepoch') AS INTEGER) - 1) % 3) || ' months') AS INTEGER) * 1000";
}

function lit(v: unknown): string {
  return typeof v === "string" ? `'${v.replace(/'/g, "''")}'` : String(v);
}

function whereSql(q: AnalyticsQuery): string {
  const parts: string[] = [];
  const r = q.timeDimension?.range;
  if (r) parts.push(`date >= ${Date.parse(r.from)} AND date < ${Date.parse(r.to)}`);
  const w = q.where as { col: string; op: string; value?: unknown; values?: unknown[] } | undefined;
  if (w?.op === "=") parts.push(`${w.col} = ${lit(w.value)}`);
  if (w?.op === "in") parts.push(`${w.col} IN (${(w.values ?? []).map(lit).join(", ")})`);
  return parts.length ? `WHERE ${parts.join(" AND ")}` : "";
}

/** Output name of a measure (pre-agg's default naming). */
export function outName(m: AnalyticsQuery["measures"][number]): string {
  if (m.agg === "count") return m.column ? `count_${m.column}` : "count";
  if (m.agg === "quantiles") return `p${(m.q ?? 0.5) * 100}_${m.column}`;
  return `${m.agg}_${m.column}`;
}

/** The query as SQL for `engine`; null when SQLite has no such aggregate (quantiles). */
export function toSql(q: AnalyticsQuery, engine: "sqlite" | "duckdb"): string | null {
  const grain = q.timeDimension?.grain;
  const select: string[] = [];
  const group: string[] = [];
  if (grain) {
    select.push(
      `${engine === "sqlite" ? sqliteBucket(grain) : `epoch_ms(date_trunc('${grain}', make_timestamp(date * 1000)))`} AS date`,
    );
    group.push("1");
  }
  for (const d of q.dimensions ?? []) {
    select.push(d);
    group.push(d);
  }
  for (const m of q.measures) {
    const c = m.column ?? "*";
    const name = outName(m);
    switch (m.agg) {
      case "count":
        select.push(`count(${c}) AS ${name}`);
        break;
      case "variance":
      case "stddev": {
        const v =
          engine === "duckdb"
            ? `var_samp(${c})`
            : `(sum(${c} * ${c}) - 1.0 * sum(${c}) * sum(${c}) / count(${c})) / (count(${c}) - 1)`;
        select.push(`${m.agg === "stddev" ? (engine === "duckdb" ? `sqrt(${v})` : `sqrt(${v})`) : v} AS ${name}`);
        break;
      }
      case "countDistinct":
        select.push(`count(DISTINCT ${c}) AS ${name}`);
        break;
      case "quantiles": {
        if (engine === "sqlite") return null;
        const q0 = m.q ?? 0.5;
        select.push(`quantile_disc(${c}, ${q0}) AS ${name}`);
        select.push(`quantile_disc(${c}, ${Math.max(0, q0 - 0.02)}) AS lo_${name}`);
        select.push(`quantile_disc(${c}, ${Math.min(1, q0 + 0.02)}) AS hi_${name}`);
        break;
      }
      default:
        select.push(`${m.agg}(${c}) AS ${name}`);
    }
  }
  return `SELECT ${select.join(", ")} FROM ${engine === "sqlite" ? "t_flights" : "flights"} ${whereSql(q)}${group.length ? ` GROUP BY ${group.join(", ")}` : ""}`;
}
