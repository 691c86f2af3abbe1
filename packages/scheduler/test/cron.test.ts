/**
 * The cron dialect and its slot math, pinned to UTC instants: grammar errors with INVALID_CRON,
 * bad zones, the DST rules of the issue, and the next-run regressions of the seed system.
 */
import { describe, expect, it } from "vitest";
import { normalizeCron } from "../src/cron.ts";
import { nextSlot, type WhenSpec } from "../src/slots.ts";
import { expectCode } from "./helpers.ts";

const cron = (expr: string, timezone = "UTC"): WhenSpec => ({ kind: "cron", cron: normalizeCron(expr), timezone });
const next = (expr: string, tz: string, from: string) => {
  const t = nextSlot(cron(expr, tz), Date.parse(from));
  return t === null ? null : new Date(t).toISOString();
};
const runsOn = (expr: string, tz: string, from: string, to: string) => {
  const out: string[] = [];
  let t: number | null = Date.parse(from);
  for (;;) {
    t = nextSlot(cron(expr, tz), t);
    if (t === null || t > Date.parse(to)) return out;
    out.push(new Date(t).toISOString());
  }
};

describe("cron grammar", () => {
  it.each([
    ["", "empty"],
    ["* * * *", "4 fields"],
    ["* * * * * * *", "7 fields"],
    ["60 * * * *", "minute out of range"],
    ["0 24 * * *", "hour out of range"],
    ["0 0 32 * *", "day out of range"],
    ["0 0 * 13 *", "month out of range"],
    ["0 0 * * 8", "weekday out of range"],
    ["5-1 * * * *", "backwards range"],
    ["*/0 * * * *", "step 0"],
    ["*/x * * * *", "step not a number"],
    ["0 0 * FOO *", "unknown name"],
    ["0 0 * * MONDAY", "long name"],
    ["0 0 * JAN-FOO *", "unknown name in range"],
    ["0 0 L * *", "L"],
    ["0 0 1W * *", "W"],
    ["0 0 * * 5#2", "#"],
    ["0 0 ? * *", "?"],
    ["0 0 * * 5L", "5L"],
    ["5/5 * * * *", "step without * or range"],
    ["@reboot", "unknown nickname"],
  ])("rejects %j (%s) with INVALID_CRON", (expr) => {
    expectCode(() => normalizeCron(expr), "INVALID_CRON", 400);
  });

  it("accepts names, lists, ranges, steps, nicknames, 6 fields and DOW 7", () => {
    for (const e of [
      "0 9 * * MON-FRI",
      "0 0 1,15 jan,Jul *",
      "*/15 8-18/2 * * *",
      "@hourly",
      "@yearly",
      "*/10 * * * * *",
      "0 0 * * 7",
    ]) {
      expect(() => normalizeCron(e)).not.toThrow();
    }
    expect(normalizeCron("@daily")).toBe("0 0 * * *");
    expect(next("0 0 * * 7", "UTC", "2024-01-01T00:00:00Z")).toBe("2024-01-07T00:00:00.000Z");
  });

  it("6 fields run down to the second", () => {
    expect(runsOn("*/10 * * * * *", "UTC", "2024-01-01T00:00:00Z", "2024-01-01T00:00:30Z")).toEqual([
      "2024-01-01T00:00:10.000Z",
      "2024-01-01T00:00:20.000Z",
      "2024-01-01T00:00:30.000Z",
    ]);
  });

  it("day of month and day of week both set means either (Vixie)", () => {
    // 2024-01-01 is a Monday; the 15th is a Monday too; Jan 8 is a Monday.
    expect(runsOn("0 9 15 * MON", "UTC", "2024-01-01T00:00:00Z", "2024-01-16T00:00:00Z")).toEqual([
      "2024-01-01T09:00:00.000Z",
      "2024-01-08T09:00:00.000Z",
      "2024-01-15T09:00:00.000Z",
    ]);
  });

  it("Feb 29 and the 31st", () => {
    expect(next("0 0 29 2 *", "UTC", "2024-03-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
    expect(next("0 12 31 * *", "UTC", "2024-04-01T00:00:00Z")).toBe("2024-05-31T12:00:00.000Z");
  });
});

describe("next run regressions", () => {
  it("0 9 * * * from 08:59:30 → 09:00 the same day", () => {
    expect(next("0 9 * * *", "UTC", "2024-05-01T08:59:30Z")).toBe("2024-05-01T09:00:00.000Z");
  });
  it("an every-minute alarm at 09:00:00.005 → 09:01", () => {
    expect(next("* * * * *", "UTC", "2024-05-01T09:00:00.005Z")).toBe("2024-05-01T09:01:00.000Z");
  });
  it("strictly after: from exactly 09:00 → the next day", () => {
    expect(next("0 9 * * *", "UTC", "2024-05-01T09:00:00Z")).toBe("2024-05-02T09:00:00.000Z");
  });
  it("midnight in a zone (hour 0, not 24)", () => {
    expect(next("0 0 * * *", "Asia/Tokyo", "2024-05-01T12:00:00Z")).toBe("2024-05-01T15:00:00.000Z");
    expect(next("0 0 * * *", "Asia/Kathmandu", "2024-05-01T12:00:00Z")).toBe("2024-05-01T18:15:00.000Z");
  });
});

describe("DST", () => {
  it("spring forward: 02:30 in Los Angeles on 2024-03-10 runs once at the first valid instant (10:00 UTC)", () => {
    expect(runsOn("30 2 * * *", "America/Los_Angeles", "2024-03-09T12:00:00Z", "2024-03-11T12:00:00Z")).toEqual([
      "2024-03-10T10:00:00.000Z",
      "2024-03-11T09:30:00.000Z",
    ]);
  });
  it("fall back: 01:30 in New York on 2024-11-03 runs once, at its first occurrence (05:30 UTC only)", () => {
    expect(runsOn("30 1 * * *", "America/New_York", "2024-11-02T12:00:00Z", "2024-11-04T04:00:00Z")).toEqual([
      "2024-11-03T05:30:00.000Z",
    ]);
  });
  it("* in the hour field follows elapsed time: 30 * * * * in New York runs at 05:30 and 06:30 UTC", () => {
    const runs = runsOn("30 * * * *", "America/New_York", "2024-11-03T04:00:00Z", "2024-11-03T07:00:00Z");
    expect(runs).toEqual(["2024-11-03T04:30:00.000Z", "2024-11-03T05:30:00.000Z", "2024-11-03T06:30:00.000Z"]);
  });
  it("a list or range of fixed hours keeps the fixed-time rule: the gap time runs once, a repeated time once", () => {
    // Only `*` or a step makes an hour field follow elapsed time; `1,13` and `1-2` are fixed hours.
    expect(runsOn("30 1,13 * * *", "America/New_York", "2024-11-03T00:00:00Z", "2024-11-04T00:00:00Z")).toEqual([
      "2024-11-03T05:30:00.000Z",
      "2024-11-03T18:30:00.000Z",
    ]);
    expect(runsOn("0 1-2 * * *", "America/New_York", "2024-11-03T00:00:00Z", "2024-11-03T09:00:00Z")).toEqual([
      "2024-11-03T05:00:00.000Z",
      "2024-11-03T07:00:00.000Z",
    ]);
    expect(runsOn("30 2,14 * * *", "America/New_York", "2024-03-10T00:00:00Z", "2024-03-11T00:00:00Z")).toEqual([
      "2024-03-10T07:00:00.000Z",
      "2024-03-10T18:30:00.000Z",
    ]);
    expect(runsOn("0 15,45 2 * * *", "America/Los_Angeles", "2024-03-10T00:00:00Z", "2024-03-10T12:00:00Z")).toEqual([
      "2024-03-10T10:00:00.000Z",
    ]);
    // From inside the repeated hour's second pass, the next run is the next fixed time, not a repeat.
    expect(next("30 1,13 * * *", "America/New_York", "2024-11-03T06:10:00Z")).toBe("2024-11-03T18:30:00.000Z");
  });

  it("a step in the hour field skips the missing hour in spring", () => {
    const runs = runsOn("0 */1 * * *", "America/Los_Angeles", "2024-03-10T08:30:00Z", "2024-03-10T11:30:00Z");
    expect(runs).toEqual(["2024-03-10T09:00:00.000Z", "2024-03-10T10:00:00.000Z", "2024-03-10T11:00:00.000Z"]);
  });
});
