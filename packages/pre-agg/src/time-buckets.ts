/**
 * Bucketing instants by grain in an IANA zone: a bucket is the instant its local period starts
 * (epoch ms), so a DST day is 23 or 25 hours long and a month is a calendar month. UTC takes an
 * arithmetic fast path; other zones read their offsets from `Intl` (cached per 15 minutes, the
 * finest step any zone's offset changes by).
 * @module
 */
import type { Grain } from "./grains.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 1970-01-01 was a Thursday: Monday-based weeks start 3 days before the epoch. */
const WEEK_EPOCH = -3 * DAY;

/** Whether `zone` is an IANA time zone the runtime knows. */
export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock fields of an instant. */
interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
}

/** Offsets and bucket starts of one zone. */
class Zone {
  readonly #fmt: Intl.DateTimeFormat;
  readonly #offsets = new Map<number, number>();

  constructor(zone: string) {
    this.#fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  /** Local minus UTC, in ms, at instant `ms`. */
  offset(ms: number): number {
    const slot = Math.floor(ms / (15 * MINUTE));
    const cached = this.#offsets.get(slot);
    if (cached !== undefined) return cached;
    const parts = this.#fmt.formatToParts(new Date(slot * 15 * MINUTE));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
    const off = local - slot * 15 * MINUTE;
    if (this.#offsets.size > 100_000) this.#offsets.clear();
    this.#offsets.set(slot, off);
    return off;
  }

  /** The instant of local wall time `local` (ms as if UTC); in a DST gap, the later instant. */
  toInstant(local: number): number {
    const first = local - this.offset(local);
    const second = local - this.offset(first);
    if (second === first) return first;
    const third = local - this.offset(second);
    return third === second ? second : Math.max(first, second);
  }
}

const zones = new Map<string, Zone>();
function zoneOf(name: string): Zone {
  let z = zones.get(name);
  if (!z) {
    z = new Zone(name);
    zones.set(name, z);
  }
  return z;
}

function fieldsOf(localMs: number): Fields {
  const d = new Date(localMs);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes() };
}

/** Start of the grain period containing wall time `local` (ms as if UTC). */
function truncateLocal(local: number, grain: Grain): number {
  switch (grain) {
    case "minute":
      return Math.floor(local / MINUTE) * MINUTE;
    case "hour":
      return Math.floor(local / HOUR) * HOUR;
    case "day":
      return Math.floor(local / DAY) * DAY;
    case "week":
      return Math.floor((local - WEEK_EPOCH) / (7 * DAY)) * 7 * DAY + WEEK_EPOCH;
    default: {
      const f = fieldsOf(local);
      if (grain === "month") return Date.UTC(f.y, f.mo, 1);
      if (grain === "quarter") return Date.UTC(f.y, f.mo - (f.mo % 3), 1);
      return Date.UTC(f.y, 0, 1);
    }
  }
}

/** Start of the next grain period after local period start `local`. */
function nextLocal(local: number, grain: Grain): number {
  switch (grain) {
    case "minute":
      return local + MINUTE;
    case "hour":
      return local + HOUR;
    case "day":
      return local + DAY;
    case "week":
      return local + 7 * DAY;
    default: {
      const f = fieldsOf(local);
      const months = grain === "month" ? 1 : grain === "quarter" ? 3 : 12;
      return Date.UTC(f.y, f.mo + months, 1);
    }
  }
}

/**
 * The bucket (start instant, epoch ms) of `ms` at `grain` in `zone`.
 * @example bucketStart(Date.parse("2001-03-05T17:20Z"), "day", "UTC") // 2001-03-05T00:00Z
 */
export function bucketStart(ms: number, grain: Grain, zone = "UTC"): number {
  if (zone === "UTC") return truncateLocal(ms, grain);
  const z = zoneOf(zone);
  // Hour and minute buckets of a zone whose offset is whole hours need no zone arithmetic.
  const off = z.offset(ms);
  if ((grain === "minute" || (grain === "hour" && off % HOUR === 0)) && off % MINUTE === 0) {
    return truncateLocal(ms, grain);
  }
  return z.toInstant(truncateLocal(ms + off, grain));
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, grain: Grain, zone = "UTC"): number {
  if (zone === "UTC") return nextLocal(start, grain);
  const z = zoneOf(zone);
  const local = start + z.offset(start);
  return z.toInstant(nextLocal(truncateLocal(local, grain), grain));
}

/** Whether `ms` is a bucket boundary at `grain` in `zone`. */
export function isBucketBoundary(ms: number, grain: Grain, zone = "UTC"): boolean {
  return bucketStart(ms, grain, zone) === ms;
}

/**
 * The partition key of the partition starting at `start`: its local start, formatted by grain
 * (`2001-03-05T17:00`, `2001-03-05`, `2001-03`, `2001-Q1`, `2001`); keys of one grain sort in
 * time order and read well in Hive-style paths.
 */
export function partitionKeyOf(start: number, grain: Grain, zone = "UTC"): string {
  const local = zone === "UTC" ? start : start + zoneOf(zone).offset(start);
  const iso = new Date(local).toISOString();
  switch (grain) {
    case "minute":
    case "hour":
      return iso.slice(0, 16);
    case "day":
    case "week":
      return iso.slice(0, 10);
    case "month":
      return iso.slice(0, 7);
    case "quarter":
      return `${iso.slice(0, 4)}-Q${Math.ceil(Number(iso.slice(5, 7)) / 3)}`;
    default:
      return iso.slice(0, 4);
  }
}
