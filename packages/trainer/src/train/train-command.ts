import { LORA_FLAG_OPTIONS, LORA_FLAGS_USAGE, loraFromFlags } from "../lora/lora-flags.js";
import { parseCommandLine, wantsHelp } from "../parse-command-line.js";
import type { OptimizerName } from "../train-step/optimizers/index.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { lossFlags } from "./loss-flags.js";
import { train } from "./train.js";
import type { TrainOptions } from "./train-options.js";

/** Usage of `apo train`, shown by `apo --help`. */
export const TRAIN_USAGE = `  apo train --model DIR --data pairs.jsonl --out DIR [--eval held-out.jsonl] [--eval-fraction 0.1]
      [--preset paper] [--loss apo_zero|sigmoid,sft,…] [--loss-weights 1,0.5,…] [--beta 0.1]
      [--loss-param NAME=VALUE]… [--optimizer rmsprop|adamw|sgd] [--lr 1e-6]
      [--warmup-steps 0] [--epochs 3] [--batch-size 8] [--micro-batch-size N] [--max-grad-norm 1]
      [--max-length 1024] [--truncation-mode keep_start|keep_end] [--max-prompt-length N]
      [--max-completion-length N] [--eval-every N] [--save-every N|epoch] [--order seeded|torch]
      [--seed 42] [--dtype float32|float64] [--device cpu|cuda|webgpu] [--cache-dir DIR]
      [--log-every 10] [--json] [--resume DIR] [--eval-each-epoch "CMD"] [--recompute|--no-recompute]
      ${LORA_FLAGS_USAGE}
      align the model on preference pairs (KTO-format prompt/completion/label rows for --loss kto or
      apo_zero_unpaired; --loss apo_anchored reads each pair's anchor: "zero", "down" or a number in
      [0, 1]); several --loss names train their sum weighted by --loss-weights (TRL's
      loss_type list and loss_weights); checkpoints, metrics.jsonl and plots/ go to --out;
      Ctrl-C saves a checkpoint, --resume DIR continues from it; --json prints the summary on stdout;
      --eval-each-epoch runs CMD in a shell on the starting model and each epoch's checkpoint
      (APO_CHECKPOINT, APO_EPOCH, APO_RUN_DIR, APO_EVAL_OUTPUT set; {checkpoint} replaced), reading
      its scores as JSON from $APO_EVAL_OUTPUT or its last stdout line (clair eval's --json report,
      {"score": x}, ...): epoch-evals.jsonl and epoch-evals.md (max and mean change, as the paper's
      Table 2) in --out; apo eval-report compares runs; --lora (or any --lora-* flag) trains a LoRA
      adapter instead of the weights (PEFT's LoraConfig: r, lora_alpha, target_modules, use_rslora;
      defaults r 16, alpha 32, all linear layers), saved in PEFT's format in each checkpoint;
      --recompute / --no-recompute force activation recomputation per decoder layer on or off (default:
      on when a micro-batch holds >= 1024 tokens; same results, less memory, ~20% more time)`;

/** `apo train --help`: the usage and examples. */
export const TRAIN_HELP = `apo train: align a model on preference pairs with APO, DPO or any TRL 1.13 loss

usage:
${TRAIN_USAGE}

examples:
  apo init-model --family llama --out models/tiny
  apo train --model models/tiny --data pairs.jsonl --out runs/apo-zero --loss apo_zero --epochs 1
  apo train --model models/tiny --data pairs.jsonl --out runs/rpo --loss sigmoid,sft --loss-weights 1,0.5
  apo train --model models/tiny --data pairs.jsonl --out runs/apo-zero --resume runs/apo-zero
  apo train --model models/tiny --data pairs.jsonl --out runs/a --eval-each-epoch "node score.mjs {checkpoint}"
  apo train --model models/tiny --data pairs.jsonl --out runs/lora --lora-r 16 --lora-alpha 32 --lora-targets q_proj,v_proj

The reference log-prob pass and the training steps show their progress with rate and ETA on stderr (one
live line on a terminal, else a line every --log-every steps); --json turns the pass's progress off.
See docs/trainer.md.
`;

/** onnxruntime-node execution providers `--device` accepts. */
const DEVICES = ["cpu", "cuda", "webgpu"] as const;

const NUMBER_FLAGS = {
  "eval-fraction": "evalFraction",
  beta: "beta",
  lr: "lr",
  "warmup-steps": "warmupSteps",
  epochs: "epochs",
  "batch-size": "batchSize",
  "micro-batch-size": "microBatchSize",
  "max-grad-norm": "maxGradNorm",
  "max-length": "maxLength",
  "max-prompt-length": "maxPromptLength",
  "max-completion-length": "maxCompletionLength",
  "eval-every": "evalEvery",
  seed: "seed",
} as const satisfies Record<string, keyof TrainOptions>;

