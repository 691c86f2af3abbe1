/**
 * `Composition`: how capabilities are put together, as a plain class over the ports, so that
 * DOBase (in a DO) and `TestHost` (in Node) compose them by the same rules:
 * - the alarm owner comes first and alone gets the raw alarm;
 * - each capability gets ports scoped to it (its own `wake`);
 * - a capability's `requires` must already be composed, else construction fails naming both;
 * - names are unique, and the set is fixed once start begins;
 * - start runs every migration set (only here), registers wake handlers, then `onStart` in order.
 * @module
 */
import type { Background } from "./background.ts";
import type { BlobStore } from "./blob-store.ts";
import type {
  AlarmOwner,
  AlarmOwnerDefinition,
  AlarmPort,
  Capability,
  CapabilityDefinition,
  CapabilityPorts,
  RequiredCapabilities,
} from "./capability.ts";
import type { Clock } from "./clock.ts";
import { type MigrationSet, runMigrations } from "./migrations.ts";
import type { Sql, TransactionSync } from "./sql.ts";
import { scopedWake, type WakeEvent, type WakeRouter } from "./wake.ts";

/** What a host (a DO, or a Node test) provides. */
export interface HostPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  blobs: BlobStore;
  background: Background;
  /** The raw alarm, handed to the alarm owner only. */
  alarm?: AlarmPort;
  /** Wake-ups when there is no alarm owner (Node tests); otherwise the alarm owner's are used. */
  wakes?: WakeRouter;
  tenant(): string | null;
}

function isAlarmOwnerDefinition(
  def: CapabilityDefinition<Capability> | AlarmOwnerDefinition<AlarmOwner>,
): def is AlarmOwnerDefinition<AlarmOwner> {
  return (def as AlarmOwnerDefinition).ownsAlarm === true;
}

/** An ordered, checked set of capabilities over one host's ports. */
export class Composition {
  readonly #ports: HostPorts;
  readonly #capabilities: Capability[] = [];
  readonly #byName = new Map<string, Capability>();
  #alarmOwner: AlarmOwner | undefined;
  #locked = false;

  /**
   * @param ports the host's ports
   * @param extraMigrations the host's own tables, run before every capability's
   */
  constructor(
    ports: HostPorts,
    readonly extraMigrations: readonly MigrationSet[] = [],
  ) {
    this.#ports = ports;
  }

  /**
   * Builds a capability from its definition with ports scoped to it, and adds it.
   * @returns the capability, for a host that keeps a typed reference
   * @throws when the set is locked, the name is taken, a required capability is missing, or an
   * alarm owner comes second
   */
  use<C extends Capability>(def: CapabilityDefinition<C> | AlarmOwnerDefinition<C & AlarmOwner>): C {
    if (this.#locked) throw new Error(`use(${def.name}) after start: capabilities are fixed at construction`);
    if (this.#byName.has(def.name)) throw new Error(`capability ${def.name} is registered twice`);
    const ports = this.#scopedPorts(def.name);
    let capability: C;
    if (isAlarmOwnerDefinition(def as CapabilityDefinition<Capability>)) {
      if (this.#alarmOwner)
        throw new Error(`alarm owner ${this.#alarmOwner.name} is already set; ${def.name} cannot own it`);
      if (this.#capabilities.length > 0) {
        throw new Error(`the alarm owner ${def.name} must be composed first (before ${this.#capabilities[0]?.name})`);
      }
      if (!this.#ports.alarm) throw new Error(`${def.name} owns the alarm, but this host has none`);
      const owner = (def as AlarmOwnerDefinition<C & AlarmOwner>).create({ ...ports, alarm: this.#ports.alarm });
      this.#alarmOwner = owner;
      capability = owner;
    } else {
      const plain = def as CapabilityDefinition<C>;
      capability = plain.create(ports, this.#required(plain));
    }
    if (capability.name !== def.name) {
      throw new Error(`definition ${def.name} built a capability named ${capability.name}`);
    }
    this.#capabilities.push(capability);
    this.#byName.set(capability.name, capability);
    return capability;
  }

  #required(def: CapabilityDefinition<Capability>): RequiredCapabilities {
    const requires = def.requires ?? [];
    for (const name of requires) {
      if (!this.#byName.has(name)) {
        throw new Error(`capability ${def.name} requires ${name}: compose ${name} before ${def.name}`);
      }
    }
    return {
      get: <T extends Capability>(name: string): T => {
        if (!requires.includes(name))
          throw new Error(`capability ${def.name} did not declare that it requires ${name}`);
        return this.#byName.get(name) as T;
      },
    };
  }

  #scopedPorts(name: string): CapabilityPorts {
    const { sql, transactionSync, clock, blobs, background, tenant } = this.#ports;
    return { sql, transactionSync, clock, blobs, background, tenant, wake: scopedWake(() => this.#wakes(), name) };
  }

  #wakes(): WakeRouter {
    const router = this.#alarmOwner?.wakes ?? this.#ports.wakes;
    if (!router) throw new Error("this host has no alarm owner: compose schedulerCapability() first to use wake-ups");
    return router;
  }

  /** The capabilities in registration order. */
  get capabilities(): readonly Capability[] {
    return this.#capabilities;
  }

  /** The alarm owner, if one was composed. */
  get alarmOwner(): AlarmOwner | undefined {
    return this.#alarmOwner;
  }

  /** A capability by name. */
  get(name: string): Capability | undefined {
    return this.#byName.get(name);
  }

  /** Fixes the set: every later `use` throws. */
  lock(): void {
    this.#locked = true;
  }

  /**
   * Locks, runs every migration set (the host's first), calls `afterMigrations` (DOBase records
   * its tenant there, so that every `onStart` can read it), registers wake handlers with the
   * alarm owner, then calls `onStart` in registration order.
   */
  async start(afterMigrations?: () => void): Promise<void> {
    this.lock();
    const { sql, transactionSync, clock } = this.#ports;
    for (const set of this.extraMigrations) runMigrations(sql, transactionSync, set, clock.now());
    for (const c of this.#capabilities)
      if (c.migrations) runMigrations(sql, transactionSync, c.migrations, clock.now());
    afterMigrations?.();
    const owner = this.#alarmOwner;
    if (owner) {
      for (const c of this.#capabilities) {
        if (c !== owner && c.onWake) owner.registerWake(c.name, (event) => this.deliverWake(event));
      }
    }
    for (const c of this.#capabilities) await c.onStart?.();
  }

  /**
   * Hands a due wake-up to its owner's `onWake` (the alarm owner calls this through
   * `registerWake`; Node tests without a scheduler call it directly).
   * @throws when no capability of that name handles wake-ups
   */
  async deliverWake(event: WakeEvent): Promise<void> {
    const target = this.#byName.get(event.owner);
    if (!target?.onWake) throw new Error(`no capability ${event.owner} handles wake-ups`);
    await target.onWake(event);
  }
}
