/**
 * One alarm pass: at most `maxPerPass` due rows from the queue index, each processed in its own
 * try/catch (a row whose processing throws outside any handler moves back with a growing delay),
 * consecutive DAG task rows run concurrently, then a bounded sweep; the alarm is re-armed in a
 * `finally`, so also after a throw.
 * @module
 */
import type { SchedulerConfig } from "./config.ts";
import type { Claims } from "./dedup.ts";
import type { Deliveries } from "./deliveries.ts";
import { isCrash } from "./faults.ts";
import type { History } from "./history.ts";
import type { Queue, QueueRow } from "./queue.ts";
import type { Runner } from "./runner.ts";
import type { Schedules } from "./schedules.ts";
import type { PassReport, SchedulerPorts } from "./types.ts";
import type { Wakes } from "./wakes.ts";

/** What a pass works with. */
export interface PassDeps {
  ports: SchedulerPorts;
  config: SchedulerConfig;
  queue: Queue;
  history: History;
  claims: Claims;
  schedules: Schedules;
  runner: Runner;
  wakes: Wakes;
  deliveries: Deliveries;
}

/** A run row of a DAG task (its ref is `dag:<runId>:<taskId>`). */
function isDagRow(row: QueueRow | undefined): boolean {
  return row?.kind === "run" && row.ref.startsWith("dag:");
}

function emptyReport(): PassReport {
  return {
    due: 0,
    ran: 0,
    succeeded: 0,
    retried: 0,
    deadLettered: 0,
    duplicates: 0,
    wakes: 0,
    deliveries: 0,
    continued: 0,
    errors: 0,
    early: false,
    more: false,
    nextAlarm: null,
  };
}

/** Runs alarm passes over the queue (the caller serializes them). */
export class AlarmPass {
  readonly #d: PassDeps;

  constructor(deps: PassDeps) {
    this.#d = deps;
  }

  /** One pass; re-arms the alarm in a `finally`. */
  async run(): Promise<PassReport> {
    const { queue, ports, config } = this.#d;
    queue.forget();
    const { clock } = ports;
    const max = config.maxPerPass;
    const report = emptyReport();
    const seen = new Set<number>();
    let units = 0;
    try {
      if (!queue.hasDue(clock.now())) report.early = queue.earliest() !== null;
      while (units < max) {
        const rows = queue.due(clock.now(), Math.min(max - units + seen.size, max * 4));
        const fresh = rows.filter((r) => !seen.has(r.id));
        if (fresh.length === 0) break;
        for (let i = 0; i < fresh.length && units < max; ) {
          // Consecutive DAG task rows run concurrently (their DAG already caps how many are
          // queued at once); everything else runs one row after another, in due order.
          let group = 1;
          while (group < max - units && isDagRow(fresh[i + group]) && isDagRow(fresh[i])) group++;
          const rows = fresh.slice(i, i + group);
          i += group;
          for (const row of rows) seen.add(row.id);
          report.due += rows.length;
          const results = await Promise.allSettled(rows.map((row) => this.#process(row, report, seen, max - units)));
          results.forEach((result, k) => {
            if (result.status === "fulfilled") {
              units += result.value;
              return;
            }
            if (isCrash(result.reason)) throw result.reason;
            report.errors++;
            this.#isolate(rows[k] as QueueRow);
            units++;
          });
        }
      }
      try {
        this.#sweep();
      } catch (err) {
        if (isCrash(err)) throw err;
        report.errors++;
      }
    } finally {
      report.nextAlarm = await queue.rearm();
      report.more = queue.hasDue(clock.now());
    }
    return report;
  }

  async #process(row: QueueRow, report: PassReport, seen: Set<number>, budget: number): Promise<number> {
    const { ports, schedules, runner } = this.#d;
    switch (row.kind) {
      case "occ": {
        const now = ports.clock.now();
        const runs = ports.transactionSync(() => schedules.fire(row.id, row.ref, now));
        let used = 0;
        for (const run of runs) {
          if (used >= budget) break;
          if (run.due_at > ports.clock.now()) continue;
          seen.add(run.id);
          await runner.execRun(run, report);
          used++;
        }
        return Math.max(used, 1);
      }
      case "run":
        await runner.execRun(row, report);
        return 1;
      case "wake":
        await this.#d.wakes.exec(row, report);
        return 1;
      case "outbox":
        await this.#d.deliveries.deliver(row.ref, report);
        return 1;
    }
  }

  /** A row whose processing threw outside any handler moves back with a growing delay. */
  #isolate(row: QueueRow): void {
    const delay = Math.min(60_000, 1_000 * 2 ** Math.min(row.attempt, 6));
    this.#d.queue.retryAt(row.id, this.#d.ports.clock.now() + delay);
  }

  #sweep(): void {
    const now = this.#d.ports.clock.now();
    this.#d.claims.sweep(now);
    this.#d.history.sweep(now - this.#d.config.historyRetentionMs);
  }
}
