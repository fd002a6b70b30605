/**
 * `pnpm bench:peer-generate`: tokens/s of our generation (`apo generate`'s path: openGenerator → LocalGenerator,
 * onnxruntime-node) against transformers' `generate` (PyTorch, its default DynamicCache key/value cache and
 * default CPU attention) on the same CPU, same model folder, same prompts, greedy, float32, a fixed number of new
 * tokens with EOS disabled on both sides, batch 1 and 8, alternating rounds in one run. Never part of
 * `pnpm test` (it needs Python). The generation part of issue 18; `pnpm bench:peer` has the training part.
 *
 *   pnpm bench:peer-generate                             # 9.9M and 135M shapes, batch 1 and 8, 3 rounds
 *   pnpm bench:peer-generate --sizes 9.9M --rounds 1     # a smoke run (~1 min)
 *   pnpm bench:peer-generate --sizes 135M --batches 8 --tokens 64 --rounds 5
 *
 * Options: `--sizes all|NAME,…` (9.9M, 135M), `--batches 1,8`, `--tokens N` (new tokens per row, default 128),
 * `--prompt N` (prompt tokens per row, default 32), `--rounds N` (default 3), `--threads N` (PyTorch's
 * `set_num_threads`, default 2; ours runs with onnxruntime's default intra-op threads, one per physical core,
 * as `apo generate` does), `--std S` (weights' std, default createTinyModel's), `--torch-passive` (start the
 * PyTorch worker with `OMP_WAIT_POLICY=PASSIVE`: its OpenMP threads sleep between parallel regions instead of
 * spinning, the counterpart of our decoder session's `intra_op.allow_spinning: "0"`; on a busy machine the
 * spinning costs PyTorch several times its speed). Env: `PEER_PYTHON` (default `python3`) must have torch and
 * transformers.
 *
 * Per size the bench writes one model folder (createTinyModel, seed 0) and starts `peer_generate.py`. Per batch
 * size B it draws B prompts (mulberry32, fixed seed, ids in [3, vocab)), runs each side once (the warm-up) and
 * compares the greedy tokens row by row: every row's first `--tokens` tokens must match, else the bench
 * reports where they first diverge and exits 1. Then N rounds alternate ours, theirs; each side times its own
 * call (ours: `complete`, prompts to finished completions; theirs: `generate`, tensors to tensors). The table
 * shows tokens/s (B × new tokens / seconds) of the fastest round of each, their ratio (≥ 1 is the target:
 * ours at least as fast), and the median of the rounds' own ratios.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTinyModel, openGenerator } from "../src/index.js";
import { LLAMA_9_9M, type ModelShape, mulberry32Ids, SMOLLM_135M } from "./bench-shapes.js";
import { pairedMedianRatio } from "./interleaved.js";
import { JsonLinesWorker } from "./json-lines-worker.js";

/** The model shapes of issue 18: Llama 9.9M (`pnpm bench`'s) and SmolLM-135M's shape. */
const SIZES = {
  "9.9M": {
    label: "Llama (384 wide, 6 layers)",
    model: LLAMA_9_9M,
  },
  "135M": {
    label: "SmolLM-135M shape (576 wide, 30 layers, GQA 9/3, vocab 49152, tied)",
    model: SMOLLM_135M,
  },
} as const satisfies Record<string, { label: string; model: ModelShape }>;
type SizeName = keyof typeof SIZES;

/** What `peer_generate.py` answers to `load`. */
interface Loaded {
  readonly params: number;
  readonly torch: string;
  readonly transformers: string;
  readonly threads: number;
  readonly attention: string;
}

/** `batch` prompts of `length` ids drawn uniformly from [3, vocab) with mulberry32 (fixed seed). */
function makePrompts(batch: number, length: number, vocab: number): number[][] {
  const next = mulberry32Ids(0x2545f491, vocab);
  return Array.from({ length: batch }, () => Array.from({ length }, next));
}

