/**
 * Not part of the pattern to copy: `npm run check:dist` installs every @durable/* tarball here,
 * and this file proves each published Worker entry loads in workerd from its `dist/` and has its
 * types (the typecheck resolves every package's declarations); `@durable/core/arrow` with its
 * optional peer apache-arrow installed. The Node-only entries (`@durable/core/node`,
 * `@durable/rate-limit/testing`) are left out on purpose.
 */
import * as cdc from "@durable/cdc";
import * as checkpoint from "@durable/checkpoint";
import * as core from "@durable/core";
import * as coreArrow from "@durable/core/arrow";
import * as coreTesting from "@durable/core/testing";
import * as estimator from "@durable/cost-estimator";
import * as preAgg from "@durable/pre-agg";
import * as queryRouter from "@durable/query-router";
import * as rateLimit from "@durable/rate-limit";
import * as scheduler from "@durable/scheduler";
import * as schedulerTesting from "@durable/scheduler/testing";
import * as tables from "@durable/tables";
import * as vector from "@durable/vector";
import * as vectorTesting from "@durable/vector/testing";
import { expect, it } from "vitest";

const factories: [entry: string, factory: unknown][] = [
  ["@durable/cdc", cdc.cdcCapability],
  ["@durable/checkpoint", checkpoint.checkpointCapability],
  ["@durable/core", core.runMigrations],
  ["@durable/core/arrow", coreArrow.encodeArrow],
  ["@durable/core/testing", coreTesting.TestHost],
  ["@durable/cost-estimator", estimator.estimatorCapability],
  ["@durable/pre-agg", preAgg.preAggCapability],
  ["@durable/query-router", queryRouter.queryRouterCapability],
  ["@durable/rate-limit", rateLimit.rateLimitCapability],
  ["@durable/scheduler", scheduler.schedulerCapability],
  ["@durable/scheduler/testing", schedulerTesting.MemoryAlarm],
  ["@durable/tables", tables.tablesCapability],
  ["@durable/vector", vector.vectorCapability],
  ["@durable/vector/testing", vectorTesting.vectorIndexContract],
];

it.each(factories)("%s loads in workerd", (_entry, factory) => {
  expect(typeof factory).toBe("function");
});
