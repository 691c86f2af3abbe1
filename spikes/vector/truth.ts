/**
 * Child process: the ground truth, by exact cosine search over every point in memory (float64
 * sums of float32 values), written as JSON to the path given. Run separately so that the
 * process measured for heap holds nothing of it.
 * Usage: tsx truth.ts <n> <queries> <out.json>
 */
import { writeFileSync } from "node:fs";
import { dotAll, TopK } from "@durable/vector";
import { idOf, Mixture } from "./data.ts";

const [n, q, out] = [Number(process.argv[2]), Number(process.argv[3]), String(process.argv[4])];
const mix = new Mixture();
const d = mix.d;
const data = new Float32Array(n * d);
for (let i = 0; i < n; i++) {
  mix.point(i, data, i * d);
  let s = 0;
  for (let j = 0; j < d; j++) s += (data[i * d + j] as number) ** 2;
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < d; j++) data[i * d + j] = (data[i * d + j] as number) * inv;
}
const dots = new Float64Array(n);
const truth: string[][] = [];
for (let j = 0; j < q; j++) {
  const query = mix.query(j);
  dotAll(query, data, n, d, dots);
  const top = new TopK(10);
  for (let i = 0; i < n; i++) top.offer(-(dots[i] as number), idOf(i));
  truth.push(top.sorted().map((e) => e.id));
}
writeFileSync(out, JSON.stringify(truth));
