/**
 * A cluster of TestHosts (one per "DO"), each with a checkpoint over an account row, joined by an
 * in-memory network that can drop, duplicate, delay (reorder) and block messages, on one
 * ManualClock. `settle()` runs deliveries, background work and due wake-ups until quiet,
 * advancing the clock to the next wake-up within a budget.
 */
import { gunzipSync } from "node:zlib";
import { ManualClock, type WakeEvent } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { TestHost } from "@durable/core/testing";
import {
  type Checkpoint,
  type CheckpointConfigInput,
  checkpointCapability,
  type ParticipantMessage,
  type ParticipantReply,
  type Transport,
  tablesOperator,
} from "../src/index.ts";

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One "DO" of the cluster. */
export interface Node {
  name: string;
  db: ReturnType<typeof openSqlite>;
  host: TestHost;
  cp: Checkpoint;
  /** Throw in the next captures while > 0. */
  failCaptures: { n: number };
}

type Filter = (from: string, to: string, message: ParticipantMessage) => boolean;

/** The in-memory network. */
export class Network {
  drop = 0;
  dup = 0;
  lostReply = 0;
  maxDelay = 0;
  /** Messages for which this returns true are lost. */
  block: Filter = () => false;
  readonly sent: { from: string; to: string; message: ParticipantMessage }[] = [];
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #random: () => number;
  readonly #nodes: Map<string, Node>;

  constructor(nodes: Map<string, Node>, seed = 1) {
    this.#nodes = nodes;
    this.#random = rng(seed);
  }

  transport(from: string): Transport {
    return { send: (to, message) => this.#track(this.#send(from, to, message)) };
  }

  #track<T>(p: Promise<T>): Promise<T> {
    const quiet = p.catch(() => {});
    this.#inflight.add(quiet);
    quiet.finally(() => this.#inflight.delete(quiet));
    return p;
  }

  async #delay(): Promise<void> {
    const n = Math.floor(this.#random() * (this.maxDelay + 1));
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  }

  async #send(from: string, to: string, message: ParticipantMessage): Promise<ParticipantReply> {
    this.sent.push({ from, to, message });
    await this.#delay();
    if (this.block(from, to, message) || this.#random() < this.drop) throw new Error("lost");
    const node = this.#nodes.get(to);
    if (!node) throw new Error(`no DO ${to}`);
    if (this.#random() < this.dup) {
      this.#track(this.#delay().then(() => node.cp.receive(structuredClone(message))));
    }
    const reply = await node.cp.receive(structuredClone(message));
    if (this.#random() < this.lostReply) throw new Error("reply lost");
    return reply;
  }

  get busy(): boolean {
    return this.#inflight.size > 0;
  }

  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }
}

/** A cluster of account DOs. */
export class Cluster {
  readonly clock = new ManualClock(Date.UTC(2026, 0, 1));
  readonly nodes = new Map<string, Node>();
  readonly net: Network;
  readonly config: CheckpointConfigInput;

  constructor(seed = 1, config: CheckpointConfigInput = {}) {
    this.net = new Network(this.nodes, seed);
    this.config = config;
  }

  /** Adds a DO with one account holding `balance`. */
  async add(name: string, balance = 1000, db = openSqlite()): Promise<Node> {
    db.sql.exec("CREATE TABLE IF NOT EXISTS app_accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL) STRICT");
    db.sql.exec(
      "CREATE TABLE IF NOT EXISTS app_log (src TEXT NOT NULL, n INTEGER NOT NULL, amount INTEGER NOT NULL) STRICT",
    );
    db.sql.exec("INSERT OR IGNORE INTO app_accounts (id, balance) VALUES (1, ?)", balance);
    const host = new TestHost({ sql: db.sql, transactionSync: db.transactionSync, clock: this.clock, tenant: "t" });
    const failCaptures = { n: 0 };
    const cap = host.use(
      checkpointCapability({
        ...this.config,
        self: () => name,
        transport: this.net.transport(name),
        setup: (cp) => {
          cp.registerOperator("accounts", {
            ...tablesOperator(db.sql, ["app_accounts", "app_log"]),
            schemaVersion: 1,
            *capture() {
              if (failCaptures.n > 0) {
                failCaptures.n--;
                throw new Error("capture crashed");
              }
              yield* tablesOperator(db.sql, ["app_accounts", "app_log"]).capture();
            },
          });
          cp.channels.onMessage((from, payload) => {
            const p = payload as { amount: number; n: number };
            db.sql.exec("UPDATE app_accounts SET balance = balance + ? WHERE id = 1", p.amount);
            db.sql.exec("INSERT INTO app_log (src, n, amount) VALUES (?, ?, ?)", from, p.n, p.amount);
          });
        },
      }),
    );
    await host.start();
    const node: Node = { name, db, host, cp: cap.checkpoint, failCaptures };
    this.nodes.set(name, node);
    return node;
  }

