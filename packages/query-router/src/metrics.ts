/**
 * The router's metrics: answers per source, latency percentiles per source over the last
 * 1,000 samples, the cache hit rate, refreshes started/skipped/failed, budget violations and
 * breaker states.
 * @module
 */
import type { Source } from "./answer.ts";
import type { RefreshCounts } from "./refresh.ts";
import type { CacheStats } from "./result-cache.ts";

/** Percentiles of one source, ms. */
export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

/** What `metrics()` returns. */
export interface RouterMetrics {
  requests: number;
  bySource: Record<Source, number>;
  latencyMs: Record<Source, Latency>;
  hitRate: number;
  refreshes: RefreshCounts & { active: number };
  violations: number;
  errors: number;
  cache: CacheStats;
  breakers: { closed: number; open: number; halfOpen: number; opened: number };
}

/** A ring of the last N samples. */
class Samples {
  readonly #values: number[] = [];
  #next = 0;
  count = 0;
  constructor(readonly size: number) {}
  add(v: number): void {
    this.count++;
    if (this.#values.length < this.size) this.#values.push(v);
    else {
      this.#values[this.#next] = v;
      this.#next = (this.#next + 1) % this.size;
    }
  }
  latency(): Latency {
    const sorted = [...this.#values].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return { count: this.count, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}

const SOURCES: Source[] = ["cache", "rollup", "local", "fanout"];

/** The counters behind {@link RouterMetrics}. */
export class MetricsRecorder {
  readonly #samples: Record<Source, Samples>;
  violations = 0;
  errors = 0;

  constructor(samples = 1_000) {
    this.#samples = Object.fromEntries(SOURCES.map((s) => [s, new Samples(samples)])) as Record<Source, Samples>;
  }

  /** One served answer. */
  served(source: Source, ms: number, ageMs: number, budgetMs: number): void {
    this.#samples[source].add(ms);
    if (ageMs > budgetMs) this.violations++;
  }

  /** The metrics, with the cache's, refreshes' and breakers' numbers. */
  snapshot(
    cache: CacheStats,
    refreshes: RefreshCounts & { active: number },
    breakers: RouterMetrics["breakers"],
  ): RouterMetrics {
    const bySource = Object.fromEntries(SOURCES.map((s) => [s, this.#samples[s].count])) as Record<Source, number>;
    const requests = SOURCES.reduce((n, s) => n + bySource[s], 0);
    return {
      requests,
      bySource,
      latencyMs: Object.fromEntries(SOURCES.map((s) => [s, this.#samples[s].latency()])) as Record<Source, Latency>,
      hitRate: requests === 0 ? 0 : bySource.cache / requests,
      refreshes,
      violations: this.violations,
      errors: this.errors,
      cache,
      breakers,
    };
  }
}
