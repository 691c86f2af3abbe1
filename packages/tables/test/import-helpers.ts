/** Fixtures of the import tests: bodies as streams, an import runner over a fresh database. */
import { systemClock } from "@durable/core";
import { type ImportFormat, parseImportOptions } from "../src/import/import-options.ts";
import { TableImports } from "../src/import/importer.ts";
import { open } from "./helpers.ts";

/** `text` as a byte stream cut into `chunk`-byte pieces (splitting UTF-8 sequences too). */
export function streamOf(text: string, chunk = 1000): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** A database with tables and an import runner; `run` imports a string. */
export function importer(afterBatch?: ConstructorParameters<typeof TableImports>[2]) {
  const base = open();
  const imports = new TableImports(base.tables, { sql: base.sql, clock: systemClock }, afterBatch);
  const run = (table: string, text: string, query = "", format: ImportFormat = "csv", chunk = 1000) =>
    imports.run({
      table,
      body: streamOf(text, chunk),
      format,
      options: parseImportOptions(new URLSearchParams(query)),
    });
  return { ...base, imports, run };
}

/** `CODE status detail extra` of what `p` rejects with. */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ code: string; status: number; detail: string; extra: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: string; status?: number; detail?: string; extra?: Record<string, unknown> };
    return { code: e.code ?? String(err), status: e.status ?? 0, detail: e.detail ?? "", extra: e.extra ?? {} };
  }
  throw new Error("expected a rejection");
}
