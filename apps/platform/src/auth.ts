/**
 * Bearer tokens: `v1.<claims>.<signature>`, both base64url, signed with HMAC-SHA-256 over
 * `v1.<claims>` using the `AUTH_SECRET` of the environment (crypto.subtle, constant-time verify).
 * A token names one tenant (or `*` for operator and platform tokens), a role, scopes and an expiry.
 * @module
 */
import { PlatformError, safeParse } from "@durable/core";
import * as z from "zod/mini";

/** Who holds the token. */
export type Role = "tenant" | "operator" | "platform";

/** The signed claims of a token. */
export interface TokenClaims {
  /** Subject: who the token was issued to. */
  sub: string;
  /** The tenant it is for, or `*` (operator and platform tokens only). */
  tenant: string;
  role: Role;
  scopes: string[];
  /** Expiry, epoch seconds. */
  exp: number;
  /** Issued at, epoch seconds. */
  iat: number;
}

/**
 * Scopes each role gets by default. `plan:write` lets an operator change a tenant's plan;
 * `checkpoint:restore` (restore and recover destroy newer state) is never a tenant's.
 */
export const DEFAULT_SCOPES: Record<Role, string[]> = {
  tenant: ["read", "write"],
  operator: ["read", "write", "plan:write", "checkpoint:restore"],
  platform: ["platform:read", "plan:write", "checkpoint:restore"],
};

const ClaimsSchema = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(256)),
  tenant: z.string().check(z.minLength(1), z.maxLength(63)),
  role: z.enum(["tenant", "operator", "platform"]),
  scopes: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(32)),
  exp: z.int(),
  iat: z.int(),
});

const encoder = new TextEncoder();
/** The key type of crypto.subtle (named this way so Node and workerd types both accept it). */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<HmacKey>>();

function hmacKey(secret: string): Promise<HmacKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function unauthorized(detail: string): PlatformError {
  return new PlatformError("UNAUTHORIZED", detail, { status: 401, headers: { "www-authenticate": "Bearer" } });
}

/**
 * Signs claims into a token.
 * @param secret the HMAC secret (AUTH_SECRET)
 * @param claims what the token grants
 */
export async function signToken(secret: string, claims: TokenClaims): Promise<string> {
  const body = `v1.${toBase64Url(encoder.encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return `${body}.${toBase64Url(new Uint8Array(signature))}`;
}

/** Tokens whose signature this isolate verified, by secret and token (their expiry is still checked). */
const verified = new Map<string, TokenClaims>();
/** How many verified tokens an isolate remembers (oldest forgotten first). */
const VERIFIED_CACHE_SIZE = 1_000;

/**
 * Verifies a token's signature and expiry. A signature verified once is remembered by this
 * isolate (the Worker's, or a DO's), so a client's next requests skip the HMAC: every request
 * was checked twice (Worker, then DO), at about 50 µs each.
 * @param secret the HMAC secret
 * @param token the bearer token
 * @param nowMs the current time
 * @returns its claims
 * @throws {UNAUTHORIZED} 401 for a malformed, forged or expired token
 */
export async function verifyToken(secret: string, token: string, nowMs = Date.now()): Promise<TokenClaims> {
  const cacheKey = `${secret}\u0000${token}`;
  const known = verified.get(cacheKey);
  if (known) {
    if (known.exp * 1000 <= nowMs) throw unauthorized("token expired");
    return known;
  }
  const claims = await verifySignature(secret, token);
  if (claims.exp * 1000 <= nowMs) throw unauthorized("token expired");
  if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
  verified.set(cacheKey, claims);
  return claims;
}

async function verifySignature(secret: string, token: string): Promise<TokenClaims> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== "v1") throw unauthorized("malformed token");
  const [version, payload, signature] = parts as [string, string, string];
  let valid = false;
  let claims: unknown;
  try {
    valid = await crypto.subtle.verify(
      "HMAC",
      await hmacKey(secret),
      fromBase64Url(signature),
      encoder.encode(`${version}.${payload}`),
    );
    claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
  } catch {
    throw unauthorized("malformed token");
  }
  if (!valid) throw unauthorized("invalid token signature");
  const parsed = safeParse(ClaimsSchema, claims);
  if (!parsed.success) throw unauthorized("malformed token claims");
  return parsed.data;
}

/**
 * Reads the bearer token of a request.
 * @throws {UNAUTHORIZED} 401 when the header is missing or not `Bearer <token>`
 */
export function bearerToken(request: Request): string {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized("missing bearer token");
  return match[1];
}

/**
 * Checks that the claims reach `tenant` (and carry `scope`, when one is given: the Worker checks
 * the tenant only, the DO the route's scope).
 * @throws {FORBIDDEN} 403 for another tenant's token or a missing scope
 */
export function authorize(claims: TokenClaims, tenant: string, scope?: string): void {
  const tenantOk = claims.tenant === tenant || (claims.tenant === "*" && claims.role !== "tenant");
  if (!tenantOk) throw new PlatformError("FORBIDDEN", `token is not valid for tenant ${tenant}`, { status: 403 });
  if (scope !== undefined && !claims.scopes.includes(scope)) {
    throw new PlatformError("FORBIDDEN", `token lacks the scope ${scope}`, { status: 403 });
  }
}

/**
 * Verifies the request's token (signature, expiry) and authorizes it for `tenant` and, when
 * given, `scope`.
 * @throws {CONFIG_INVALID} 503 when the environment has no secret (never falls back to a dev secret)
 */
export async function authenticate(
  request: Request,
  secret: string | undefined,
  tenant: string,
  scope?: string,
): Promise<TokenClaims> {
  if (!secret) {
    throw new PlatformError("CONFIG_INVALID", "AUTH_SECRET is not configured", { status: 503 });
  }
  const claims = await verifyToken(secret, bearerToken(request));
  authorize(claims, tenant, scope);
  return claims;
}

/**
 * Claims for a new token with the role's default scopes.
 * @param tenant the tenant id, or `*`
 * @param role the role
 * @param ttlSeconds lifetime
 */
export function claimsFor(tenant: string, role: Role, ttlSeconds: number, nowMs = Date.now()): TokenClaims {
  const iat = Math.floor(nowMs / 1000);
  return { sub: `${role}:${tenant}`, tenant, role, scopes: DEFAULT_SCOPES[role], iat, exp: iat + ttlSeconds };
}
