/**
 * Applies the refresh policy (`refresh-policy.js`) with one timer: refreshes the visible view
 * every 5 s while the tab is visible, pauses when it is hidden or after 10 minutes without
 * input, resumes on the operator's next input, and waits out a 429's `Retry-After`.
 * @module
 */
import { MAX_CALLS_PER_REFRESH, nextRefreshIn, pausedReason, retryAfterUntil } from "./refresh-policy.js";

export class Refresher {
  /**
   * @param {{ run: (limit: number) => Promise<void>, live: () => boolean, onState: (text: string) => void, signal: AbortSignal }} o
   */
  constructor(o) {
    this.o = o;
    this.lastInputAt = Date.now();
    this.lastRefreshAt = Date.now();
    this.retryUntil = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.running = false;
    const input = () => {
      const wasIdle = this.state().reason === "idle";
      this.lastInputAt = Date.now();
      if (wasIdle) this.schedule();
    };
    for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"]) {
      window.addEventListener(type, input, { passive: true, signal: o.signal });
    }
    document.addEventListener("visibilitychange", () => this.schedule(), { signal: o.signal });
    o.signal.addEventListener("abort", () => this.stop());
  }

  state() {
    const s = {
      visible: document.visibilityState === "visible",
      live: this.o.live(),
      now: Date.now(),
      lastInputAt: this.lastInputAt,
      lastRefreshAt: this.lastRefreshAt,
      retryAfterUntil: this.retryUntil,
    };
    return { s, reason: pausedReason(s), wait: nextRefreshIn(s) };
  }

  /** A view was (re)loaded now: the next refresh is an interval away. */
  loaded() {
    this.lastRefreshAt = Date.now();
    this.schedule();
  }

  /** @param {string | null} header a 429's `Retry-After` */
  throttled(header) {
    this.retryUntil = retryAfterUntil(header, Date.now());
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    const { reason, wait, s } = this.state();
    if (reason === "static") this.o.onState("This view does not refresh by itself.");
    else if (reason === "hidden") this.o.onState("Auto-refresh paused while the tab is hidden.");
    else if (reason === "idle")
      this.o.onState("Auto-refresh paused after 10 minutes without input: press a key or move the pointer to resume.");
    else if (s.retryAfterUntil > s.now)
      this.o.onState(`Throttled (429): next refresh in ${Math.ceil((s.retryAfterUntil - s.now) / 1000)} s.`);
    else this.o.onState("Auto-refresh every 5 s while visible (at most 2 calls each).");
    if (wait === null) return;
    this.timer = setTimeout(() => void this.tick(), wait);
  }

  async tick() {
    if (this.running || this.state().wait !== 0) return this.schedule();
    this.running = true;
    this.lastRefreshAt = Date.now();
    try {
      await this.o.run(MAX_CALLS_PER_REFRESH);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  stop() {
    clearTimeout(this.timer);
  }
}
