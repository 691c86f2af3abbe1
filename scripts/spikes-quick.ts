/**
 * `npm run spikes:quick`: runs every spikes/<name>/run.ts with --quick, one after another,
 * checks that each one's last line is the spike JSON, and fails if any spike fails.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const spikes = readdirSync(join(root, "spikes"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "spikes", d.name, "run.ts")))
  .map((d) => d.name)
  .sort();
const failures: string[] = [];
for (const name of spikes) {
  const started = Date.now();
  console.log(`\n=== spike ${name} --quick`);
  const run = spawnSync(join(root, "node_modules/.bin/tsx"), [join("spikes", name, "run.ts"), "--quick"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 120_000,
  });
  process.stdout.write(run.stdout ?? "");
  const last = (run.stdout ?? "").trim().split("\n").pop() ?? "";
  let ok = run.status === 0;
  try {
    const parsed = JSON.parse(last) as { spike?: string; quick?: boolean };
    ok &&= parsed.spike === name && parsed.quick === true;
  } catch {
    ok = false;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`=== spike ${name}: ${ok ? "ok" : "FAILED"} in ${seconds} s`);
  if (!ok) failures.push(name);
}
console.log(`\nspikes: ${spikes.length - failures.length} passed, ${failures.length} failed`);
if (failures.length > 0) process.exit(1);
