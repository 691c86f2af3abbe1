/**
 * Pins the exact text of the platform's own validation messages: `PLANS`, `VECTOR_BACKEND` and
 * `VECTORIZE_INDEXES`, token claims, the `meta` key and body, the operator plan body, the
 * `checkpoint.global` payload and the platform query's routing options. Written against full
 * `zod` (the routing texts are the router's, recorded from full zod before the move); it proves
 * the move to `zod/mini` (issue 15) changed none of them, and that token claims are still
 * stripped of unknown keys.
 */

import { thrownMessage } from "@durable/core/testing";
import { describe, expect, it } from "vitest";
import { signToken, verifyToken } from "../src/auth.ts";
import { quotaPlans } from "../src/capabilities/quota.ts";
import { vectorBackend } from "../src/capabilities/vector.ts";
import { call, jsonInit, jsonOf, tokenFor, uniqueTenant } from "./helpers.ts";

const reason = (env: Record<string, string>) => {
  const backend = vectorBackend(env);
  return backend.kind === "invalid" ? backend.reason : backend.kind;
};

describe("the platform's validation messages", () => {
  it("PLANS: wrong type, too small, a custom message, a discriminator, nested paths", () => {
    const plans = (value: unknown) => thrownMessage(() => quotaPlans(JSON.stringify(value)));
    expect(plans({})).toBe("[CONFIG_INVALID] PLANS: Invalid input: expected array, received object");
    expect(plans([])).toBe("[CONFIG_INVALID] PLANS: Too small: expected array to have >=1 items");
    expect(plans([{ name: "Free!", limits: [] }])).toBe(
      "[CONFIG_INVALID] PLANS[0].[name]: must match [a-z0-9_-]{1,64}",
    );
    expect(plans([{ name: "free", limits: [{ name: "m", algorithm: "leaky", capacity: 1 }] }])).toBe(
      "[CONFIG_INVALID] PLANS[0].[limits].[0].[algorithm]: Invalid discriminator value. Expected 'tokenBucket' | 'gcra' | 'slidingWindow' | 'slidingLog' | 'fixedWindow'",
    );
    expect(
      plans([{ name: "free", limits: [{ name: "d", algorithm: "slidingWindow", limit: 1.5, windowMs: 1000 }] }]),
    ).toBe("[CONFIG_INVALID] PLANS[0].[limits].[0].[limit]: Invalid input: expected int, received number");
  });

  it("VECTOR_BACKEND and VECTORIZE_INDEXES: an enum, a record key, a custom message, wrong types", () => {
    expect(reason({ VECTOR_BACKEND: "pinecone" })).toBe(
      'VECTOR_BACKEND: (root): Invalid option: expected one of "local"|"vectorize"',
    );
    const indexes = (json: string) => reason({ VECTOR_BACKEND: "vectorize", VECTORIZE_INDEXES: json });
    expect(indexes('{"Bad Name":"VEC"}')).toBe("VECTORIZE_INDEXES: Bad Name: Invalid key in record");
    expect(indexes('{"docs":"1VEC"}')).toBe("VECTORIZE_INDEXES: docs: a binding name");
    expect(indexes('["VEC"]')).toBe("VECTORIZE_INDEXES: (root): Invalid input: expected record, received array");
    expect(indexes('{"docs":1}')).toBe("VECTORIZE_INDEXES: docs: Invalid input: expected string, received number");
  });

  it("token claims: bad claims are one 401 message; unknown claims are dropped", async () => {
    const secret = "claims-secret";
    const claims = { sub: "a", tenant: "acme", role: "tenant", scopes: ["read"], exp: 2e9, iat: 1 };
    const verify = async (c: object) => verifyToken(secret, await signToken(secret, c as never), 0);
    for (const bad of [
      { role: "admin" },
      { exp: 1.5e9 + 0.5 },
      { scopes: ["x".repeat(65)] },
      { tenant: "x".repeat(64) },
    ]) {
      await expect(verify({ ...claims, ...bad })).rejects.toThrow("[UNAUTHORIZED] malformed token claims");
    }
    expect(await verify({ ...claims, extra: 1 })).toEqual(claims);
  });

  it("meta, the operator plan body and the checkpoint.global payload over HTTP", async () => {
    const tenant = uniqueTenant("msg");
    const token = await tokenFor(tenant);
    const operator = await tokenFor(tenant, "operator");
    const base = `/v1/tenants/${tenant}`;
    const messageOfResponse = async (res: Response, status: number) => {
      expect(res.status).toBe(status);
      return (await jsonOf(res)).error.message;
    };
    expect(await messageOfResponse(await call(`${base}/meta/bad%20key`, { token }), 400)).toBe(
      "key: 1–128 characters of [A-Za-z0-9._:-]",
    );
    expect(await messageOfResponse(await call(`${base}/meta/k`, jsonInit("PUT", { value: 1, x: 2 }, token)), 400)).toBe(
      '(root): Unrecognized key: "x"',
    );
    expect(await messageOfResponse(await call(`${base}/meta/k`, jsonInit("PUT", {}, token)), 400)).toBe(
      "value: Invalid input",
    );
    expect(
      await messageOfResponse(await call(`${base}/rate-limit/plan`, jsonInit("PUT", { plan: "BAD!" }, operator)), 400),
    ).toBe("plan: Invalid string: must match pattern /^[a-z0-9_-]{1,64}$/");
    const schedule = (payload: unknown) =>
      call(
        `${base}/scheduler/schedules`,
        jsonInit("POST", { key: "g", handler: "checkpoint.global", when: { cron: "0 3 * * *" }, payload }, token),
      );
    expect(await messageOfResponse(await schedule({ timeoutMs: 5 }), 400)).toBe(
      "payload.timeoutMs: Too small: expected number to be >=1000",
    );
    expect(await messageOfResponse(await schedule({ nope: 1 }), 400)).toBe('payload: Unrecognized key: "nope"');
  });

  it("the platform query's routing options over HTTP (parsed before any tenant is asked)", async () => {
    const platform = await tokenFor("*", "platform");
    const ask = async (routing: unknown) => {
      const body = { query: { table: "events", measures: [{ agg: "count" }] }, routing };
      const res = await call("/v1/platform/query", jsonInit("POST", body, platform));
      expect(res.status).toBe(400);
      return (await jsonOf(res)).error.message;
    };
    expect(await ask({ deadlineMs: 0 })).toBe("routing: Too small: expected number to be >=1");
    expect(await ask({ allowPartial: "yes" })).toBe("routing: Invalid input: expected boolean, received string");
    expect(await ask({ bogus: 1 })).toBe('routing: Unrecognized key: "bogus"');
  });
});