const STRING_FLAGS = {
  model: "model",
  data: "data",
  out: "out",
  eval: "eval",
  "cache-dir": "cacheDir",
  resume: "resumeFrom",
} as const satisfies Record<string, keyof TrainOptions>;

/**
 * Turn `apo train` arguments into {@link TrainOptions} (only the flags given, so a resumed run keeps its
 * checkpoint's config) and the progress interval.
 *
 * @throws TrainConfigError naming the flag when a value is not a number; CommandLineError on an unknown
 *   flag (suggesting the nearest known one)
 * @example
 * ```ts
 * parseTrainArgs(["--model", "m", "--data", "d.jsonl", "--out", "runs/a", "--preset", "paper"]);
 * ```
 */
export function parseTrainArgs(args: readonly string[]): {
  options: TrainOptions;
  logEvery: number;
  json: boolean;
} {
  const flags = [...Object.keys(STRING_FLAGS), ...Object.keys(NUMBER_FLAGS)];
  const parsed = parseCommandLine("train", args, {
    ...Object.fromEntries(flags.map((f) => [f, { type: "string" as const }])),
    preset: { type: "string" },
    loss: { type: "string" },
    "loss-weights": { type: "string" },
    "loss-param": { type: "string", multiple: true },
    optimizer: { type: "string" },
    "save-every": { type: "string" },
    dtype: { type: "string" },
    "truncation-mode": { type: "string" },
    order: { type: "string" },
    device: { type: "string" },
    "log-every": { type: "string" },
    json: { type: "boolean" },
    recompute: { type: "boolean" },
    "no-recompute": { type: "boolean" },
    "eval-each-epoch": { type: "string" },
    ...LORA_FLAG_OPTIONS,
  });
  const json = parsed.json === true;
  const { "loss-param": lossParamFlags, ...single } = parsed;
  const values = single as Record<string, string | undefined>;
  const number = (flag: string): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === "" || Number.isNaN(n)) {
      throw new TrainConfigError(`--${flag}`, raw, "a number");
    }
    return n;
  };
  const options: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(NUMBER_FLAGS)) options[field] = number(flag);
  for (const [flag, field] of Object.entries(STRING_FLAGS)) options[field] = values[flag];
  if (values.preset !== undefined) options.preset = values.preset;
  Object.assign(options, lossFlags(values.loss, values["loss-weights"], lossParamFlags));
  if (values.optimizer !== undefined) options.optimizer = values.optimizer as OptimizerName;
  if (values.dtype !== undefined) options.dtype = values.dtype;
  if (values["truncation-mode"] !== undefined) options.truncationMode = values["truncation-mode"];
  if (values.order !== undefined) options.order = values.order;
  if (parsed.recompute === true && parsed["no-recompute"] === true) {
    throw new TrainConfigError("--recompute", "--no-recompute", "one of --recompute and --no-recompute");
  }
  if (parsed.recompute === true) options.recompute = true;
  if (parsed["no-recompute"] === true) options.recompute = false;
  const device = values.device;
  if (device !== undefined) {
    if (!(DEVICES as readonly string[]).includes(device)) {
      throw new TrainConfigError("--device", device, DEVICES.join(", "));
    }
    options.sessionOptions = { executionProviders: [device] };
  }
  const scorer = values["eval-each-epoch"];
  if (scorer !== undefined) {
    if (scorer.trim() === "") throw new TrainConfigError("--eval-each-epoch", scorer, "a shell command");
    options.evalEachEpoch = { command: scorer };
  }
  const lora = loraFromFlags(parsed);
  if (lora !== undefined) options.lora = lora;
  const save = values["save-every"];
  if (save !== undefined) options.saveEvery = save === "epoch" ? "epoch" : number("save-every");
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { options: defined as TrainOptions, logEvery: number("log-every") ?? 10, json };
}

/**
 * `apo train`: run {@link train} with progress on stderr; the first Ctrl-C (SIGINT) finishes the current
 * step, saves a checkpoint and exits with 130, a second one exits at once. Returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await trainCommand(["--model", "m", "--data", "d.jsonl", "--out", "runs/a"]);
 * ```
 */
export async function trainCommand(args: readonly string[]): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  const { options, logEvery, json } = parseTrainArgs(args);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\ninterrupt: saving a checkpoint after this step (Ctrl-C again to quit now)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const summary = await train({
      ...options,
      signal: controller.signal,
      progress: { logEvery, ...(json ? { stages: false } : {}) },
    });
    const last = summary.metrics.at(-1);
    process.stderr.write(
      `${summary.interrupted ? "interrupted" : "done"}: ${summary.step}/${summary.totalSteps} steps, ` +
        `last checkpoint ${summary.checkpoints.at(-1) ?? "(none)"}` +
        (last === undefined
          ? "\n"
          : `, held-out reward margin ${last.reward_margin.toFixed(4)}, accuracy ${last.reward_accuracy.toFixed(3)}\n`),
    );
    if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.interrupted ? 130 : 0;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
