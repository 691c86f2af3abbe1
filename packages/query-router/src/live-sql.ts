/**
 * Live answers over a catalog table of this DO: one parameterized SELECT … GROUP BY over
 * tables' `storageTable(name)`, identifiers only from the catalog, `where` compiled by core's
 * `compilePredicate` with the table's resolver (values bound; an `in` list is one `json_each`
 * binding), so no statement exceeds 100 parameters or 100 KB. Exact count, sum, avg, min, max
 * and COUNT(DISTINCT). Variance, stddev, quantiles and a time grain in a zone other than UTC
 * are grouped into mergeable states instead (one SELECT of the needed columns; compensated
 * sums, KLL quantiles, buckets by the zone's calendar), the same states a fan-out merges.
 * @module
 */
import type { Sql, SqlValue } from "@durable/core";
import { type AnalyticsQuery, type Grain, measureName } from "@durable/pre-agg";
import { storageTable, type Tables } from "@durable/tables";
import type { Row } from "./answer.ts";
import { qrError } from "./errors.ts";
import { computePartial, liveWhere, mergePartials } from "./partial-states.ts";
import { checkColumns } from "./query-input.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK_EPOCH = -3 * DAY;

/** A floor to a fixed step that is right for negative instants too. */
function floorTo(col: string, step: number, origin = 0): string {
  return `(${col} - (((${col} - (${origin})) % ${step}) + ${step}) % ${step})`;
}

/** SQL for the UTC bucket start (epoch ms) of an epoch-ms column. */
export function utcBucketSql(col: string, grain: Grain): string {
  const day = `strftime('%Y-%m-%d', ${col} / 1000.0, 'unixepoch')`;
  const toMs = (date: string) => `(CAST(strftime('%s', ${date}) AS INTEGER) * 1000)`;
  switch (grain) {
    case "minute":
      return floorTo(col, MINUTE);
    case "hour":
      return floorTo(col, HOUR);
    case "day":
      return floorTo(col, DAY);
    case "week":
      return floorTo(col, 7 * DAY, WEEK_EPOCH);
    case "month":
      return toMs(`substr(${day}, 1, 7) || '-01'`);
    case "quarter":
      return toMs(
        `substr(${day}, 1, 5) || printf('%02d', ((CAST(substr(${day}, 6, 2) AS INTEGER) - 1) / 3) * 3 + 1) || '-01'`,
      );
    case "year":
      return toMs(`substr(${day}, 1, 4) || '-01-01'`);
  }
}

/** Whether one GROUP BY can answer `q` exactly (else states are grouped in memory). */
function sqlCanAnswer(q: AnalyticsQuery): boolean {
  const zone = q.timeDimension?.timeZone ?? "UTC";
  if (q.timeDimension?.grain && zone !== "UTC") return false;
  return q.measures.every((m) => m.agg !== "variance" && m.agg !== "stddev" && m.agg !== "quantiles");
}

/**
 * The live answer of `q` (rows before order and limit).
 * @throws {TABLE_NOT_FOUND} 404 · {UNKNOWN_FIELD} · {INVALID_PREDICATE} 400 · {GROUP_LIMIT_EXCEEDED} 413
 */
export function liveQuery(tables: Tables, sql: Sql, q: AnalyticsQuery, maxGroups: number): Row[] {
  const codec = tables.rows.codec(q.table);
  checkColumns(q, codec.columns);
  if (!sqlCanAnswer(q)) return mergePartials(q, [computePartial(tables, sql, q, { maxGroups })], maxGroups);
  const dims = q.dimensions ?? [];
  const td = q.timeDimension;
  const col = (name: string) => codec.resolve(name).sql;
  const groups = dims.map(col);
  if (td?.grain) groups.push(utcBucketSql(col(td.column), td.grain));
  const measures = q.measures.map((m) => {
    const c = m.column === undefined ? undefined : col(m.column);
    switch (m.agg) {
      case "count":
        return c ? `count(${c})` : "count(*)";
      case "sum":
        return codec.column(m.column ?? "")?.type === "integer"
          ? `sum(${c})`
          : `CASE WHEN count(${c}) = 0 THEN NULL ELSE total(${c}) END`;
      case "countDistinct":
        return `count(DISTINCT ${c})`;
      default:
        return `${m.agg}(${c})`;
    }
  });
  const { where, bindings } = liveWhere(q, codec);
  const select = [...groups.map((g, i) => `${g} AS g${i}`), ...measures.map((m, i) => `${m} AS m${i}`)].join(", ");
  const groupBy = groups.length ? ` GROUP BY ${groups.map((_, i) => `g${i}`).join(", ")}` : "";
  const text = `SELECT ${select} FROM ${storageTable(q.table)}${where}${groupBy} LIMIT ?`;
  const raw = [...sql.exec(text, ...bindings, maxGroups + 1).raw()];
  if (raw.length > maxGroups) {
    throw qrError("GROUP_LIMIT_EXCEEDED", `more than ${maxGroups} groups; narrow the query or add a filter`);
  }
  const types = dims.map((d) => codec.column(d)?.type);
  return raw.map((values) => {
    const row: Row = {};
    dims.forEach((d, i) => {
      row[d] = decode(values[i] ?? null, types[i]);
    });
    if (td?.grain) row[td.column] = new Date(values[dims.length] as number).toISOString();
    const offset = groups.length;
    q.measures.forEach((m, i) => {
      row[measureName(m)] = (values[offset + i] as SqlValue) ?? null;
    });
    return row;
  });
}

function decode(v: SqlValue, type: string | undefined): unknown {
  if (v === null) return null;
  if (type === "boolean") return v === 1;
  if (v instanceof ArrayBuffer) return null;
  return v;
}