  /** A restart: the same storage, a new composition (in-memory state and recorded wake-ups lost). */
  async restart(name: string): Promise<Node> {
    const old = this.nodes.get(name) as Node;
    return this.add(name, 0, old.db);
  }

  node(name: string): Node {
    return this.nodes.get(name) as Node;
  }

  balance(name: string): number {
    return this.node(name).db.sql.exec<{ balance: number }>("SELECT balance FROM app_accounts WHERE id = 1").one()
      .balance;
  }

  total(): number {
    return [...this.nodes.keys()].reduce((n, k) => n + this.balance(k), 0);
  }

  #seq = 0;

  /** Moves `amount` from `from` to `to`: debit and message commit together; sent after commit. */
  transfer(from: string, to: string, amount: number): void {
    const node = this.node(from);
    const n = ++this.#seq;
    node.db.transactionSync(() => {
      node.db.sql.exec("UPDATE app_accounts SET balance = balance - ? WHERE id = 1", amount);
      node.cp.channels.send(to, { amount, n });
    });
    node.host.background.waitUntil(node.cp.channels.flush(to).catch(() => {}));
  }

  /** Runs deliveries, background work and due wake-ups until quiet, advancing the clock up to `budgetMs`. */
  async settle(budgetMs = 0, until?: () => boolean): Promise<WakeEvent[]> {
    const end = this.clock.now() + budgetMs;
    const fired: WakeEvent[] = [];
    for (let round = 0; round < 10_000; round++) {
      await this.net.idle();
      for (const n of this.nodes.values()) await n.host.background.settled();
      let count = 0;
      for (const n of this.nodes.values()) {
        const events = await n.host.fireDueWakes();
        count += events.length;
        fired.push(...events);
      }
      if (until?.()) return fired;
      if (count > 0 || this.net.busy) continue;
      const next = Math.min(...[...this.nodes.values()].flatMap((n) => n.host.wakes.pending().map((w) => w.atMs)));
      if (!Number.isFinite(next) || next > end) return fired;
      this.clock.set(Math.max(this.clock.now(), next));
    }
    throw new Error("the cluster did not settle");
  }
}

/** The records of operator `accounts` in a capture (inline or SQLite chunks), decoded. */
export function captureRecords(node: Node, snapshotId: string): unknown[] {
  const chunks = node.db.sql
    .exec<{ data: ArrayBuffer }>("SELECT data FROM ckpt_chunks WHERE snapshot_id = ? ORDER BY idx", snapshotId)
    .toArray();
  const text = gunzipSync(Buffer.concat(chunks.map((c) => Buffer.from(c.data)))).toString("utf8");
  return text
    .split("\n")
    .filter((l) => l.startsWith("accounts\t"))
    .map((l) => JSON.parse(l.slice("accounts\t".length)));
}

/** The balance an account capture holds. */
export function capturedBalance(node: Node, snapshotId: string): number {
  let table = "";
  for (const r of captureRecords(node, snapshotId)) {
    if (!Array.isArray(r)) table = (r as { table: string }).table;
    else if (table === "app_accounts") return r[1] as number;
  }
  throw new Error(`no account in ${snapshotId}`);
}

/** The amounts recorded as `node`'s incoming channel state of `epoch`. */
export function recordedAmount(node: Node, epoch: number): number {
  return node.db.sql
    .exec<{ payload: string }>("SELECT payload FROM ckpt_channel_state WHERE epoch = ?", epoch)
    .toArray()
    .reduce((n, r) => n + ((JSON.parse(r.payload) as { p: { amount: number } }).p.amount ?? 0), 0);
}
