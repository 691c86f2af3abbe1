/**
 * One structured log line per request (Workers Logs indexes JSON fields).
 * @module
 */

/** The fields of a request log line. */
export interface RequestLog {
  requestId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  tenant?: string;
  code?: string;
}

/** Writes one JSON line. */
export function logRequest(entry: RequestLog): void {
  console.log(JSON.stringify({ level: "info", msg: "request", ...entry }));
}
