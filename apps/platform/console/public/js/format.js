/**
 * View-model formatting: plain functions over numbers, shared by every view and unit-tested in
 * Node. Everything the console shows as text about sizes, ages, lag and counts comes from here,
 * so that a refresh that changes a number never changes the shape of the text around it.
 * @module
 */

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/**
 * A byte count for people: 1,023 B, 1.0 KiB, 12.3 MiB (binary units, one decimal from KiB up).
 * @param {number | null | undefined} bytes
 * @returns {string}
 */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${formatCount(value)} B`;
  // 1023.96 KiB would print as "1024.0 KiB": round first, then carry into the next unit.
  if (Number(value.toFixed(1)) >= 1024 && unit < BYTE_UNITS.length - 1) return `1.0 ${BYTE_UNITS[unit + 1]}`;
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/**
 * A duration in ms for people: 850 ms, 4.2 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. Negative → "–".
 * @param {number | null | undefined} ms
 * @returns {string}
 */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const s = Math.floor(ms / 100) / 10;
    return `${s.toFixed(1)} s`;
  }
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 24 * 60) return `${Math.floor(totalMinutes / 60)} h ${totalMinutes % 60} min`;
  const totalHours = Math.floor(totalMinutes / 60);
  return `${Math.floor(totalHours / 24)} d ${totalHours % 24} h`;
}

/**
 * How long ago `atMs` was, at `nowMs`: "4.2 s ago"; a time in the future reads "in 3 min 5 s";
 * none reads "never".
 * @param {number | null | undefined} atMs
 * @param {number} nowMs
 * @returns {string}
 */
export function formatAge(atMs, nowMs) {
  if (atMs === null || atMs === undefined || !Number.isFinite(atMs)) return "never";
  const delta = nowMs - atMs;
  if (delta >= 0) return `${formatDuration(delta)} ago`;
  return `in ${formatDuration(-delta)}`;
}

/**
 * A consumer's lag: "0 events" when caught up, else "1,204 events · 3.2 s behind".
 * @param {number | null | undefined} events
 * @param {number | null | undefined} ms
 * @returns {string}
 */
export function formatLag(events, ms) {
  if (events === null || events === undefined || !Number.isFinite(events)) return "–";
  if (events <= 0) return "0 events";
  const count = `${formatCount(events)} ${events === 1 ? "event" : "events"}`;
  return ms === null || ms === undefined || !Number.isFinite(ms) ? count : `${count} · ${formatDuration(ms)} behind`;
}

/**
 * An integer count with thousands separators (en-US, so tests and screenshots agree).
 * @param {number | null | undefined} n
 * @returns {string}
 */
export function formatCount(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return Math.round(n).toLocaleString("en-US");
}

/**
 * A measured value: integers with separators, small numbers with up to 3 significant decimals.
 * @param {number | null | undefined} n
 * @returns {string}
 */
export function formatMetric(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (Number.isInteger(n) || Math.abs(n) >= 1000) return formatCount(n);
  if (Math.abs(n) >= 1) return String(Number(n.toFixed(3)));
  return String(Number(n.toPrecision(3)));
}

/**
 * An epoch-ms time as `YYYY-MM-DD HH:MM:SS` UTC ("–" for none).
 * @param {number | null | undefined} ms
 * @returns {string}
 */
export function formatTime(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/**
 * A 0..1 fraction as a percentage ("–" when unknown), clamped.
 * @param {number | null | undefined} fraction
 * @returns {string}
 */
export function formatPercent(fraction) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "–";
  const clamped = Math.min(1, Math.max(0, fraction));
  return `${(clamped * 100).toFixed(clamped === 0 || clamped === 1 ? 0 : 1)}%`;
}
