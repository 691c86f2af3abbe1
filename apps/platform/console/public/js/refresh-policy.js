/**
 * When the console refreshes, as pure decisions (unit-tested in Node; `refresh.js` applies them
 * with timers). Every console call but `GET /rate-limit/plan` spends the tenant's quota (the free
 * plan: 60 a minute, 10,000 a day), so a refresh reads only the visible view with at most
 * {@link MAX_CALLS_PER_REFRESH} calls, every {@link REFRESH_INTERVAL_MS} while the tab is visible,
 * and stops {@link IDLE_STOP_MS} after the operator's last input until they return.
 * @module
 */

/** How often a visible live view refreshes. */
export const REFRESH_INTERVAL_MS = 5_000;
/** The most quota-spending calls one refresh may make. */
export const MAX_CALLS_PER_REFRESH = 2;
/** Auto-refresh stops after this long without input. */
export const IDLE_STOP_MS = 10 * 60_000;

/**
 * @typedef {object} RefreshState
 * @property {boolean} visible the tab is visible (`document.visibilityState`)
 * @property {boolean} live the current view has changing numbers
 * @property {number} now epoch ms
 * @property {number} lastInputAt epoch ms of the last key, pointer or wheel input
 * @property {number} lastRefreshAt epoch ms the last refresh started
 * @property {number} retryAfterUntil epoch ms before which a 429's `Retry-After` forbids calls
 */

/**
 * Why auto-refresh is off right now, or null when it runs.
 * @param {RefreshState} s
 * @returns {"hidden" | "static" | "idle" | null}
 */
export function pausedReason(s) {
  if (!s.live) return "static";
  if (!s.visible) return "hidden";
  if (s.now - s.lastInputAt >= IDLE_STOP_MS) return "idle";
  return null;
}

/**
 * Milliseconds until the next refresh may start, or null when auto-refresh is paused.
 * @param {RefreshState} s
 * @returns {number | null}
 */
export function nextRefreshIn(s) {
  if (pausedReason(s) !== null) return null;
  const due = Math.max(s.lastRefreshAt + REFRESH_INTERVAL_MS, s.retryAfterUntil);
  return Math.max(0, due - s.now);
}

/**
 * The earliest time a call may go out after a 429 with `Retry-After: seconds` (an HTTP date is
 * honoured too); a missing or unreadable header waits one interval.
 * @param {string | null} header
 * @param {number} now
 * @returns {number}
 */
export function retryAfterUntil(header, now) {
  if (header !== null && /^\d+$/.test(header.trim())) return now + Number(header.trim()) * 1000;
  const date = header === null ? Number.NaN : Date.parse(header);
  if (Number.isFinite(date)) return Math.max(now, date);
  return now + REFRESH_INTERVAL_MS;
}

/**
 * The most quota a console left open spends: calls per minute while watched, and calls in one
 * stretch that ends {@link IDLE_STOP_MS} after the last input.
 * @param {{ callsPerRefresh?: number, intervalMs?: number, idleStopMs?: number }} [o]
 * @returns {{ perMinute: number, perIdleStretch: number, perDayIfNeverIdle: number }}
 */
export function refreshBudget(o = {}) {
  const calls = o.callsPerRefresh ?? MAX_CALLS_PER_REFRESH;
  const interval = o.intervalMs ?? REFRESH_INTERVAL_MS;
  const idle = o.idleStopMs ?? IDLE_STOP_MS;
  const perMinute = (60_000 / interval) * calls;
  return {
    perMinute,
    perIdleStretch: Math.ceil(idle / interval) * calls,
    perDayIfNeverIdle: (86_400_000 / interval) * calls,
  };
}
