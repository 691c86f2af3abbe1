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

const compiled = new Map<string, Cron>();

/**
 * A compiled, paused croner job (cached per expression and zone).
 * @param expr a normalized expression
 * @param timezone an IANA zone
 */
export function compileCron(expr: string, timezone: string): Cron {
  const cacheKey = `${timezone}\u0000${expr}`;
  let cron = compiled.get(cacheKey);
  if (!cron) {
    try {
      cron = new Cron(expr, { paused: true, timezone, mode: "5-or-6-parts" });
    } catch (err) {
      bad(expr, err instanceof Error ? err.message.replace(/^CronPattern: /, "") : String(err));
    }
    if (compiled.size >= 2_000) compiled.clear();
    compiled.set(cacheKey, cron);
  }
  return cron;
}

/**
 * The first slot strictly after `afterMs`, or null when there is none.
 * @param cron a compiled job
 * @param afterMs epoch ms
 */
export function cronNext(cron: Cron, afterMs: number): number | null {
  return cron.nextRun(new Date(afterMs))?.getTime() ?? null;
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
