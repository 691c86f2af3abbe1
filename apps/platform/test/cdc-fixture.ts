/**
 * `TestCdcDO`: a DOBase with the scheduler, tables and cdc, configured small enough for tests
 * to reach the limits quickly (a backlog cap of 150, Parquet flushes at 100 rows, a drain as soon
 * as a write commits). Production composes cdc with its defaults in TenantDO.
 */
import { cdcCapability } from "@durable/cdc";
import { tablesCapability } from "@durable/tables";
import { platformScheduler } from "../src/capabilities/scheduler.ts";
import { DOBase } from "../src/index.ts";

/** The fixture DO of the cdc workerd tests. */
export class TestCdcDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.use(platformScheduler());
    this.use(tablesCapability());
    this.use(
      cdcCapability({
        config: { maxBacklogEvents: 150, parquetMaxRows: 100, batchDelayMs: 0 },
        queues: { CDC_EVENTS: env.CDC_EVENTS },
      }),
    );
  }
}
