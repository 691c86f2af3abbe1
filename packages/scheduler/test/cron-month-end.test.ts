/**
 * Cron with both day fields restricted (Vixie OR: either field matches) across a month end.
 * croner 11.0.0 skipped a day after the end of a month (`0 8 1 * mon` after 2026-02-27 gave
 * Monday 03-02 instead of Sunday 03-01, in every zone); 11.0.1 fixed it. The pinned cases hold
 * that fix in a dozen zones; the property compares the next slot with an independent brute-force
 * walk of local minutes for generated expressions whose search starts in the last days of a
 * month (February of leap and common years, months of 30 and 31 days). It does not re-test the
 * grammar or the DST rules of single-field expressions (cron.test.ts, cron-properties.test.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeCron } from "../src/cron.ts";
import { nextSlot } from "../src/slots.ts";
import { firstAtOrAfter, instantsOf, local, offsetAt } from "./wall-clock.ts";

const ZONES = [
  "UTC",
  "America/New_York",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "America/St_Johns",
  "Europe/London",
  "Europe/Berlin",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Australia/Adelaide",
  "Pacific/Auckland",
  "Pacific/Chatham",
];

/** The next `n` slots strictly after the local time `fromWall`, as UTC ISO strings. */
function slots(expr: string, zone: string, fromWall: string, n: number): string[] {
  const out: string[] = [];
  let t: number | null = Date.parse(local(zone, fromWall));
  while (out.length < n) {
    t = nextSlot({ kind: "cron", cron: normalizeCron(expr), timezone: zone }, t);
    if (t === null) break;
    out.push(new Date(t).toISOString());
  }
  return out;
}

describe("both day fields restricted across a month end (croner 11.0.1)", () => {
  it.each(ZONES)("0 8 1 * mon after 2026-02-27 runs on Sunday 03-01, then Monday 03-02 (%s)", (zone) => {
    expect(slots("0 8 1 * mon", zone, "2026-02-27T00:00", 2)).toEqual([
      local(zone, "2026-03-01T08:00"),
      local(zone, "2026-03-02T08:00"),
    ]);
  });

  it.each(ZONES)("30 6 1,15 * 0 after Sunday 2025-02-23 runs on Saturday 03-01, then Sunday 03-02 (%s)", (zone) => {
    expect(slots("30 6 1,15 * 0", zone, "2025-02-23T06:30", 2)).toEqual([
      local(zone, "2025-03-01T06:30"),
      local(zone, "2025-03-02T06:30"),
    ]);
  });

  it.each(ZONES)("after February of a leap year: the 1st, then the weekday (%s)", (zone) => {
    // 2024-03-01 is a Friday and 2028-03-01 a Wednesday; 11.0.0 skipped both to the 2nd.
    expect(slots("0 8 1 * sat", zone, "2024-02-27T00:00", 2)).toEqual([
      local(zone, "2024-03-01T08:00"),
      local(zone, "2024-03-02T08:00"),
    ]);
    expect(slots("45 23 1 * THU", zone, "2028-02-25T12:00", 2)).toEqual([
      local(zone, "2028-03-01T23:45"),
      local(zone, "2028-03-02T23:45"),
    ]);
  });

  it.each(ZONES)("after months of 30 and 31 days (%s)", (zone) => {
    // 2026-05-01 is a Friday, 2026-06-01 a Monday (controls: 11.0.0 got these right).
    expect(slots("15 9 1 * WED", zone, "2026-04-29T12:00", 2)).toEqual([
      local(zone, "2026-05-01T09:15"),
      local(zone, "2026-05-06T09:15"),
    ]);
    expect(slots("0 12 1,2 * SAT", zone, "2026-05-30T13:00", 3)).toEqual([
      local(zone, "2026-06-01T12:00"),
      local(zone, "2026-06-02T12:00"),
      local(zone, "2026-06-06T12:00"),
    ]);
  });
});

// ---- the property ------------------------------------------------------------------------

interface Field {
  text: string;
  values: number[];
}

const DAY_NAMES = ["sun", "MON", "Tue", "wed", "THU", "fri", "Sat", "SUN"];

function rangeOf(a: number, b: number, step = 1): number[] {
  const out: number[] = [];
  for (let v = a; v <= b; v += step) out.push(v);
  return out;
}

/** A restricted field: never `*` (nor a step over `*`, which counts as unrestricted in the Vixie rule). */
function restricted(min: number, max: number, names?: string[]): fc.Arbitrary<Field> {
  const value = fc.integer({ min, max });
  const label = (v: number, named: boolean) => (named && names ? (names[v] as string) : String(v));
  return fc.oneof(
    fc.tuple(value, fc.boolean()).map(([v, named]) => ({ text: label(v, named), values: [v] })),
    fc.tuple(fc.uniqueArray(value, { minLength: 2, maxLength: 4 }), fc.boolean()).map(([vs, named]) => ({
      text: vs.map((v) => label(v, named)).join(","),
      values: [...vs].sort((a, b) => a - b),
    })),
    fc.tuple(value, value).map(([a, b]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${lo}-${hi}`, values: rangeOf(lo, hi) };
    }),
    fc.tuple(value, value, fc.integer({ min: 2, max: 4 })).map(([a, b, s]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${lo}-${hi}/${s}`, values: rangeOf(lo, hi, s) };
    }),
  );
}

