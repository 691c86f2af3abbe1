/**
 * The cron dialect: a strict grammar checked here, slot math delegated to croner 11.
 *
 * croner accepts more than the issue allows (`L`, `W`, `#`, `?`, 7 fields, `5/5`), so every
 * expression first passes this module's own parser; croner then computes the slots
 * (`new Cron(expr, { paused: true, timezone })`, its timers never run).
 * @module
 */
import { Cron } from "croner";
import { schedError } from "./errors.ts";

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: { list: string[]; offset: number };
}

const SECOND_RULE: FieldRule = { name: "second", min: 0, max: 59 };
const FIVE_RULES: FieldRule[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: { list: MONTHS, offset: 1 } },
  { name: "day-of-week", min: 0, max: 7, names: { list: DAYS, offset: 0 } },
];

function bad(expr: string, why: string): never {
  throw schedError("INVALID_CRON", `cron "${expr}": ${why}`);
}

function parseValue(expr: string, rule: FieldRule, text: string): number {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    if (n < rule.min || n > rule.max) bad(expr, `${rule.name} value ${n} is outside ${rule.min}-${rule.max}`);
    return n;
  }
  const index = rule.names?.list.indexOf(text.toUpperCase()) ?? -1;
  if (rule.names && index >= 0) return index + rule.names.offset;
  return bad(expr, `${rule.name} has an invalid value "${text}"`);
}

function checkField(expr: string, rule: FieldRule, field: string): void {
  for (const item of field.split(",")) {
    const [base = "", step, ...extra] = item.split("/");
    if (extra.length > 0) bad(expr, `${rule.name} item "${item}" has two steps`);
    if (step !== undefined) {
      if (!/^\d{1,5}$/.test(step)) bad(expr, `${rule.name} step "${step}" is not a number`);
      const n = Number(step);
      if (n === 0) bad(expr, `${rule.name} step 0 is not allowed`);
      if (n > rule.max - rule.min + 1) bad(expr, `${rule.name} step ${n} is larger than the field`);
    }
    if (base === "*") continue;
    const bounds = base.split("-");
    if (bounds.length === 1) {
      if (step !== undefined) bad(expr, `${rule.name} step needs * or a range, got "${item}"`);
      parseValue(expr, rule, base);
    } else if (bounds.length === 2) {
      const lo = parseValue(expr, rule, bounds[0] ?? "");
      const hi = parseValue(expr, rule, bounds[1] ?? "");
      if (lo > hi) bad(expr, `${rule.name} range ${base} runs backwards`);
    } else {
      bad(expr, `${rule.name} item "${item}" is not a value, range or step`);
    }
  }
}

/**
 * Checks an expression against the dialect and returns its 5- or 6-field form.
 * @param expr 5 fields (minute first), 6 fields (seconds first) or an `@nickname`
 * @throws {INVALID_CRON} with the reason
 */
