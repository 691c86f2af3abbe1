/**
 * Delivery of cross-DAG trigger outbox rows after the commit that wrote them: a local DAG run
 * keyed by the outbox id, or the `TriggerSink` port for a DAG in another DO. A failure leaves the
 * outbox row's queue row as the safety net (redelivered with a growing delay).
 * @module
 */
import { checksum } from "@durable/core";
import type { Dags } from "./dags.ts";
import { errorText } from "./errors.ts";
import { isCrash } from "./faults.ts";
import type { Queue } from "./queue.ts";
import type { PassReport, SchedulerPorts } from "./types.ts";

/** Delivers `outbox` rows. */
export class Deliveries {
  readonly #ports: SchedulerPorts;
  readonly #queue: Queue;
  readonly #dags: Dags;

  constructor(ports: SchedulerPorts, queue: Queue, dags: Dags) {
    this.#ports = ports;
    this.#queue = queue;
    this.#dags = dags;
  }

  /** Delivers the outbox rows a run's end just committed, one after another. */
  async deliverAll(ids: string[], report: PassReport): Promise<void> {
    for (const id of ids) {
      this.#ports.faults?.afterOutboxPersist?.(id);
      await this.deliver(id, report);
    }
  }

  /** Delivers one outbox row (idempotent: its id is the target run's key). */
  async deliver(id: string, report: PassReport): Promise<void> {
    const { transactionSync } = this.#ports;
    const ob = this.#dags.triggers.outbox(id);
    if (!ob || ob.state === "delivered") {
      transactionSync(() => this.#queue.deleteRef("outbox", id));
      return;
    }
    const version = ob.to_version === "latest" ? ("latest" as const) : Number(ob.to_version);
    const key = id.length <= 128 ? id : `trigger:${checksum(id)}`;
    try {
      if (ob.target !== null) {
        const sink = this.#ports.triggerSink;
        if (!sink) throw new Error("no TriggerSink port");
        await sink.send({ target: ob.target, dag: ob.to_dag, version, key });
        transactionSync(() => this.#dags.triggers.delivered(id));
      } else {
        transactionSync(() => {
          this.#dags.run(ob.to_dag, { key, version });
          this.#dags.triggers.delivered(id);
        });
      }
      report.deliveries++;
    } catch (err) {
      if (isCrash(err)) throw err;
      transactionSync(() => this.#dags.triggers.deliveryFailed(id, errorText(err)));
    }
  }
}
