#!/usr/bin/env node
import { CommandLineError } from "./command-line-error.js";
import { TRL_TRUNCATION } from "./data/truncate-pair.js";
import { EXPORT_TRL_HELP, EXPORT_TRL_USAGE, exportTrlCommand } from "./export/export-trl-command.js";
import { GENERATE_HELP, GENERATE_USAGE, generateCommand } from "./generate/generate-command.js";
import { writePreferenceLogProbs } from "./logprobs/preference-log-probs.js";
import { loadModelWithAdapter } from "./lora/load-with-adapter.js";
import { MERGE_HELP, MERGE_USAGE, mergeCommand } from "./lora/merge-command.js";
import { createTinyModel } from "./models/create-tiny-model.js";
import { loadPretrainedModel } from "./models/pretrained-model.js";
import { parseCommandLine, wantsHelp } from "./parse-command-line.js";
import { EVAL_REPORT_HELP, EVAL_REPORT_USAGE, evalReportCommand } from "./report/eval-report-command.js";
import { SERVE_HELP, SERVE_USAGE, serveCommand } from "./serve/serve-command.js";
import { closest } from "./suggest.js";
import { TRAIN_HELP, TRAIN_USAGE, trainCommand } from "./train/train-command.js";

/** `apo init-model`'s context: the reviser prompt of `clair revise` (about 1,500 bytes) and an answer fit. */
const INIT_MODEL_CONTEXT = 2048;

const LOGPROBS_USAGE = `  apo logprobs --model DIR --data pairs.jsonl --out FILE.jsonl [--batch-size 8] [--max-length 1024|none]
      [--truncation-mode keep_start|keep_end] [--max-line-bytes N] [--adapter DIR]
      per pair: chosen_logp, rejected_logp, chosen_tokens, rejected_tokens, written as batches finish
      (the file is streamed; rows over 1 KiB per token of --max-length, at least 1 MiB, are refused
      unless --max-line-bytes raises the limit)
      rows: {prompt, chosen, rejected} (strings or message lists, or no prompt: TRL's implicit form;
            tokenised and truncated as TRL 1.13 does) or {prompt_ids, chosen_ids, rejected_ids}
      --adapter DIR: a PEFT LoRA adapter for --model, merged into its weights in memory (as apo merge)`;

const LOGPROBS_HELP = `apo logprobs: the summed log-probs of every pair's chosen and rejected completion

usage:
${LOGPROBS_USAGE}

examples:
  apo init-model --family llama --out models/tiny
  apo logprobs --model models/tiny --data pairs.jsonl --out logps.jsonl
  apo logprobs --model models/tiny --data pairs.jsonl --out logps.jsonl --max-length none --batch-size 16
  apo logprobs --model models/tiny --adapter runs/lora/checkpoint-10 --data pairs.jsonl --out logps.jsonl

A run over 2 s shows its progress (rows, rate, ETA) on stderr.
`;

const INIT_MODEL_USAGE = `  apo init-model --family llama|gpt2 --out DIR [--seed 0] [--hidden 32] [--layers 2] [--heads 4]
      [--kv-heads N] [--intermediate 64] [--context ${INIT_MODEL_CONTEXT}] [--vocab-size 259] [--tie-embeddings]
      a seeded random-weight model with a local byte-level tokenizer (259 tokens; --vocab-size pads the
      embedding past them); --tie-embeddings shares the embedding with the LM head (Llama; GPT-2 always does)`;

const INIT_MODEL_HELP = `apo init-model: a tiny random-weight model to try every command on, with no download

usage:
${INIT_MODEL_USAGE}

examples:
  apo init-model --family llama --out models/tiny
  apo init-model --family gpt2 --out models/tiny-gpt2 --seed 1 --layers 4 --context 4096
  apo init-model --family llama --out models/tiny-tied --vocab-size 320 --tie-embeddings

The default context (${INIT_MODEL_CONTEXT} tokens) fits clair revise's reviser prompt when the model serves it.
`;

const USAGE = `apo: train and serve causal LMs with APO and the other TRL 1.13 preference losses

usage:
${LOGPROBS_USAGE}
${INIT_MODEL_USAGE}
${TRAIN_USAGE}
${EVAL_REPORT_USAGE}
${EXPORT_TRL_USAGE}
${GENERATE_USAGE}
${SERVE_USAGE}
${MERGE_USAGE}
  apo help COMMAND | apo COMMAND --help
      one command's flags, with examples

example:
  apo init-model --family llama --out models/tiny
  apo generate --model models/tiny --chat "Hi" --temperature 0 --max-tokens 16
`;

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CommandLineError(`--${name} must be a non-negative integer, got ${value}`, { flag: name });
  return n;
}

