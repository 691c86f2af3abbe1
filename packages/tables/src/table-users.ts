/**
 * The "table users" seam: capabilities that depend on a user table (a rollup over it, a CDC
 * consumer tracking it, a vector index over it) register here, so that dropping the table is
 * refused while they use it (409 TABLE_IN_USE) and schema changes reach them in the same
 * transaction (CDC rebuilds its triggers on addColumn).
 * @module
 */
import type { TableDef } from "./table-spec.ts";

/** A capability that depends on user tables. */
export interface TableUser {
  /** Shown in TABLE_IN_USE messages (e.g. `cdc`). */
  readonly name: string;
  /** What of this user depends on `table` (e.g. `consumer audit`); empty when nothing. */
  usesOf(table: string): string[];
  /**
   * `table` is being dropped with `force`: drop what depended on it. Runs inside the DDL
   * transaction, before the table is dropped; throwing aborts the drop.
   */
  onTableDropped?(table: string): void;
  /**
   * `table`'s schema changed (a column or index was added or removed). Runs inside the DDL
   * transaction, after the change; throwing rolls it back.
   */
  onSchemaChanged?(table: TableDef): void;
}

/** The registry of {@link TableUser}s of one DO. */
export class TableUsers {
  readonly #users: TableUser[] = [];

  /** Adds a user; a user registered twice is kept once. */
  register(user: TableUser): void {
    if (!this.#users.includes(user)) this.#users.push(user);
  }

  /** `user: thing` for every registered use of `table`. */
  usesOf(table: string): string[] {
    return this.#users.flatMap((u) => u.usesOf(table).map((what) => `${u.name}: ${what}`));
  }

  /** Tells every user that `table` is being dropped. */
  dropped(table: string): void {
    for (const u of this.#users) u.onTableDropped?.(table);
  }

  /** Tells every user that `table`'s schema changed. */
  changed(table: TableDef): void {
    for (const u of this.#users) u.onSchemaChanged?.(table);
  }
}
