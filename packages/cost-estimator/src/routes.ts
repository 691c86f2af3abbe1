/**
 * The estimator's HTTP routes below `/v1/tenants/:tenant`: estimates, feedback, ANALYZE,
 * statistics and calibration. Bodies are checked with zod; every error is a `[CODE]`
 * PlatformError with the status the issue names.
 * @module
 */
import { json, parseOrThrow, type Route, safeParse } from "@durable/core";
import * as z from "zod/mini";
import type { CostEstimator } from "./estimator.ts";
import { parseFeedback } from "./inputs.ts";

const AnalyzeBodySchema = z.optional(z.strictObject({ full: z.optional(z.boolean()) }));
const CalibrationBodySchema = z.object({ constants: z.unknown() });

/**
 * The routes of the estimator capability.
 * @param estimator the estimator they serve
 */
export function estimatorRoutes(estimator: CostEstimator): Route[] {
  return [
    {
      method: "POST",
      path: "/estimator/estimate",
      scope: "read",
      handle: ({ body }) => estimator.estimate(body),
    },
    {
      method: "POST",
      path: "/estimator/feedback",
      scope: "write",
      handle: ({ body }) => {
        const f = parseFeedback(body);
        estimator.recordActual(f.fingerprint, f.estimatedRows, f.actualRows);
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "POST",
      path: "/estimator/tables/:table/analyze",
      scope: "write",
      handle: ({ params, body }) => {
        const o = parseOrThrow(AnalyzeBodySchema, body ?? undefined, "INVALID_INPUT");
        const job = estimator.analyze(params.table ?? "", { full: o?.full === true });
        return json({ jobId: job.jobId, status: job.status, full: job.full, rowsRead: job.rowsRead }, 202);
      },
    },
    {
      method: "GET",
      path: "/estimator/tables/:table/stats",
      handle: ({ params }) => estimator.stats(params.table ?? ""),
    },
    {
      method: "GET",
      path: "/estimator/calibration",
      handle: () => ({ constants: estimator.constants() }),
    },
    {
      method: "PUT",
      path: "/estimator/calibration",
      scope: "write",
      handle: ({ body }) => {
        const parsed = safeParse(CalibrationBodySchema, body);
        return { constants: estimator.setConstants(parsed.success ? parsed.data.constants : body) };
      },
    },
    {
      method: "POST",
      path: "/estimator/calibration/run",
      scope: "write",
      handle: () => ({ constants: estimator.calibrate() }),
    },
  ];
}
