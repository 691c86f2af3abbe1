// docs/tables.md, "From another Worker over RPC", verbatim: the example's typecheck proves the
// snippet compiles against the published packages (check:dist compares the two).
import { errorCodeOf, type Remote } from "@durable/core";
import type { TablesApi } from "@durable/tables";

/** What the platform's TenantDO offers this Worker. */
interface TenantStub {
  capability(name: "tables", tenant: string): Remote<TablesApi>;
}
interface Env {
  TENANT: { getByName(name: string): TenantStub }; // a durable_objects binding to TenantDO
}

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    // The tenant id is the DO name, and the tenant the call is for: another tenant's DO refuses it.
    const tables = env.TENANT.getByName("acme").capability("tables", "acme"); // pipelined
    try {
      await tables.createTable({
        name: "orders",
        columns: [
          { name: "id", type: "integer" },
          { name: "placed_at", type: "timestamp", nullable: false },
          { name: "total", type: "real" },
        ],
        primaryKey: "id",
      });
    } catch (err) {
      if (errorCodeOf(err) !== "TABLE_EXISTS") throw err;
    }
    const { inserted } = await tables.writeRows(
      "orders",
      [
        { id: 1, placed_at: "2024-03-10T09:00:00Z", total: 42.5 },
        { id: 2, placed_at: Date.now(), total: 7 },
      ],
      "upsert",
    );
    const page = await tables.scanRows("orders", { where: { col: "total", op: ">", value: 10 }, limit: 100 });
    return Response.json({ inserted, rows: page.rows, next: page.cursor });
  },
};