export function normalizeCron(expr: string): string {
  const trimmed = expr.trim();
  if (trimmed === "") bad(expr, "empty expression");
  if (trimmed.startsWith("@")) {
    const mapped = NICKNAMES[trimmed.toLowerCase()];
    return mapped ?? bad(expr, `unknown nickname ${trimmed}`);
  }
  if (/[?LW#]/i.test(trimmed.replace(/[A-Za-z]{3}/g, (m) => (/^[A-Z]{3}$/i.test(m) ? "" : m)))) {
    bad(expr, "L, W, # and ? are not supported");
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) bad(expr, `needs 5 or 6 fields, got ${fields.length}`);
  const rules = fields.length === 6 ? [SECOND_RULE, ...FIVE_RULES] : FIVE_RULES;
  fields.forEach((field, i) => {
    checkField(expr, rules[i] as FieldRule, field);
  });
  return fields.join(" ");
}

/**
 * A compiled expression. croner 11 applies the fixed-time DST rule only when seconds, minutes and
 * hours are single values; the rule (Vixie) makes lists and ranges fixed too (only `*` or
 * a step follows elapsed time). For those, `wall` is the same pattern on the UTC wall clock and
 * the slot is the first instant at or after each matching local wall time.
 */
export interface CompiledCron {
  cron: Cron;
  /** Set for fixed-time lists and ranges: the pattern evaluated on wall-clock time. */
  wall: Cron | null;
  timezone: string;
}

const compiled = new Map<string, CompiledCron>();

/** True when seconds, minutes and hours have no `*` and no step, and one of them has several values. */
function isFixedList(expr: string): boolean {
  const f = expr.split(" ");
  const [s, m, h] = f.length === 6 ? f : ["0", ...f];
  const parts = [s ?? "", m ?? "", h ?? ""];
  return !parts.some((p) => p.includes("*") || p.includes("/")) && parts.some((p) => /[,-]/.test(p));
}

/**
 * A compiled, paused croner job (cached per expression and zone).
 * @param expr a normalized expression
 * @param timezone an IANA zone
 */
export function compileCron(expr: string, timezone: string): CompiledCron {
  const cacheKey = `${timezone}\u0000${expr}`;
  let c = compiled.get(cacheKey);
  if (!c) {
    try {
      const cron = new Cron(expr, { paused: true, timezone, mode: "5-or-6-parts" });
      const wall =
        timezone !== "UTC" && isFixedList(expr)
          ? new Cron(expr, { paused: true, timezone: "UTC", mode: "5-or-6-parts" })
          : null;
      c = { cron, wall, timezone };
    } catch (err) {
      bad(expr, err instanceof Error ? err.message.replace(/^CronPattern: /, "") : String(err));
    }
    if (compiled.size >= 2_000) compiled.clear();
    compiled.set(cacheKey, c);
  }
  return c;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset (ms) at instant `u`. */
function offsetAt(zone: string, u: number): number {
  let f = offsetFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    offsetFormats.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(u))) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return wall - Math.floor(u / 1000) * 1000;
}

/**
 * The first instant whose local time in `zone` is at or after the wall time `wall` (a UTC-encoded
 * local time): its first occurrence when repeated (fall back), the end of the gap when it does
 * not exist (spring forward).
 */
function firstAtOrAfter(zone: string, wall: number): number {
  const offsets = new Set([offsetAt(zone, wall - 86_400_000), offsetAt(zone, wall), offsetAt(zone, wall + 86_400_000)]);
  let best: number | null = null;
  for (const o of offsets) {
    const u = wall - o;
    if (offsetAt(zone, u) === o && (best === null || u < best)) best = u;
  }
  if (best !== null) return best;
  // In a gap: the transition lies between wall − (larger offset) and wall − (smaller offset).
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = wall - (sorted[sorted.length - 1] as number);
  let hi = wall - (sorted[0] as number);
  const before = offsetAt(zone, lo);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The first slot strictly after `afterMs`, or null when there is none.
 * @param c a compiled job
 * @param afterMs epoch ms
 */
export function cronNext(c: CompiledCron, afterMs: number): number | null {
  if (!c.wall) return c.cron.nextRun(new Date(afterMs))?.getTime() ?? null;
  // Fixed-time lists and ranges: the first matching wall time W after the wall time of `afterMs`
  // whose instant (first at or after W) lies after `afterMs`; that instant grows with W.
  let w = afterMs + offsetAt(c.timezone, afterMs);
  for (let i = 0; i < 100_000; i++) {
    const next = c.wall.nextRun(new Date(w))?.getTime();
    if (next === undefined) return null;
    const u = firstAtOrAfter(c.timezone, next);
    if (u > afterMs) return u;
    w = next;
  }
  return null;
}

/**
 * Validates an expression and a zone together, as at creation.
 * @returns the normalized expression
 * @throws {INVALID_CRON} bad grammar, or an expression that never occurs
 * @throws {INVALID_TIMEZONE} an unknown zone
 */
export function validateCron(expr: string, timezone: string, nowMs: number): string {
  const normalized = normalizeCron(expr);
  validateTimezone(timezone);
  const cron = compileCron(normalized, timezone);
  if (cronNext(cron, nowMs) === null) bad(expr, "never occurs");
  return normalized;
}

const zones = new Map<string, boolean>();

/**
 * Checks an IANA zone with `Intl.DateTimeFormat`.
 * @throws {INVALID_TIMEZONE}
 */
export function validateTimezone(timezone: string): void {
  let ok = zones.get(timezone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
      ok = timezone.length > 0;
    } catch {
      ok = false;
    }
    zones.set(timezone, ok);
  }
  if (!ok) throw schedError("INVALID_TIMEZONE", `unknown time zone "${timezone}"`);
}
