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

/** Reads CSV text pushed in chunks; see the module comment. */
export class CsvReader {
  readonly #delimiter: string;
  #pending = "";
  #line = 1;
  #newline: "\n" | "\r\n" | undefined;
  #width: number | undefined;
  #first = true;

  constructor(options: CsvReaderOptions = {}) {
    this.#delimiter = options.delimiter ?? ",";
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
    const out: CsvRecord[] = [];
    let problem: string | undefined;
    let from = 0;
    const parser = new Papa.Parser({
      delimiter: this.#delimiter,
      newline: this.#newline,
      quoteChar: '"',
      escapeChar: '"',
      step: (result) => {
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
      },
    });
    parser.parse(input, 0, !last);
    this.#pending = last ? "" : input.slice(from);
    if (last && this.#pending === "" && from < input.length && input.slice(from).trim() !== "") {
      throw invalidCsv(this.#line, "the input ended inside a record");
    }
    return out;
  }
}