/** Per row, the first position where the two token lists differ (−1: they agree over `n` tokens). */
function firstDivergence(
  ours: readonly (readonly number[])[],
  theirs: readonly (readonly number[])[],
  n: number,
): number[] {
  return ours.map((row, r) => {
    const other = theirs[r] ?? [];
    for (let i = 0; i < n; i++) if (row[i] !== other[i]) return i;
    return -1;
  });
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

function integer(name: string, fallback: number): number {
  const v = Number(option(name) ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be an integer ≥ 1, got ${option(name)}`);
  return v;
}

function parseSizes(value: string): SizeName[] {
  if (value === "all") return Object.keys(SIZES) as SizeName[];
  const names = value.split(",");
  for (const n of names) {
    if (!(n in SIZES))
      throw new Error(`unknown size ${n}: use all or a list of ${Object.keys(SIZES).join(", ")}`);
  }
  return names as SizeName[];
}

const mark = (ratio: number) => (ratio >= 1 ? "✓" : "✗");

async function main(): Promise<void> {
  const sizes = parseSizes(option("--sizes") ?? "all");
  const batches = (option("--batches") ?? "1,8").split(",").map(Number);
  const tokens = integer("--tokens", 128);
  const promptLength = integer("--prompt", 32);
  const rounds = integer("--rounds", 3);
  const threads = integer("--threads", 2);
  const stdOption = option("--std");
  const python = process.env.PEER_PYTHON ?? "python3";
  const passive = process.argv.includes("--torch-passive");
  const rows: string[] = [];
  const checks: string[] = [];
  let agreed = true;
  let versions = "";
  const loadAtStart = loadavg();
  for (const name of sizes) {
    const size = SIZES[name];
    const dir = await mkdtemp(join(tmpdir(), "apo-peer-generate-"));
    const torch = new JsonLinesWorker(
      python,
      fileURLToPath(new URL("./peer_generate.py", import.meta.url)),
      ["--threads", String(threads)],
      passive ? { ...process.env, OMP_WAIT_POLICY: "PASSIVE" } : process.env,
    );
    try {
      process.stderr.write(`${size.label}: writing the model folder\n`);
      const model = await createTinyModel({
        family: "llama",
        seed: 0,
        maxPositions: Math.max(512, promptLength + tokens),
        ...(stdOption === undefined ? {} : { std: Number(stdOption) }),
        ...size.model,
        out: dir,
      });
      const vocab = model.config.vocabSize;
      const loaded = await torch.request<Loaded>({ cmd: "load", model: dir });
      versions = `torch ${loaded.torch}, transformers ${loaded.transformers}, ${loaded.threads} threads, ${loaded.attention} attention`;
      const generator = await openGenerator(dir);
      try {
        for (const batch of batches) {
          const prompts = makePrompts(batch, promptLength, vocab);
          // Greedy, exactly `tokens` new tokens: no stop ids (EOS disabled), no stop text.
          const options = { temperature: 0, maxNewTokens: tokens, stopTokenIds: [] };
          const ours = async () => {
            const start = performance.now();
            const done = await generator.complete(
              prompts.map((ids) => ({ ids })),
              options,
            );
            return { ms: performance.now() - start, tokens: done.map((c) => c.tokenIds) };
          };
          const theirs = () =>
            torch.request<{ ms: number; tokens: number[][] }>({
              cmd: "generate",
              prompts,
              new_tokens: tokens,
              pad_id: 0,
            });
          process.stderr.write(`${size.label}, batch ${batch}: warm-up and agreement\n`);
          const first = await ours();
          const firstTorch = await theirs();
          const diverge = firstDivergence(first.tokens, firstTorch.tokens, tokens);
          const lengthsOk = first.tokens.every((t) => t.length === tokens);
          const ok = lengthsOk && diverge.every((d) => d < 0);
          agreed &&= ok;
          checks.push(
            `| ${size.label}, batch ${batch} | ${
              ok
                ? `all ${batch} row${batch > 1 ? "s" : ""} × ${tokens} tokens identical ✓`
                : `first divergence per row: ${diverge.map((d) => (d < 0 ? "none" : String(d))).join(", ")} ✗`
            } |`,
          );
          const times = { ours: [] as number[], torch: [] as number[] };
          for (let i = 0; i < rounds; i++) {
            times.ours.push((await ours()).ms);
            times.torch.push((await theirs()).ms);
            process.stderr.write(`  round ${i + 1}/${rounds} done\n`);
          }
          const rate = (ms: number) => (batch * tokens * 1000) / ms;
          const oursRate = rate(Math.min(...times.ours));
          const torchRate = rate(Math.min(...times.torch));
          const ratio = oursRate / torchRate;
          const median =
            rounds > 1
              ? ` (rounds' median ${(1 / pairedMedianRatio(times.ours, times.torch)).toFixed(2)}×)`
              : "";
          rows.push(
            `| ${size.label}, ${(loaded.params / 1e6).toFixed(1)}M parameters, batch ${batch} | ` +
              `${oursRate.toFixed(0)} / ${torchRate.toFixed(0)} | ${ratio.toFixed(2)}×${median} ${mark(ratio)} |`,
          );
        }
      } finally {
        await generator.close();
      }
    } finally {
      await torch.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `peer generate bench: ours (\`apo generate\`'s LocalGenerator, onnxruntime-node, default intra-op threads) vs ` +
      `transformers generate (${versions}, DynamicCache${passive ? ", OMP_WAIT_POLICY=PASSIVE" : ""}); greedy, float32, ${promptLength}-token prompts, ` +
      `${tokens} new tokens per row (EOS disabled); fastest of ${rounds} alternating round${rounds > 1 ? "s" : ""}`,
  );
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `load average (1, 5, 15 min): ${load(loadAtStart)} at the start, ${load(loadavg())} at the end`,
  );
  console.log("");
  console.log("| model, batch | tokens/s, ours / torch | ratio (≥ 1) |");
  console.log("|---|---|---|");
  for (const r of rows) console.log(r);
  console.log("");
  console.log("| agreement (greedy tokens, warm-up call) | |");
  console.log("|---|---|");
  for (const c of checks) console.log(c);
  if (!agreed) {
    console.log(
      "\nthe two sides' greedy tokens differ: the timings above do not compare the same computation",
    );
    process.exitCode = 1;
  }
}

await main();
