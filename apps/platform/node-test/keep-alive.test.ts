/**
 * Proves that every early answer leaves a keep-alive connection healthy, the way clients call
 * the platform: under `wrangler dev`, one keep-alive socket (node:http, maxSockets 1) and Node's
 * `fetch` send 2 MB bodies to refused routes (401 no token, 403 another tenant or a tenant token
 * on the platform route, 404 no route, 405 on /health and /console,
 * 405 wrong method, 413 over the route's cap), each followed by ordinary requests on the same
 * connection. No answer may be a 5xx, the socket must be reused, and wrangler must log no
 * uncaught error. Does not prove production's edge (a local workerd behind wrangler's proxy).
 */
import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, SPIKE_SECRET, startDev } from "../../../spikes/lib/wrangler-dev.ts";
import { claimsFor, signToken } from "../src/auth.ts";

const BIG = "x".repeat(2 * 1024 * 1024);
let dev: DevServer;
let token: string;
let otherToken: string;

beforeAll(async () => {
  dev = await startDev({ logLevel: "info" });
  token = await signToken(SPIKE_SECRET, claimsFor("keepalive", "tenant", 3600));
  otherToken = await signToken(SPIKE_SECRET, claimsFor("someone-else", "tenant", 3600));
}, 90_000);

afterAll(async () => {
  await dev?.stop();
});

interface Sent {
  status: number;
  body: string;
  reused: boolean;
}

/** One request on `agent`, resolving when its whole response was read. */
function send(agent: Agent, method: string, path: string, body?: string, auth?: string): Promise<Sent> {
  const url = new URL(path, dev.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        agent,
        headers: {
          ...(auth ? { authorization: `Bearer ${auth}` } : {}),
          ...(body === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, reused: req.reusedSocket }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const refused: [label: string, method: string, path: string, auth: () => string | undefined, status: number][] = [
  ["401 without a token", "PUT", "/v1/tenants/keepalive/meta/a", () => undefined, 401],
  ["403 for another tenant", "PUT", "/v1/tenants/keepalive/meta/a", () => otherToken, 403],
  ["404 for no route", "POST", "/v1/tenants/keepalive/nothing/here", () => token, 404],
  ["405 for a wrong method", "POST", "/v1/tenants/keepalive/tables/t", () => token, 405],
  ["413 over the route's cap", "PUT", "/v1/tenants/keepalive/meta/a", () => token, 413],
  ["405 on /health", "POST", "/health", () => undefined, 405],
  ["405 on the console", "POST", "/console", () => undefined, 405],
  ["401 on the platform route without a token", "POST", "/v1/platform/query", () => undefined, 401],
  ["403 on the platform route with a tenant token", "POST", "/v1/platform/query", () => token, 403],
  ["413 over a vector route's 1 MiB cap", "POST", "/v1/tenants/keepalive/vector/indexes", () => token, 413],
];

describe("early answers on a keep-alive connection", () => {
  it("node:http, one socket: each refusal with a 2 MB body, then ordinary requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const statuses: number[] = [];
      let reused = 0;
      for (const [label, method, path, auth, status] of refused) {
        const refusedAnswer = await send(agent, method, path, BIG, auth());
        expect(refusedAnswer.status, label).toBe(status);
        const put = await send(agent, "PUT", "/v1/tenants/keepalive/meta/a", JSON.stringify({ value: label }), token);
        const get = await send(agent, "GET", "/v1/tenants/keepalive/meta/a", undefined, token);
        expect([put.status, get.status], `after ${label}`).toEqual([200, 200]);
        expect(JSON.parse(get.body).value).toBe(label);
        statuses.push(refusedAnswer.status, put.status, get.status);
        reused += [refusedAnswer, put, get].filter((s) => s.reused).length;
      }
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      // The connection stayed up: all but the very first request rode a reused socket.
      expect(reused).toBeGreaterThanOrEqual(statuses.length - 1);
    } finally {
      agent.destroy();
    }
  }, 60_000);

  it("Node fetch: refusals with 2 MB bodies interleaved with ordinary writes, no 5xx", async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [label, method, path, auth, status] of refused) {
        const a = auth();
        const res = await fetch(new URL(path, dev.url), {
          method,
          body: BIG,
          headers: { "content-type": "application/json", ...(a ? { authorization: `Bearer ${a}` } : {}) },
        });
        await res.arrayBuffer();
        expect(res.status, label).toBe(status);
        const ok = await fetch(new URL("/v1/tenants/keepalive/meta/b", dev.url), {
          method: "PUT",
          body: JSON.stringify({ value: round }),
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        });
        await ok.arrayBuffer();
        statuses.push(res.status, ok.status);
      }
    }
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  }, 60_000);

  it("wrangler logged no uncaught error", () => {
    const output = dev.output();
    expect(output).not.toMatch(/Can't read from request stream/);
    expect(output).not.toMatch(/Uncaught|restarted mid-request/);
  });
});
