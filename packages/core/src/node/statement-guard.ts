/**
 * Rejects the SQL that DO SQLite rejects, so code that passes in Node does not fail in a DO.
 * It splits a script into statements (respecting strings, comments and trigger bodies) and
 * looks at the first keywords of each one.
 * @module
 */
import { SQL_LIMITS, type SqlBinding } from "../sql.ts";

const TRANSACTION_WORDS = new Set(["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"]);
const TRANSACTION_MESSAGE =
  "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements: SQLITE_AUTH";

/** Upper-cased words at the start of each statement of `script` (first three per statement). */
export function statementHeads(script: string): string[][] {
  const heads: string[][] = [];
  let words: string[] = [];
  let inTrigger = false;
  let caseDepth = 0;
  let i = 0;
  const flush = () => {
    if (words.length > 0) heads.push(words.slice(0, 3));
    words = [];
    inTrigger = false;
    caseDepth = 0;
  };
  while (i < script.length) {
    const ch = script[i] ?? "";
    if (ch === "'" || ch === '"' || ch === "`") {
      const close = script.indexOf(ch, i + 1);
      i = close === -1 ? script.length : close + 1;
      words.push("'");
    } else if (ch === "-" && script[i + 1] === "-") {
      const nl = script.indexOf("\n", i);
      i = nl === -1 ? script.length : nl + 1;
    } else if (ch === "/" && script[i + 1] === "*") {
      const close = script.indexOf("*/", i + 2);
      i = close === -1 ? script.length : close + 2;
    } else if (ch === ";") {
      i++;
      if (!inTrigger) flush();
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < script.length && /[A-Za-z0-9_$]/.test(script[j] ?? "")) j++;
      const word = script.slice(i, j).toUpperCase();
      i = j;
      if (word === "TRIGGER" && words[0] === "CREATE") inTrigger = true;
      if (inTrigger && word === "CASE") caseDepth++;
      if (inTrigger && word === "END") {
        if (caseDepth > 0) caseDepth--;
        else inTrigger = false;
      }
      words.push(word);
    } else {
      i++;
    }
  }
  flush();
  return heads;
}

/**
 * Query texts already checked and found allowed (hot statements repeat; checking is O(length)).
 * Only texts up to 16 KB are kept, so the memo stays under about 32 MB.
 */
const allowedQueries = new Set<string>();

/** Throws the error DO SQLite would throw for this statement and these bindings, if any. */
export function assertAllowed(query: string, bindings: readonly SqlBinding[]): void {
  if (!allowedQueries.has(query)) {
    assertQueryAllowed(query);
    if (query.length <= 16_384) {
      if (allowedQueries.size >= 2_000) allowedQueries.clear();
      allowedQueries.add(query);
    }
  }
  assertBindingsAllowed(bindings);
}

function assertBindingsAllowed(bindings: readonly SqlBinding[]): void {
  if (bindings.length > SQL_LIMITS.maxBindings) {
    throw new Error("too many SQL variables: SQLITE_ERROR");
  }
  for (const value of bindings) {
    const size =
      typeof value === "string"
        ? value.length * 3 > SQL_LIMITS.maxValueBytes
          ? new TextEncoder().encode(value).length
          : 0
        : value instanceof ArrayBuffer || ArrayBuffer.isView(value)
          ? value.byteLength
          : 0;
    if (size > SQL_LIMITS.maxValueBytes) throw new Error("string or blob too big: SQLITE_TOOBIG");
  }
}

function assertQueryAllowed(query: string): void {
  if (new TextEncoder().encode(query).length > SQL_LIMITS.maxStatementBytes) {
    throw new Error("statement too long: SQLITE_TOOBIG");
  }
  for (const [first, second, third] of statementHeads(query)) {
    if (first && TRANSACTION_WORDS.has(first)) throw new Error(TRANSACTION_MESSAGE);
    if (first === "ATTACH" || first === "DETACH") throw new Error("not authorized: SQLITE_AUTH");
    if (first === "CREATE" && (second === "TEMP" || second === "TEMPORARY")) {
      throw new Error("not authorized: SQLITE_AUTH");
    }
    if (first === "CREATE" && second === "VIRTUAL" && third === "TABLE" && /\bUSING\s+rtree/i.test(query)) {
      throw new Error("not authorized: SQLITE_AUTH");
    }
  }
  if (/\bsqlite_version\s*\(/i.test(query)) {
    throw new Error("not authorized to use function: sqlite_version: SQLITE_AUTH");
  }
}
