/**
 * A streaming NDJSON reader: one JSON object per line, text pushed in chunks. Blank lines are
 * skipped; a line that is not a JSON object is 400 INVALID_JSON with its line number.
 * @module
 */
import { PlatformError } from "@durable/core";

/** One NDJSON record and its 1-based line. */
export interface JsonRecord {
  value: Record<string, unknown>;
  line: number;
}

/** 400 INVALID_JSON naming the line (the platform's code for a body that is not JSON). */
export function invalidJsonLine(line: number, detail: string): PlatformError {
  return new PlatformError("INVALID_JSON", `line ${line}: ${detail}`, { status: 400 });
}

/** Reads NDJSON text pushed in chunks. */
export class NdjsonReader {
  #pending = "";
  #line = 0;
  #first = true;

  /** The records of the lines completed by `text`. */
  push(text: string): JsonRecord[] {
    let input = this.#pending + text;
    if (this.#first && input.length > 0) {
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
      this.#first = false;
    }
    const out: JsonRecord[] = [];
    let start = 0;
    for (let nl = input.indexOf("\n"); nl !== -1; nl = input.indexOf("\n", start)) {
      this.#take(input.slice(start, nl), out);
      start = nl + 1;
    }
    this.#pending = input.slice(start);
    return out;
  }

  /** The last record, once the input ended. */
  end(): JsonRecord[] {
    const out: JsonRecord[] = [];
    if (this.#pending !== "") this.#take(this.#pending, out);
    this.#pending = "";
    return out;
  }

  #take(text: string, out: JsonRecord[]): void {
    const line = ++this.#line;
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw invalidJsonLine(line, "not valid JSON");
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw invalidJsonLine(line, "a line is one JSON object of column values");
    }
    out.push({ value: value as Record<string, unknown>, line });
  }
}