/** Days of month that sit right after a month end most of the time, so the edge is hit on purpose. */
const domArb: fc.Arbitrary<Field> = fc.oneof(
  { weight: 3, arbitrary: restricted(1, 3) },
  { weight: 1, arbitrary: restricted(1, 31) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 28, max: 31 }).map((d) => ({ text: `1,${d}`, values: [1, d] })),
  },
);

const timeArb: fc.Arbitrary<{ minute: Field; hour: Field }> = fc.oneof(
  fc.record({
    minute: fc.integer({ min: 0, max: 59 }).map((m) => ({ text: String(m), values: [m] })),
    hour: restricted(0, 23),
  }),
  fc.record({
    minute: fc.constantFrom(0, 15, 30, 45).map((m) => ({ text: String(m), values: [m] })),
    hour: fc.integer({ min: 1, max: 8 }).map((s) => ({ text: `*/${s}`, values: rangeOf(0, 23, s) })),
  }),
);

const exprArb = fc.record({
  time: timeArb,
  dom: domArb,
  month: fc.oneof(
    { weight: 4, arbitrary: fc.constant({ text: "*", values: rangeOf(1, 12) }) },
    { weight: 1, arbitrary: restricted(1, 12) },
  ),
  dow: restricted(0, 7, DAY_NAMES),
});

type Expr = typeof exprArb extends fc.Arbitrary<infer T> ? T : never;

function text(e: Expr): string {
  return [e.time.minute.text, e.time.hour.text, e.dom.text, e.month.text, e.dow.text].join(" ");
}

/**
 * The first instant after `from` whose local minute matches, walking local wall minutes one by
 * one (Vixie: with both day fields restricted a day matches when either does). Fixed times (no
 * `*` and no step in minutes and hours) run at the first instant at or after their local time;
 * others at every instant whose local time matches.
 */
function bruteNext(e: Expr, zone: string, from: number): number | null {
  const dows = new Set(e.dow.values.map((d) => d % 7));
  const fixed = ![e.time.minute.text, e.time.hour.text].some((t) => t.includes("*") || t.includes("/"));
  const minutes = new Set(e.time.minute.values);
  const hours = new Set(e.time.hour.values);
  const firstDay = Math.floor((from + offsetAt(zone, from)) / 86_400_000) - 1;
  let best: number | null = null;
  for (let day = firstDay; day < firstDay + 3 * 366; day++) {
    if (best !== null && (day - 2) * 86_400_000 > best + offsetAt(zone, best)) break;
    const date = new Date(day * 86_400_000);
    if (!e.month.values.includes(date.getUTCMonth() + 1)) continue;
    if (!e.dom.values.includes(date.getUTCDate()) && !dows.has(date.getUTCDay())) continue;
    for (let minute = 0; minute < 1440; minute++) {
      if (!hours.has(Math.floor(minute / 60)) || !minutes.has(minute % 60)) continue;
      const wall = day * 86_400_000 + minute * 60_000;
      for (const u of fixed ? [firstAtOrAfter(zone, wall)] : instantsOf(zone, wall)) {
        if (u > from && (best === null || u < best)) best = u;
      }
    }
  }
  return best;
}

/** A local time in the last days of a month: February (leap and common years), 30- and 31-day months. */
const fromArb = fc.record({
  year: fc.constantFrom(2024, 2025, 2026, 2027, 2028),
  // February (where 11.0.0 failed) as often as all 30-day or all 31-day months together.
  month: fc.oneof(fc.constant(2), fc.constantFrom(4, 6, 9, 11), fc.constantFrom(1, 3, 5, 7, 8, 10, 12)),
  daysBeforeEnd: fc.integer({ min: 0, max: 3 }),
  minuteOfDay: fc.integer({ min: 0, max: 1439 }),
});

describe("both day fields restricted: croner equals a brute-force minute walk across month ends", () => {
  it("generated expressions from the last days of a month, in 14 zones", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(exprArb, fc.constantFrom(...ZONES), fromArb, (e, zone, f) => {
        const lastDay = new Date(Date.UTC(f.year, f.month, 0)).getUTCDate();
        const wall = Date.UTC(f.year, f.month - 1, lastDay - f.daysBeforeEnd) + f.minuteOfDay * 60_000;
        const from = firstAtOrAfter(zone, wall);
        const expected = bruteNext(e, zone, from);
        const got = nextSlot({ kind: "cron", cron: normalizeCron(text(e)), timezone: zone }, from);
        const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
        expect({ expr: text(e), zone, from: iso(from), next: iso(got) }).toEqual({
          expr: text(e),
          zone,
          from: iso(from),
          next: iso(expected),
        });
      }),
      { numRuns: 1_500, seed: 20260301 },
    );
  });
});
