import { describe, expect, it } from "vitest";
import { type ColumnCatalog, catalogColumnTypes, PlatformError } from "../src/index.ts";

const catalog: ColumnCatalog = {
  describeTable(name) {
    if (name !== "flights") throw new PlatformError("TABLE_NOT_FOUND", `no table ${name}`, { status: 404 });
    return {
      columns: [
        { name: "id", type: "integer" },
        { name: "origin", type: "text" },
        { name: "at", type: "timestamp" },
        { name: "geo", type: "point" },
      ],
    };
  },
};

describe("catalogColumnTypes", () => {
  it("types each column of the table by its catalog type, under a prefix", () => {
    expect([...catalogColumnTypes(catalog, "flights")]).toEqual([
      ["id", "integer"],
      ["origin", "text"],
      ["at", "timestamp"],
    ]);
    expect(catalogColumnTypes(catalog, "flights", "flights.").get("flights.origin")).toBe("text");
  });

  it("knows nothing (computed columns) without a catalog, a table name, or a table", () => {
    expect(catalogColumnTypes(undefined, "flights").size).toBe(0);
    expect(catalogColumnTypes(catalog, 42).size).toBe(0);
    expect(catalogColumnTypes(catalog, "dropped").size).toBe(0);
  });
});
