/**
 * The in-process half of the import variant, run by `import.ts` in a fresh Node process whose
 * heap is capped like a Durable Object isolate's (128 MB): imports the CSV at `argv[2]` through
 * `TableImports` and prints `{ rowsPerS, peakMb, rows }` as its last line. A fresh process, as
 * a DO's import runs in its own isolate: measured inside the spike's long-lived process, the
 * heap after the other variants lets garbage pile up and `peakMb` counts that garbage.
 * @module
 */
import { importInNode } from "./import.ts";

const path = process.argv[2];
if (!path) throw new Error("usage: import-child.ts <file.csv>");
console.log(JSON.stringify(await importInNode(path)));
