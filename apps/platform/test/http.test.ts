/**
 * Proves the Worker's HTTP contract end to end through the real Worker and TenantDO: health,
 * auth (401/403/503), tenant validation (400, and no DO created), routing (404/405), body limits
 * (413) and JSON errors (400), request ids and the meta capability.
 * Does not prove production latency or real secrets management.
 */
import { listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { claimsFor, signToken } from "../src/auth.ts";
import worker from "../src/index.ts";
import { call, env, jsonInit, jsonOf, SECRET, tokenFor, uniqueTenant } from "./helpers.ts";

describe("health", () => {
  it("answers without auth, with a request id", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(await jsonOf(res)).toEqual({ ok: true, version: "0.1.0" });
    expect(res.headers.get("x-request-id")).toMatch(/.{8,}/);
  });
});

describe("auth", () => {
  it("401 without a token, with a forged one and with an expired one", async () => {
    const tenant = uniqueTenant();
    const missing = await call(`/v1/tenants/${tenant}/meta/a`);
    expect(missing.status).toBe(401);
    expect((await jsonOf(missing)).error.code).toBe("UNAUTHORIZED");
    const forged = await signToken("another-secret", claimsFor(tenant, "tenant", 3600));
    expect((await call(`/v1/tenants/${tenant}/meta/a`, { token: forged })).status).toBe(401);
    const good = await tokenFor(tenant);
    const [v, , sig] = good.split(".");
    const tampered = `${v}.${btoa(JSON.stringify(claimsFor("other", "tenant", 3600)))}.${sig}`;
    expect((await call(`/v1/tenants/${tenant}/meta/a`, { token: tampered })).status).toBe(401);
    const expired = await signToken(SECRET, claimsFor(tenant, "tenant", -10));
    const res = await call(`/v1/tenants/${tenant}/meta/a`, { token: expired });
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error.message).toMatch(/expired/);
    expect((await call(`/v1/tenants/${tenant}/meta/a`, { token: "garbage" })).status).toBe(401);
  });

  it("403 with another tenant's token, and the other tenant's DO is never called", async () => {
    const a = uniqueTenant("a");
    const b = uniqueTenant("b");
    const res = await call(`/v1/tenants/${b}/meta/x`, jsonInit("PUT", { value: 1 }, await tokenFor(a)));
    expect(res.status).toBe(403);
    expect((await jsonOf(res)).error.code).toBe("FORBIDDEN");
    const ids = await listDurableObjectIds(env.TENANT);
    expect(ids.some((id) => id.equals(env.TENANT.idFromName(b)))).toBe(false);
  });

  it("a tenant token cannot use a wildcard; an operator token for * reaches any tenant", async () => {
    const tenant = uniqueTenant();
    const wildcardTenant = await signToken(SECRET, { ...claimsFor("*", "tenant", 3600) });
    expect((await call(`/v1/tenants/${tenant}/meta/k`, { token: wildcardTenant })).status).toBe(403);
    const operator = await tokenFor("*", "operator");
    expect((await call(`/v1/tenants/${tenant}/meta/k`, { token: operator })).status).toBe(404);
  });

  it("a deployed Worker without a secret answers 503 CONFIG_INVALID and accepts no token", async () => {
    const tenant = uniqueTenant();
    const devToken = await signToken("dev-secret-change-me-0123456789abcdef", claimsFor(tenant, "tenant", 3600));
    const noSecret = { ...env, AUTH_SECRET: "" } as Env;
    const res = await worker.fetch(
      new Request(`https://x/v1/tenants/${tenant}/meta/a`, { headers: { authorization: `Bearer ${devToken}` } }),
      noSecret,
    );
    expect(res.status).toBe(503);
    expect((await jsonOf(res)).error.code).toBe("CONFIG_INVALID");
  });
});

