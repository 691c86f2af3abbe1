/**
 * A bounded top-k: a max-heap on (rank key, id) holding the k best seen, so a candidate costs
 * one comparison with the worst kept unless it gets in. Keys live in a Float64Array and ids in
 * a preallocated array: offering a candidate allocates nothing.
 * @module
 */

/** The k best (lowest rank key, ties by lower id) of everything offered. */
export class TopK {
  readonly k: number;
  readonly #keys: Float64Array;
  readonly #ids: string[];
  readonly #slots: Int32Array;
  #size = 0;

  constructor(k: number) {
    this.k = k;
    this.#keys = new Float64Array(k);
    this.#ids = new Array<string>(k).fill("");
    this.#slots = new Int32Array(k);
  }

  get size(): number {
    return this.#size;
  }

  /** Whether (key, id) would get in: cheaper than `offer` when the id is not known yet. */
  accepts(key: number): boolean {
    return this.#size < this.k || key <= (this.#keys[0] as number);
  }

  /** The worst key kept (Infinity until full). */
  worstKey(): number {
    return this.#size < this.k ? Number.POSITIVE_INFINITY : (this.#keys[0] as number);
  }

  /** Offers a candidate; `slot` is any caller number carried along (e.g. a row position). */
  offer(key: number, id: string, slot = 0): void {
    if (this.#size < this.k) {
      let i = this.#size++;
      this.#keys[i] = key;
      this.#ids[i] = id;
      this.#slots[i] = slot;
      // sift up
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.#worse(i, p)) break;
        this.#swap(i, p);
        i = p;
      }
      return;
    }
    const topKey = this.#keys[0] as number;
    if (key > topKey || (key === topKey && id >= (this.#ids[0] as string))) return;
    this.#keys[0] = key;
    this.#ids[0] = id;
    this.#slots[0] = slot;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.#size && this.#worse(l, m)) m = l;
      if (r < this.#size && this.#worse(r, m)) m = r;
      if (m === i) break;
      this.#swap(i, m);
      i = m;
    }
  }

  /** True when entry a ranks after entry b (a is worse). */
  #worse(a: number, b: number): boolean {
    const ka = this.#keys[a] as number;
    const kb = this.#keys[b] as number;
    return ka > kb || (ka === kb && (this.#ids[a] as string) > (this.#ids[b] as string));
  }

  #swap(a: number, b: number): void {
    const k = this.#keys[a] as number;
    this.#keys[a] = this.#keys[b] as number;
    this.#keys[b] = k;
    const id = this.#ids[a] as string;
    this.#ids[a] = this.#ids[b] as string;
    this.#ids[b] = id;
    const s = this.#slots[a] as number;
    this.#slots[a] = this.#slots[b] as number;
    this.#slots[b] = s;
  }

  /** The kept entries, best first (ties by id). */
  sorted(): { key: number; id: string; slot: number }[] {
    const out = [];
    for (let i = 0; i < this.#size; i++) {
      out.push({ key: this.#keys[i] as number, id: this.#ids[i] as string, slot: this.#slots[i] as number });
    }
    return out.sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
