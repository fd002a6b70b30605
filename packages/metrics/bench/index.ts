/**
 * `pnpm bench`: @clair/metrics against fastest-levenshtein on seeded English-like pairs, Jaccard on a
 * 3k-character pair, and the CLI over 32k pairs on two worker threads.
 *
 *   pnpm --filter @clair/metrics bench [--quick] [--skip-cli | --cli-only] [--only=3k | --only=jaccard]
 *
 * Each Levenshtein case measures both implementations on the same eight pairs in alternating rounds (so
 * that machine noise hits both alike) and reports their median CPU milliseconds per pair and the ratio of
 * the medians. CPU time rather than wall time: on a shared machine, time slices that other processes get
 * would otherwise land in whichever side happened to be running. Distances are checked against each other first (UTF-16 units, fastest-levenshtein's unit).
 */
import { existsSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { distance as fastestLevenshtein } from "fastest-levenshtein";
import { jaccard, levenshtein } from "../src/index.js";
import { runCli } from "../src/run-cli.js";
import { makePair, prng } from "./text.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const only = [...args].find((a) => a.startsWith("--only="))?.slice("--only=".length);
const cliOnly = args.has("--cli-only");

interface Case {
  name: string;
  length: number;
  similarity: number;
  target: number;
}

const CASES: Case[] = [
  { name: "1k chars, 70 % similar", length: 1000, similarity: 0.7, target: 2.2 },
  { name: "3k, 95 % similar", length: 3000, similarity: 0.95, target: 5 },
  { name: "3k, 70 % similar", length: 3000, similarity: 0.7, target: 3 },
  { name: "3k, 50 % similar", length: 3000, similarity: 0.5, target: 2 },
  { name: "3k, unrelated", length: 3000, similarity: 0, target: 2 },
  { name: "10k, 70 % similar", length: 10000, similarity: 0.7, target: 3.5 },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Milliseconds of CPU time per pair (user + system time of this process, so that time slices given to
 * other processes on a busy machine do not count), over `repeat` passes.
 */
function timePerPair(
  pairs: readonly [string, string][],
  f: (a: string, b: string) => number,
  repeat = 1,
): number {
  const start = process.cpuUsage();
  let sink = 0;
  for (let r = 0; r < repeat; r++) for (const [a, b] of pairs) sink += f(a, b);
  const used = process.cpuUsage(start);
  if (sink < 0) console.log(sink);
  return (used.user + used.system) / 1000 / (repeat * pairs.length);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "),
    )
    .join("\n");
}

console.log(
  `node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}\n`,
);

const rows: string[][] = [
  ["case", "distance/len", "fastest-levenshtein ms", "@clair/metrics ms", "ratio", "target", ""],
];
for (const c of CASES) {
  if (cliOnly || (only && !c.name.includes(only))) continue;
  const pairs = Array.from({ length: 8 }, (_, i) => makePair(c.length, c.similarity, 1000 + i));
  let total = 0;
  for (const [a, b] of pairs) {
    const expected = fastestLevenshtein(a, b);
    const got = levenshtein(a, b, { unit: "code-unit" });
    if (got !== expected) throw new Error(`${c.name}: distance ${got}, fastest-levenshtein says ${expected}`);
    total += expected / Math.max(a.length, b.length);
  }
  // Rounds of at least ~10 ms each, since the CPU clock ticks coarsely.
  const rounds = (c.length >= 10000 ? 9 : 31) >> (quick ? 1 : 0);
  const repeat = c.length >= 10000 ? 1 : c.length >= 3000 ? 2 : 8;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds + 3; r++) {
    const t = timePerPair(pairs, fastestLevenshtein, repeat);
    const o = timePerPair(pairs, (a, b) => levenshtein(a, b), repeat);
    if (r < 3) continue; // warm-up
    theirs.push(t);
    ours.push(o);
  }
  const ratio = median(theirs) / median(ours);
  rows.push([
    c.name,
    (total / pairs.length).toFixed(2),
    median(theirs).toFixed(3),
    median(ours).toFixed(3),
    `${ratio.toFixed(2)}×`,
    `≥ ${c.target}×`,
    ratio >= c.target ? "met" : "missed",
  ]);
}
if (!cliOnly) {
  console.log(
    "Levenshtein, median CPU ms per pair (code points for @clair/metrics, UTF-16 units for fastest-levenshtein)",
  );
  console.log(table(rows));
}

if ((!only || only === "jaccard") && !cliOnly) {
  const pairs = Array.from({ length: 50 }, (_, i) => makePair(3000, 0.7, 2000 + i));
  const rounds: number[] = [];
  const multiset: number[] = [];
  for (let r = 0; r < 25; r++) {
    rounds.push(timePerPair(pairs, (a, b) => jaccard(a, b), 4));
    multiset.push(timePerPair(pairs, (a, b) => jaccard(a, b, { multiset: true }), 4));
  }
  const word: number[] = [];
  for (let r = 0; r < 10; r++) word.push(timePerPair(pairs, (a, b) => jaccard(a, b, { tokenizer: "word" })));
  const ms = median(rounds.slice(5));
  console.log(
    `\nJaccard, 3k-character pair: ${ms.toFixed(4)} ms (whitespace tokens; target ≤ 0.05 ms: ${ms <= 0.05 ? "met" : "missed"}); ` +
      `multiset ${median(multiset.slice(5)).toFixed(4)} ms; word tokenizer ${median(word.slice(3)).toFixed(4)} ms`,
  );
}

if (!only && !args.has("--skip-cli")) {
  const count = quick ? 8000 : 32000;
  const file = join(tmpdir(), `clair-metrics-bench-${count}.jsonl`);
  if (!existsSync(file)) {
    // A mixture of datasets: 95 %, 80 %, 70 % and 50 % similar pairs and unrelated ones, 2.5k–3.5k chars.
    const rand = prng(7);
    const mix = [0.95, 0.8, 0.7, 0.5, 0];
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const [rejected, chosen] = makePair(2500 + Math.floor(rand() * 1000), mix[i % mix.length]!, 50_000 + i);
      lines.push(JSON.stringify({ prompt: `question ${i}`, chosen, rejected }));
    }
    writeFileSync(file, `${lines.join("\n")}\n`);
  }
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let output = "";
  const code = await runCli([file, "--threads", "2"], {
    stdout: { write: (text: string) => (output += text) },
    stderr: { write: () => true },
  });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (code !== 0) throw new Error(`clair-metrics exited with ${code}`);
  console.log(
    `\nCLI, ${count} pairs of 2.5k–3.5k characters on 2 worker threads: ${seconds.toFixed(1)} s wall, ` +
      `${cpuSeconds.toFixed(1)} s CPU over all threads (target for 32k pairs ≤ 30 s on 2 cores: ` +
      `${count === 32000 ? (seconds <= 30 ? "met" : cpuSeconds / 2 <= 30 ? "met in CPU time / 2, not in wall time on this busy machine" : "missed") : "not measured with --quick"})`,
  );
  console.log(output.split("\n").slice(0, 3).join("\n"));
}
