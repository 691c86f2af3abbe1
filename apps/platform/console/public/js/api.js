/**
 * The console's client of the platform's documented routes. The tenant and token live in
 * `sessionStorage` only (gone with the tab); the token travels only in the `Authorization`
 * header, never in a URL, and nothing is written to `localStorage`. Each refresh gets a
 * {@link Budget} that refuses a third quota-spending call.
 * @module
 */

const TENANT_KEY = "durable-console.tenant";
const TOKEN_KEY = "durable-console.token";
const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** An error answer of the API (or a network failure, status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {string | null} retryAfter the `Retry-After` header
   */
  constructor(status, code, message, retryAfter = null) {
    super(status === 0 ? message : `${status} ${code}: ${message}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * @typedef {{ tenant: string, token: string }} Session
 * @typedef {{ tenant: string | null, role: string | null, scopes: string[], exp: number | null }} Claims
 */

/** @returns {Session | null} the signed-in tenant and token of this tab */
export function loadSession() {
  const tenant = sessionStorage.getItem(TENANT_KEY);
  const token = sessionStorage.getItem(TOKEN_KEY);
  return tenant !== null && token !== null ? { tenant, token } : null;
}

/** @param {Session} s */
export function saveSession(s) {
  sessionStorage.setItem(TENANT_KEY, s.tenant);
  sessionStorage.setItem(TOKEN_KEY, s.token);
}

export function clearSession() {
  sessionStorage.removeItem(TENANT_KEY);
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * @param {string} tenant
 * @returns {boolean} a valid tenant id (a lower-case DNS label)
 */
export function isTenantId(tenant) {
  return TENANT_ID.test(tenant);
}

/**
 * What the token says about itself (unverified: the API decides; the console only greys out
 * actions a token cannot take). An unreadable token has no scopes.
 * @param {string} token
 * @returns {Claims}
 */
export function decodeClaims(token) {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const c = JSON.parse(json);
    return {
      tenant: typeof c.tenant === "string" ? c.tenant : null,
      role: typeof c.role === "string" ? c.role : null,
      scopes: Array.isArray(c.scopes) ? c.scopes.filter((/** @type {unknown} */ s) => typeof s === "string") : [],
      exp: typeof c.exp === "number" ? c.exp : null,
    };
  } catch {
    return { tenant: null, role: null, scopes: [], exp: null };
  }
}

/** Counts one refresh's quota-spending calls and refuses past its limit. */
export class Budget {
  /** @param {number} limit */
  constructor(limit) {
    this.limit = limit;
    this.used = 0;
  }

  /** @param {string} path */
  spend(path) {
    if (this.used >= this.limit) throw new Error(`refresh budget of ${this.limit} calls exceeded by ${path}`);
    this.used++;
  }
}

/** Calls `/v1/tenants/:tenant/...` with the session's token. */
export class Api {
  /** @param {Session} session */
  constructor(session) {
    this.session = session;
    /** @type {Budget | null} the current refresh's budget, when one runs */
    this.budget = null;
  }

  /**
   * The same client, counting its quota-spending calls against a fresh budget (one refresh).
   * @param {number} limit
   * @returns {Api}
   */
  withBudget(limit) {
    const scoped = new Api(this.session);
    scoped.budget = new Budget(limit);
    return scoped;
  }

  /**
   * @param {string} method
   * @param {string} path below the tenant, e.g. `/tables`
   * @param {unknown} [body]
   * @returns {Promise<any>} the JSON answer (null for 204)
   * @throws {ApiError}
   */
  async call(method, path, body) {
    // The plan route is not gated: it spends no quota.
    if (this.budget && !(method === "GET" && path === "/rate-limit/plan")) this.budget.spend(path);
    /** @type {Record<string, string>} */
    const headers = { accept: "application/json" };
    if (this.session.token !== "") headers.authorization = `Bearer ${this.session.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await fetch(`/v1/tenants/${encodeURIComponent(this.session.tenant)}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
      });
    } catch (err) {
      throw new ApiError(0, "NETWORK", `the platform did not answer (${String(err)})`);
    }
    const text = await res.text();
    /** @type {any} */
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const error = json && typeof json === "object" ? json.error : null;
      throw new ApiError(
        res.status,
        typeof error?.code === "string" ? error.code : "HTTP_ERROR",
        typeof error?.message === "string" ? error.message : text.slice(0, 200) || res.statusText,
        res.headers.get("retry-after"),
      );
    }
    return json;
  }

  /**
   * @param {string} path
   * @returns {Promise<any>}
   */
  get(path) {
    return this.call("GET", path);
  }

  /**
   * @param {string} path
   * @param {unknown} body
   * @returns {Promise<any>}
   */
  post(path, body) {
    return this.call("POST", path, body);
  }
}
