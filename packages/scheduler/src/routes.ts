/**
 * The scheduler's HTTP routes under `/v1/tenants/:tenant/scheduler/...`: a thin layer over the
 * RPC API (`api.ts`) that reads paths, queries and bodies and picks the status (201 for a new
 * schedule, DAG version or trigger).
 * @module
 */
import { json, type Route } from "@durable/core";
import { bodyObject, checkId, type SchedulerApi } from "./api.ts";
import { schedError } from "./errors.ts";
import type { DagInput, ScheduleInput, TriggerInput } from "./schemas.ts";

function query(q: URLSearchParams): Record<string, string> {
  return Object.fromEntries(q.entries());
}

/** A path parameter ("" when absent, which no id accepts). */
function param(params: Record<string, string>, name = "id"): string {
  return params[name] ?? "";
}

/**
 * The HTTP routes of the scheduler capability.
 * @param api the capability's RPC API (every route calls one of its methods)
 */
export function schedulerRoutes(api: SchedulerApi): Route[] {
  return [
    {
      method: "POST",
      path: "/scheduler/schedules",
      handle: async ({ body }) => {
        const r = await api.schedule(body as ScheduleInput);
        return json(r, r.created ? 201 : 200);
      },
    },
    { method: "GET", path: "/scheduler/schedules", handle: ({ query: q }) => api.list(query(q)) },
    { method: "GET", path: "/scheduler/schedules/:id", handle: ({ params }) => api.get(param(params)) },
    { method: "DELETE", path: "/scheduler/schedules/:id", handle: ({ params }) => api.cancel(param(params)) },
    { method: "POST", path: "/scheduler/schedules/:id/pause", handle: ({ params }) => api.pause(param(params)) },
    { method: "POST", path: "/scheduler/schedules/:id/resume", handle: ({ params }) => api.resume(param(params)) },
    {
      method: "GET",
      path: "/scheduler/schedules/:id/runs",
      handle: ({ params, query: q }) => api.runs(param(params), query(q)),
    },
    { method: "GET", path: "/scheduler/dead-letters", handle: ({ query: q }) => api.listDeadLetters(query(q)) },
    {
      method: "POST",
      path: "/scheduler/dead-letters/:id/replay",
      handle: ({ params }) => api.replayDeadLetter(param(params)),
    },
    {
      method: "DELETE",
      path: "/scheduler/dead-letters/:id",
      handle: ({ params }) => api.deleteDeadLetter(param(params)),
    },
    { method: "GET", path: "/scheduler/dags", handle: ({ query: q }) => api.listDags(query(q)) },
    {
      method: "GET",
      path: "/scheduler/dags/:id/runs",
      handle: ({ params, query: q }) => api.listDagRuns(param(params), query(q)),
    },
    {
      method: "PUT",
      path: "/scheduler/dags/:id",
      handle: async ({ params, body }) => {
        const d = bodyObject(body);
        if (d.id !== undefined && d.id !== params.id) {
          throw schedError("DAG_INVALID", "id in the body differs from the path");
        }
        const r = await api.defineDag({ ...d, id: checkId(params.id) } as DagInput);
        return json(r, r.created ? 201 : 200);
      },
    },
    {
      method: "POST",
      path: "/scheduler/dags/:id/runs",
      handle: ({ params, body }) => api.runDag(param(params), body as { key: string }),
    },
    {
      method: "GET",
      path: "/scheduler/dags/:id/runs/:runId",
      handle: ({ params }) => api.getDagRun(param(params), param(params, "runId")),
    },
    {
      method: "POST",
      path: "/scheduler/dags/:id/triggers",
      handle: async ({ params, body }) => {
        const r = await api.addTrigger({ ...bodyObject(body), from: checkId(params.id) } as TriggerInput);
        return json(r, 201);
      },
    },
    { method: "GET", path: "/scheduler/tasks/:id", handle: ({ params }) => api.getTask(param(params)) },
    { method: "DELETE", path: "/scheduler/tasks/:id", handle: ({ params }) => api.cancelTask(param(params)) },
  ];
}
