/**
 * Local wall time in an IANA zone, computed with `Intl` only (independent of `src/cron.ts`), for
 * the brute-force oracles of the cron tests. A "wall" time is a local time encoded as if UTC.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset (ms) at instant `u`. */
export function offsetAt(zone: string, u: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(u)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return wall - Math.floor(u / 1000) * 1000;
}

/** Instants whose local wall time in `zone` is `wall`: none (a gap), one, or two (fall back). */
export function instantsOf(zone: string, wall: number): number[] {
  const offsets = new Set([offsetAt(zone, wall - DAY_MS), offsetAt(zone, wall + DAY_MS), offsetAt(zone, wall)]);
  const out: number[] = [];
  for (const o of offsets) {
    const u = wall - o;
    if (offsetAt(zone, u) === o) out.push(u);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The first instant whose local wall time is at or after `wall` (the gap's end when `wall` does not exist). */
export function firstAtOrAfter(zone: string, wall: number): number {
  const exact = instantsOf(zone, wall);
  if (exact.length > 0) return exact[0] as number;
  let lo = wall - 14 * 3_600_000;
  let hi = wall + 14 * 3_600_000;
  while (hi - lo > 1_000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid + offsetAt(zone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The instant of a local time, e.g. `local("Asia/Tokyo", "2026-03-01T08:00")`.
 * @returns its ISO form in UTC (the first occurrence; the gap's end for a time that does not exist)
 */
export function local(zone: string, wallText: string): string {
  return new Date(firstAtOrAfter(zone, Date.parse(`${wallText}Z`))).toISOString();
}
