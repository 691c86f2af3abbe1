/**
 * A streaming CSV reader: text arrives in chunks, records leave with the line they start on.
 * The parsing is papaparse's `Parser` (pure JavaScript: no WebAssembly, no Node API, so it runs
 * in workerd); this module only feeds it chunk by chunk, keeps the unfinished last record for
 * the next chunk, numbers lines and makes its lenient reports strict (PostgreSQL `COPY`-like):
 * an unterminated quote, text after a closing quote or a ragged row is 400 INVALID_CSV.
 * @module
 */
import Papa from "papaparse";
import { tablesError } from "../errors.ts";

/** One CSV record and the 1-based line of the file it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Options of a {@link CsvReader}. */
export interface CsvReaderOptions {
  /** One character (default `,`). */
  delimiter?: string;
  /**
   * Reads record by record only (papaparse step mode), never in chunk mode.
   * @internal the reference the tests compare chunk mode with
   */
  stepwise?: boolean;
}

/** 400 INVALID_CSV naming the line. */
export function invalidCsv(line: number, detail: string) {
  return tablesError("INVALID_CSV", `line ${line}: ${detail}`, 400);
}

/** Counts `\n` in `text` from `start` to `end`. */
function newlines(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", start); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Counts `\n` in a field. */
function countNewlines(field: string): number {
  let n = 0;
  for (let i = field.indexOf("\n"); i !== -1; i = field.indexOf("\n", i + 1)) n++;
  return n;
}

/** Reads CSV text pushed in chunks; see the module comment. */
export class CsvReader {
  readonly #delimiter: string;
  readonly #stepwise: boolean;
  #pending = "";
  #line = 1;
  #newline: "\n" | "\r\n" | undefined;
  #width: number | undefined;
  #first = true;

  constructor(options: CsvReaderOptions = {}) {
    this.#delimiter = options.delimiter ?? ",";
    this.#stepwise = options.stepwise ?? false;
  }

  /** The records completed by `text` (the last, maybe partial, record waits for more). */
  push(text: string): CsvRecord[] {
    return this.#parse(this.#pending + text, false);
  }

  /** The last records, once the input ended. */
  end(): CsvRecord[] {
    const out = this.#parse(this.#pending, true);
    this.#pending = "";
    return out;
  }

  #parse(input: string, last: boolean): CsvRecord[] {
    if (this.#first) {
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
      if (input.length === 0 && !last) return [];
      this.#first = false;
    }
    if (this.#newline === undefined) {
      const lf = input.indexOf("\n");
      if (lf === -1 && !last) {
        this.#pending = input;
        return [];
      }
      this.#newline = lf > 0 && input[lf - 1] === "\r" ? "\r\n" : "\n";
    }
    // The end of the input goes through step mode: its last record may lack a line end.
    return (!last && !this.#stepwise && this.#parseChunk(input)) || this.#parseSteps(input, last);
  }

  #parser(step?: (result: Papa.ParseStepResult<string[]>) => void): Papa.Parser {
    return new Papa.Parser({
      delimiter: this.#delimiter,
      newline: this.#newline,
      quoteChar: '"',
      escapeChar: '"',
      ...(step ? { step } : {}),
    });
  }

  /**
   * The complete records of `input` in one papaparse call (chunk mode: no per-record callback
   * or result object). Every record it returns ended with a line end, so a record starts
   * `1 + (newlines inside its fields)` lines after the one before; that is checked against the
   * newlines of the text it consumed. Undefined (step mode decides, with its exact lines and
   * error order) when the counts differ (whitespace with a newline between a closing quote and
   * the line end) or papaparse reported a malformed record.
   */
  #parseChunk(input: string): CsvRecord[] | undefined {
    const result = this.#parser().parse(input, 0, true) as Papa.ParseResult<string[]>;
    const rows = result.data;
    // Errors of the record left for the next chunk (index rows.length) are not errors yet.
    if (result.errors.some((e) => (e.row ?? 0) < rows.length)) return undefined;
    const consumed = result.meta.cursor;
    let newlines = 0;
    for (let i = input.indexOf("\n"); i !== -1 && i < consumed; i = input.indexOf("\n", i + 1)) newlines++;
    const multiline = newlines !== rows.length;
    if (multiline) {
      let counted = rows.length;
      for (const fields of rows) for (const f of fields) counted += countNewlines(f);
      if (counted !== newlines) return undefined;
    }
    const out: CsvRecord[] = [];
    let line = this.#line;
    for (const fields of rows) {
      const at = line;
      line += multiline ? 1 + fields.reduce((n, f) => n + countNewlines(f), 0) : 1;
      if (fields.length === 1 && fields[0] === "") continue;
      if (this.#width === undefined) this.#width = fields.length;
      else if (fields.length !== this.#width) {
        throw invalidCsv(at, `${fields.length} fields where the first record has ${this.#width}`);
      }
      out.push({ fields, line: at });
    }
    this.#line = line;
    this.#pending = input.slice(consumed);
    return out;
  }

  /** Record by record (papaparse step mode): the end of the input, and what chunk mode declined. */
  #parseSteps(input: string, last: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    let problem: string | undefined;
    let from = 0;
    const parser = this.#parser((result) => {
      // In step mode papaparse hands over the one record wrapped in an array.
      const fields = (result.data as unknown as string[][])[0] ?? [];
      const line = this.#line;
      const to = result.meta.cursor;
      this.#line += newlines(input, from, to);
      from = to;
      if (problem === undefined && result.errors.length > 0) {
        problem =
          result.errors[0]?.code === "MissingQuotes" ? "unterminated quoted field" : "text after a closing quote";
        throw invalidCsv(line, problem);
      }
      // A blank line is no record (DuckDB and PostgreSQL skip it too).
      if (fields.length === 1 && fields[0] === "") return;
      if (this.#width === undefined) this.#width = fields.length;
      else if (fields.length !== this.#width) {
        throw invalidCsv(line, `${fields.length} fields where the first record has ${this.#width}`);
      }
      out.push({ fields, line });
    });
    parser.parse(input, 0, !last);
    this.#pending = last ? "" : input.slice(from);
    if (last && this.#pending === "" && from < input.length && input.slice(from).trim() !== "") {
      throw invalidCsv(this.#line, "the input ended inside a record");
    }
    return out;
  }
}
