/**
 * Scaling of the benchmark bars: each metric is drawn on its own axis against its target, so
 * a ratio of 0.4 and a rate of 230,000/s read alike. Pure functions, unit-tested in Node.
 * @module
 */

/**
 * @typedef {">=" | "<="} TargetOp
 * @typedef {{ metric: string, op: TargetOp, value: number }} Target
 * @typedef {{ scale: "linear" | "log", measured: number, target: number, met: boolean }} Bar
 *   positions as fractions 0..1 of the axis width
 */

/** A linear axis spanning up to this factor between values; wider spans use log10. */
export const LOG_SPAN = 20;

/**
 * True when `measured` meets the target (`>=` or `<=` the value).
 * @param {number} measured
 * @param {Target} target
 * @returns {boolean}
 */
export function meets(measured, target) {
  return target.op === ">=" ? measured >= target.value : measured <= target.value;
}

/**
 * The axis positions (0..1) of a measured value and its target. The axis runs from 0 to 1.2× the
 * larger of the two, linear while the larger is at most {@link LOG_SPAN}× the smaller, else
 * log10 from a tenth of the smaller positive value (so a 36× miss stays readable). A zero
 * target with a zero measurement (lost events) sits at the start, met.
 * @param {number} measured
 * @param {Target} target
 * @returns {Bar}
 */
export function scaleBar(measured, target) {
  const met = meets(measured, target);
  const m = Math.max(0, measured);
  const t = Math.max(0, target.value);
  const top = Math.max(m, t);
  if (top === 0) return { scale: "linear", measured: 0, target: 0, met };
  const positives = [m, t].filter((v) => v > 0);
  const low = Math.min(...positives);
  if (positives.length < 2 || top / low <= LOG_SPAN) {
    const end = top * 1.2;
    return { scale: "linear", measured: m / end, target: t / end, met };
  }
  const from = Math.log10(low) - 1;
  const to = Math.log10(top) + Math.log10(1.2);
  /** @param {number} v */
  const at = (v) => (v <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(v) - from) / (to - from))));
  return { scale: "log", measured: at(m), target: at(t), met };
}
