/**
 * `schedulerCapability`: the scheduler as a platform capability. It owns the alarm (`onAlarm`
 * runs a pass), runs its migrations and self-heal on start, and serves the HTTP API under
 * `/v1/tenants/:tenant/scheduler/...`.
 * @module
 */
import { type Capability, json, parseOrThrow, type Route, type Wake, type WakeEvent } from "@durable/core";
import { z } from "zod";
import { schedError } from "./errors.ts";
import { SCHEDULER_MIGRATIONS } from "./migrations.ts";
import type { Scheduler } from "./scheduler.ts";
import { KeySchema, ListQuerySchema, PageQuerySchema } from "./schemas.ts";

const RunDagBodySchema = z.strictObject({ key: KeySchema, version: z.number().int().min(1).optional() });

function query(q: URLSearchParams): Record<string, string> {
  return Object.fromEntries(q.entries());
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw schedError("INVALID_SCHEDULE", "the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** The scheduler as a capability: the alarm owner of a DO (DOBase's `useAlarmOwner`). */
export interface SchedulerCapability extends Capability {
  readonly scheduler: Scheduler;
  /** The `Wake` port to hand to other capabilities. */
  readonly wake: Wake;
  /** Registers another capability's wake handler under its name. */
  registerWake(owner: string, fn: (event: WakeEvent) => void | Promise<void>): void;
  onAlarm(): Promise<void>;
}

/**
 * Wraps a scheduler as a capability. Compose it first: DOBase's `alarm()` calls only its `onAlarm`.
 * @param scheduler from `createScheduler(ports)`
 * @example
 * const scheduler = createScheduler(this.ports);
 * this.use(schedulerCapability(scheduler));
 */
export function schedulerCapability(scheduler: Scheduler): SchedulerCapability {
  const id = (params: Record<string, string>, name = "id") =>
    parseOrThrow(z.string().min(1).max(128), params[name], "NOT_FOUND", name);
  const settled = async <T>(value: T, status = 200): Promise<Response> => {
    await scheduler.settle();
    return json(value, status);
  };
  const must = <T>(value: T | null, what: string): T => {
    if (value === null) throw schedError("NOT_FOUND", `${what} not found`, 404);
    return value;
  };
  const routes: Route[] = [
    {
      method: "POST",
      path: "/scheduler/schedules",
      handle: ({ body }) => {
        const r = scheduler.schedule(bodyObject(body) as Parameters<Scheduler["schedule"]>[0]);
        return settled(r, r.created ? 201 : 200);
      },
    },
    {
      method: "GET",
      path: "/scheduler/schedules",
      handle: ({ query: q }) => scheduler.list(parseOrThrow(ListQuerySchema, query(q), "INVALID_SCHEDULE")),
    },
    {
      method: "GET",
      path: "/scheduler/schedules/:id",
      handle: ({ params }) => must(scheduler.get(id(params)), `schedule ${params.id}`),
    },
    {
      method: "DELETE",
      path: "/scheduler/schedules/:id",
      handle: ({ params }) => {
        scheduler.cancel(id(params));
        return settled(scheduler.get(id(params)));
      },
    },
    {
      method: "POST",
      path: "/scheduler/schedules/:id/pause",
      handle: ({ params }) => {
        scheduler.pause(id(params));
        return settled(scheduler.get(id(params)));
      },
    },
    {
      method: "POST",
      path: "/scheduler/schedules/:id/resume",
      handle: ({ params }) => {
        scheduler.resume(id(params));
        return settled(scheduler.get(id(params)));
      },
    },
    {
      method: "GET",
      path: "/scheduler/schedules/:id/runs",
      handle: ({ params, query: q }) =>
        scheduler.runs(id(params), parseOrThrow(PageQuerySchema, query(q), "INVALID_SCHEDULE")),
    },
    {
      method: "GET",
      path: "/scheduler/dead-letters",
      handle: ({ query: q }) => scheduler.deadLetters.list(parseOrThrow(PageQuerySchema, query(q), "INVALID_SCHEDULE")),
    },
    {
      method: "POST",
      path: "/scheduler/dead-letters/:id/replay",
      handle: ({ params }) => {
        scheduler.deadLetters.replay(id(params));
        return settled({ replayed: true });
      },
    },
    {
      method: "DELETE",
      path: "/scheduler/dead-letters/:id",
      handle: ({ params }) => {
        scheduler.deadLetters.delete(id(params));
        return settled({ deleted: true });
      },
    },
    {
      method: "PUT",
      path: "/scheduler/dags/:id",
      handle: ({ params, body }) => {
        const d = bodyObject(body);
        if (d.id !== undefined && d.id !== params.id)
          throw schedError("DAG_INVALID", "id in the body differs from the path");
        const r = scheduler.defineDag({ ...d, id: id(params) } as Parameters<Scheduler["defineDag"]>[0]);
        return settled(r, r.created ? 201 : 200);
      },
    },
    {
      method: "POST",
      path: "/scheduler/dags/:id/runs",
      handle: ({ params, body }) => {
        const b = parseOrThrow(RunDagBodySchema, body, "DAG_INVALID");
        return settled(scheduler.runDag(id(params), b.version ? { key: b.key, version: b.version } : { key: b.key }));
      },
    },
    {
      method: "GET",
      path: "/scheduler/dags/:id/runs/:runId",
      handle: ({ params }) => must(scheduler.getDagRun(id(params), id(params, "runId")), `dag run ${params.runId}`),
    },
    {
      method: "POST",
      path: "/scheduler/dags/:id/triggers",
      handle: ({ params, body }) => {
        scheduler.addTrigger({ ...bodyObject(body), from: id(params) } as Parameters<Scheduler["addTrigger"]>[0]);
        return settled({ ok: true }, 201);
      },
    },
    {
      method: "GET",
      path: "/scheduler/tasks/:id",
      handle: ({ params }) => must(scheduler.tasks.get(id(params)), `task ${params.id}`),
    },
    {
      method: "DELETE",
      path: "/scheduler/tasks/:id",
      handle: ({ params }) => {
        scheduler.tasks.cancel(id(params));
        return settled(scheduler.tasks.get(id(params)));
      },
    },
  ];
  return {
    name: "scheduler",
    scheduler,
    wake: scheduler.wake,
    registerWake: (owner, fn) => scheduler.onWake(owner, fn),
    migrations: SCHEDULER_MIGRATIONS,
    onStart: () => scheduler.start(),
    onAlarm: async () => {
      await scheduler.onAlarm();
    },
    routes,
  };
}
