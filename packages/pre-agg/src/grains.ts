/**
 * Time grains and which grain rolls up into which: minute → hour → day → week (ISO, Monday) and
 * day → month → quarter → year. A week never rolls up into a month or above (weeks straddle
 * months), and nothing rolls up into a week but minute, hour and day.
 * @module
 */

/** The grains, finest first. */
export const GRAINS = ["minute", "hour", "day", "week", "month", "quarter", "year"] as const;

/** A time grain. */
export type Grain = (typeof GRAINS)[number];

const RANK: Record<Grain, number> = { minute: 0, hour: 1, day: 2, week: 3, month: 3, quarter: 4, year: 5 };

/**
 * Whether every `coarse` bucket is a whole union of `fine` buckets (in the same zone).
 * @param fine the finer grain (a rollup's)
 * @param coarse the coarser grain (a query's or a partition's)
 */
export function isWholeMultiple(fine: Grain, coarse: Grain): boolean {
  if (fine === coarse) return true;
  if (fine === "week") return false;
  if (coarse === "week") return fine === "minute" || fine === "hour" || fine === "day";
  return RANK[fine] < RANK[coarse];
}

/** The default partition grain of a rollup grain (day for minute and hour, month for day, …). */
export function defaultPartitionGrain(grain: Grain): Grain {
  switch (grain) {
    case "minute":
    case "hour":
      return "day";
    case "day":
      return "month";
    case "week":
      return "week";
    default:
      return "year";
  }
}
