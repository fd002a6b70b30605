#!/usr/bin/env node
import { parseArgs } from "node:util";
import { CommandLineError } from "./command-line-error.js";
import { TRL_TRUNCATION } from "./data/truncate-pair.js";
import { EXPORT_TRL_USAGE, exportTrlCommand } from "./export/export-trl-command.js";
import { GENERATE_USAGE, generateCommand } from "./generate/generate-command.js";
import { writePreferenceLogProbs } from "./logprobs/preference-log-probs.js";
import { createTinyModel } from "./models/create-tiny-model.js";
import { loadPretrainedModel } from "./models/pretrained-model.js";
import { SERVE_USAGE, serveCommand } from "./serve/serve-command.js";
import { TRAIN_USAGE, trainCommand } from "./train/train-command.js";

const USAGE = `usage:
  apo logprobs --model DIR --data pairs.jsonl --out FILE.jsonl [--batch-size 8] [--max-length 1024|none]
      [--truncation-mode keep_start|keep_end] [--max-line-bytes N]
      per pair: chosen_logp, rejected_logp, chosen_tokens, rejected_tokens, written as batches finish
      (the file is streamed; rows over 1 KiB per token of --max-length, at least 1 MiB, are refused
      unless --max-line-bytes raises the limit)
      rows: {prompt, chosen, rejected} (strings or message lists, or no prompt: TRL's implicit form;
            tokenised and truncated as TRL 1.13 does) or {prompt_ids, chosen_ids, rejected_ids}
  apo init-model --family llama|gpt2 --out DIR [--seed 0] [--hidden 32] [--layers 2] [--heads 4]
      [--kv-heads N] [--intermediate 64] [--context 128]
      a seeded random-weight model with a local byte-level tokenizer
${TRAIN_USAGE}
${EXPORT_TRL_USAGE}
${GENERATE_USAGE}
${SERVE_USAGE}`;

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CommandLineError(`--${name} must be a non-negative integer, got ${value}`, {
      flag: name,
      usage: USAGE,
    });
  return n;
}

async function logprobs(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: "string" },
      data: { type: "string" },
      out: { type: "string" },
      "batch-size": { type: "string" },
      "max-length": { type: "string" },
      "truncation-mode": { type: "string" },
      "max-line-bytes": { type: "string" },
    },
  });
  if (!values.model || !values.data || !values.out)
    throw new CommandLineError("logprobs needs --model, --data and --out", { usage: USAGE });
  const model = await loadPretrainedModel(values.model);
  const batchSize = positiveInt(values["batch-size"], "batch-size");
  const mode = values["truncation-mode"] ?? "keep_start";
  if (mode !== "keep_start" && mode !== "keep_end") {
    throw new CommandLineError(`--truncation-mode must be keep_start or keep_end, not ${mode}`, {
      flag: "--truncation-mode",
    });
  }
  const maxLength =
    values["max-length"] === "none"
      ? null
      : (positiveInt(values["max-length"], "max-length") ?? TRL_TRUNCATION.maxLength);
  const maxLineBytes = positiveInt(values["max-line-bytes"], "max-line-bytes");
  // Streamed: rows are read line by line and written as each batch finishes, whatever the file's size.
  const rows = await writePreferenceLogProbs(model, values.data, values.out, {
    ...(batchSize ? { batchSize } : {}),
    ...(maxLineBytes ? { maxLineBytes } : {}),
    truncation: { ...TRL_TRUNCATION, maxLength, truncationMode: mode },
  });
  process.stderr.write(`wrote ${rows} rows to ${values.out}\n`);
}

async function initModel(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      family: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      hidden: { type: "string" },
      layers: { type: "string" },
      heads: { type: "string" },
      "kv-heads": { type: "string" },
      intermediate: { type: "string" },
      context: { type: "string" },
    },
  });
  if (values.family !== "llama" && values.family !== "gpt2")
    throw new CommandLineError("--family must be llama or gpt2", { flag: "family", usage: USAGE });
  if (!values.out) throw new CommandLineError("init-model needs --out", { flag: "out", usage: USAGE });
  const dims = {
    seed: positiveInt(values.seed, "seed"),
    hiddenSize: positiveInt(values.hidden, "hidden"),
    numLayers: positiveInt(values.layers, "layers"),
    numHeads: positiveInt(values.heads, "heads"),
    numKeyValueHeads: positiveInt(values["kv-heads"], "kv-heads"),
    intermediateSize: positiveInt(values.intermediate, "intermediate"),
    maxPositions: positiveInt(values.context, "context"),
  };
  const given = Object.fromEntries(Object.entries(dims).filter(([, v]) => v !== undefined));
  const model = await createTinyModel({ family: values.family, out: values.out, ...given });
  let params = 0;
  for (const t of model.weights.values()) params += t.data.length;
  process.stderr.write(`wrote a ${params}-parameter ${values.family} model to ${values.out}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "train") return await trainCommand(rest);
    if (command === "export-trl") return await exportTrlCommand(rest);
    if (command === "generate") return await generateCommand(rest);
    if (command === "serve") return await serveCommand(rest);
    if (command === "logprobs") await logprobs(rest);
    else if (command === "init-model") await initModel(rest);
    else if (command === undefined || command === "--help" || command === "-h")
      process.stdout.write(`${USAGE}\n`);
    else throw new CommandLineError(`unknown command ${command}`, { usage: USAGE });
    return 0;
  } catch (error) {
    process.stderr.write(`apo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