describe("tenant ids", () => {
  it.each(["Evil..", "a%2Fb", "x".repeat(64), "", "-lead", "UPPER"])(
    "400 INVALID_TENANT for %j, no DO created",
    async (id) => {
      const before = (await listDurableObjectIds(env.TENANT)).length;
      const res = await call(`/v1/tenants/${id}/meta/a`, { token: await tokenFor("a") });
      expect(res.status).toBe(400);
      expect((await jsonOf(res)).error.code).toBe("INVALID_TENANT");
      expect((await listDurableObjectIds(env.TENANT)).length).toBe(before);
    },
  );

  it("accepts a 63-character label", async () => {
    const id = `a${"b".repeat(61)}c`;
    const res = await call(`/v1/tenants/${id}/meta/a`, { token: await tokenFor(id) });
    expect(res.status).toBe(404);
  });
});

describe("routing and bodies", () => {
  it("404 NOT_FOUND for an unknown route, 405 METHOD_NOT_ALLOWED with Allow for a wrong method", async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    const unknown = await call(`/v1/tenants/${tenant}/nope/x`, { token });
    expect(unknown.status).toBe(404);
    expect((await jsonOf(unknown)).error.code).toBe("NOT_FOUND");
    expect((await call("/elsewhere")).status).toBe(404);
    const wrong = await call(`/v1/tenants/${tenant}/meta/a`, { method: "POST", token, body: "{}" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, PUT");
    expect((await jsonOf(wrong)).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("413 PAYLOAD_TOO_LARGE over 1 MB, also without a Content-Length, and nothing is stored", async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    const big = JSON.stringify({ value: "x".repeat(1024 * 1024) });
    const res = await call(`/v1/tenants/${tenant}/meta/big`, jsonInit("PUT", JSON.parse(big), token));
    expect(res.status).toBe(413);
    expect((await jsonOf(res)).error.code).toBe("PAYLOAD_TOO_LARGE");
    const stream = new Blob([big]).stream();
    const chunked = await call(`/v1/tenants/${tenant}/meta/big`, {
      method: "PUT",
      body: stream,
      token,
      // @ts-expect-error -- duplex is required for a streamed request body
      duplex: "half",
    });
    expect(chunked.status).toBe(413);
    expect((await call(`/v1/tenants/${tenant}/meta/big`, { token })).status).toBe(404);
  });

  it("400 INVALID_JSON for a non-JSON body, 400 with the zod path for a bad one", async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    const res = await call(`/v1/tenants/${tenant}/meta/a`, { method: "PUT", body: "{not json", token });
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).error.code).toBe("INVALID_JSON");
    const bad = await call(`/v1/tenants/${tenant}/meta/a`, jsonInit("PUT", { value: 1, extra: true }, token));
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).error.code).toBe("INVALID_BODY");
    const badKey = await call(`/v1/tenants/${tenant}/meta/${"k".repeat(129)}`, { token });
    expect((await jsonOf(badKey)).error).toMatchObject({ code: "INVALID_KEY" });
  });

  it("keeps a valid incoming request id and replaces an invalid one", async () => {
    const kept = await call("/health", { headers: { "x-request-id": "req-12345678" } });
    expect(kept.headers.get("x-request-id")).toBe("req-12345678");
    const replaced = await call("/health", { headers: { "x-request-id": "bad id!" } });
    expect(replaced.headers.get("x-request-id")).not.toBe("bad id!");
  });
});

describe("meta capability", () => {
  it("stores and reads JSON values per key", async () => {
    const tenant = uniqueTenant();
    const token = await tokenFor(tenant);
    const put = await call(`/v1/tenants/${tenant}/meta/color`, jsonInit("PUT", { value: { hex: "#09f" } }, token));
    expect(put.status).toBe(200);
    const got = await call(`/v1/tenants/${tenant}/meta/color`, { token });
    expect(await jsonOf(got)).toMatchObject({ key: "color", value: { hex: "#09f" } });
    await call(`/v1/tenants/${tenant}/meta/color`, jsonInit("PUT", { value: [1, 2] }, token));
    expect((await jsonOf(await call(`/v1/tenants/${tenant}/meta/color`, { token }))).value).toEqual([1, 2]);
  });
});