async function logprobs(args: string[]): Promise<void> {
  const values = parseCommandLine("logprobs", args, {
    model: { type: "string" },
    data: { type: "string" },
    out: { type: "string" },
    "batch-size": { type: "string" },
    "max-length": { type: "string" },
    "truncation-mode": { type: "string" },
    "max-line-bytes": { type: "string" },
    adapter: { type: "string" },
  });
  if (!values.model || !values.data || !values.out)
    throw new CommandLineError("logprobs needs --model, --data and --out (apo logprobs --help)");
  const model =
    values.adapter === undefined
      ? await loadPretrainedModel(values.model)
      : await loadModelWithAdapter(values.model, values.adapter);
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
  const values = parseCommandLine("init-model", args, {
    family: { type: "string" },
    out: { type: "string" },
    seed: { type: "string" },
    hidden: { type: "string" },
    layers: { type: "string" },
    heads: { type: "string" },
    "kv-heads": { type: "string" },
    intermediate: { type: "string" },
    context: { type: "string" },
    "vocab-size": { type: "string" },
    "tie-embeddings": { type: "boolean" },
  });
  if (values.family !== "llama" && values.family !== "gpt2")
    throw new CommandLineError("--family must be llama or gpt2 (apo init-model --help)", { flag: "family" });
  if (!values.out)
    throw new CommandLineError("init-model needs --out DIR (apo init-model --help)", { flag: "out" });
  const dims = {
    seed: positiveInt(values.seed, "seed"),
    hiddenSize: positiveInt(values.hidden, "hidden"),
    numLayers: positiveInt(values.layers, "layers"),
    numHeads: positiveInt(values.heads, "heads"),
    numKeyValueHeads: positiveInt(values["kv-heads"], "kv-heads"),
    intermediateSize: positiveInt(values.intermediate, "intermediate"),
    maxPositions: positiveInt(values.context, "context") ?? INIT_MODEL_CONTEXT,
    // Below the tokenizer's 259 tokens, createTinyModel says why it cannot be.
    vocabSize: positiveInt(values["vocab-size"], "vocab-size"),
    tieWordEmbeddings: values["tie-embeddings"] === true ? true : undefined,
  };
  const given = Object.fromEntries(Object.entries(dims).filter(([, v]) => v !== undefined));
  const model = await createTinyModel({ family: values.family, out: values.out, ...given });
  let params = 0;
  for (const t of model.weights.values()) params += t.data.length;
  const { maxPositions, vocabSize: vocab, tieWordEmbeddings } = model.config;
  process.stderr.write(
    `wrote a ${params}-parameter ${values.family} model to ${values.out} ` +
      `(context ${maxPositions}, vocabulary ${vocab}${tieWordEmbeddings ? ", tied embeddings" : ""})\n`,
  );
}

/** Every command: how to run it and its help. */
const COMMANDS = {
  train: { run: trainCommand, help: TRAIN_HELP },
  logprobs: {
    run: async (args: string[]) => {
      await logprobs(args);
      return 0;
    },
    help: LOGPROBS_HELP,
  },
  "init-model": {
    run: async (args: string[]) => {
      await initModel(args);
      return 0;
    },
    help: INIT_MODEL_HELP,
  },
  generate: { run: generateCommand, help: GENERATE_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
  merge: { run: mergeCommand, help: MERGE_HELP },
  "export-trl": { run: exportTrlCommand, help: EXPORT_TRL_HELP },
  "eval-report": { run: evalReportCommand, help: EVAL_REPORT_HELP },
} as const satisfies Record<string, { run: (args: string[]) => Promise<number>; help: string }>;

type CommandName = keyof typeof COMMANDS;

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** An unknown command, with the nearest known one. */
function unknownCommand(name: string): CommandLineError {
  const near = closest(name, [...Object.keys(COMMANDS), "help"]);
  return new CommandLineError(
    `unknown command ${name}${near === undefined ? "" : `: did you mean ${near}?`} ` +
      `(the commands: ${Object.keys(COMMANDS).join(", ")}; apo --help)`,
  );
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h") {
      process.stdout.write(USAGE);
      return 0;
    }
    if (command === "help") {
      const topic = rest[0];
      if (topic === undefined) process.stdout.write(USAGE);
      else if (isCommand(topic)) process.stdout.write(COMMANDS[topic].help);
      else throw unknownCommand(topic);
      return 0;
    }
    if (!isCommand(command)) throw unknownCommand(command);
    if (wantsHelp(rest)) {
      process.stdout.write(COMMANDS[command].help);
      return 0;
    }
    return await COMMANDS[command].run(rest);
  } catch (error) {
    process.stderr.write(`apo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
