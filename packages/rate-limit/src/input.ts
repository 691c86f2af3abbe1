/**
 * Checks of the two inputs every decision takes (key and cost), written by hand because they
 * run on the hot path; and `hashKey` for composite keys that would be too long.
 * @module
 */
import { rlError } from "./errors.ts";

/** Longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 512;

const encoder = new TextEncoder();

/**
 * Why `key` is not a valid key (1–512 bytes of well-formed UTF-8 without control characters),
 * or undefined when it is. It builds no string for a valid key: it runs on every check.
 * @param key the key to check
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== "string" || key.length === 0) return "must be a non-empty string";
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so short keys need no encoding.
  if (key.length * 3 > MAX_KEY_BYTES && encoder.encode(key).length > MAX_KEY_BYTES) {
    return `longer than ${MAX_KEY_BYTES} bytes of UTF-8; use hashKey() for long keys`;
  }
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `control character at index ${i}`;
  }
  if (!key.isWellFormed()) return "not well-formed UTF-16 (lone surrogate)";
  return undefined;
}

/**
 * Throws 400 INVALID_KEY unless `key` is 1–512 bytes of well-formed UTF-8 without control
 * characters.
 * @param key the key to check
 * @param path where the key came from, for the message
 * @throws {INVALID_KEY}
 */
export function assertKey(key: unknown, path = "key"): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw rlError("INVALID_KEY", `${path}: ${problem}`);
}

/**
 * Returns the cost (default 1) or throws 400 INVALID_COST unless it is a positive safe integer.
 * @param cost the untrusted cost
 * @param path where it came from, for the message
 * @throws {INVALID_COST}
 */
export function checkCost(cost: unknown, path = "cost"): number {
  if (cost === undefined) return 1;
  if (typeof cost !== "number" || !Number.isSafeInteger(cost) || cost <= 0) {
    throw rlError(
      "INVALID_COST",
      `${path}: must be a positive safe integer, got ${typeof cost === "number" ? String(cost) : (JSON.stringify(cost) ?? typeof cost)}`,
    );
  }
  return cost;
}

/**
 * A fixed-length key from any parts: the hex SHA-256 of their JSON encoding (which keeps the
 * parts apart, so `("a:b", "c")` and `("a", "b:c")` differ). Use it for composite keys that may
 * exceed 512 bytes; never truncate a key, since truncated keys collide.
 * @param parts the parts of the key
 * @returns 64 hex characters
 * @example
 * const key = await hashKey("login", email, ip);
 */
export async function hashKey(...parts: (string | number)[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(JSON.stringify(parts)));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
