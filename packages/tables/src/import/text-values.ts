/**
 * What a CSV field (always text) means for a column type, before the row codec validates it:
 * `42` for an integer column is the number 42, `true`/`t`/`yes`/`1` a boolean, an ISO date a
 * timestamp. A field that does not read as the type is passed on as text, so the codec refuses
 * it with its own message (`integer column got "abc"` is reported, not silently nulled).
 * @module
 */
import type { ColumnType } from "../column-types.ts";

const INTEGER = /^[+-]?\d+$/;
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(["true", "t", "yes", "y", "1"]);
const FALSE = new Set(["false", "f", "no", "n", "0"]);

/**
 * The input value of one CSV field for a column of `type`.
 * @param text the field (never a null token: those are null before this)
 */
export function fieldValue(type: ColumnType, text: string): unknown {
  switch (type) {
    case "integer":
      return INTEGER.test(text) ? Number(text) : text;
    case "real":
      return REAL.test(text) ? Number(text) : text;
    case "boolean": {
      const lower = text.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : text;
    }
    case "timestamp":
      return INTEGER.test(text) ? Number(text) : text;
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        // Not JSON: a JSON column takes it as a string value.
        return text;
      }
    default:
      return text;
  }
}

/** Whether `text` is an integer that would lose its leading zeros (`00501`, `-07`). */
export function hasLeadingZero(text: string): boolean {
  const digits = text[0] === "-" || text[0] === "+" ? text.slice(1) : text;
  return digits.length > 1 && digits[0] === "0" && digits[1] !== ".";
}

export { FALSE as FALSE_WORDS, INTEGER as INTEGER_TEXT, REAL as REAL_TEXT, TRUE as TRUE_WORDS };
