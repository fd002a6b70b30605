import { describe, expect, it } from "vitest";
import { createTinyModel, type TinyModelOptions } from "../models/create-tiny-model.js";
import { SequenceTooLongError } from "../models/model-errors.js";
import { referenceCompletionLogProb } from "../reference-forward/reference-log-probs.js";
import { computeLogProbs, LogProbSession } from "./log-prob-session.js";
import { packSequences } from "./pack-sequences.js";

const rows = [
  { promptIds: [1, 40, 50, 60], completionIds: [70, 80, 2] },
  { promptIds: [1, 9], completionIds: [100, 101, 102, 103, 104, 105, 2] },
  { promptIds: [1, 200, 201, 202, 203, 204, 205, 206, 207], completionIds: [258] },
];

const variants: [string, TinyModelOptions][] = [
  ["llama (GQA, untied)", { family: "llama", seed: 1 }],
  ["llama (tied, multi-query)", { family: "llama", seed: 2, tieWordEmbeddings: true, numKeyValueHeads: 1 }],
  [
    "llama with llama3 rope scaling",
    {
      family: "llama",
      seed: 3,
      configOverrides: {
        rope_theta: 10000,
        rope_scaling: {
          rope_type: "llama3",
          factor: 4,
          low_freq_factor: 1,
          high_freq_factor: 4,
          original_max_position_embeddings: 64,
        },
      },
    },
  ],
  ["qwen2 (q/k/v bias)", { family: "llama", seed: 4, configOverrides: { model_type: "qwen2" } }],
  [
    "llama with attention and mlp bias",
    { family: "llama", seed: 5, configOverrides: { attention_bias: true, mlp_bias: true } },
  ],
  ["mistral", { family: "llama", seed: 6, configOverrides: { model_type: "mistral", sliding_window: 64 } }],
  ["gpt2", { family: "gpt2", seed: 7 }],
];

describe("architecture fidelity: ORT log-prob graph vs plain TypeScript reference", () => {
  it.each(variants)("%s agrees to 1e-5 relative", async (_, options) => {
    const model = await createTinyModel(options);
    const got = await computeLogProbs(model, rows);
    rows.forEach((r, i) => {
      const ref = referenceCompletionLogProb(model.config, model.weights, r.promptIds, r.completionIds);
      expect(got[i]!.tokens).toBe(ref.tokens);
      expect(Math.abs(got[i]!.logp - ref.logp) / Math.abs(ref.logp)).toBeLessThan(1e-5);
    });
  });
});

describe("architecture fidelity in float64", () => {
  it.each(variants)("%s agrees to 1e-10 relative", async (_, options) => {
    const model = await createTinyModel(options);
    const got = await computeLogProbs(model, rows, { dtype: "float64" });
    rows.forEach((r, i) => {
      const ref = referenceCompletionLogProb(model.config, model.weights, r.promptIds, r.completionIds);
      expect(Math.abs(got[i]!.logp - ref.logp) / Math.abs(ref.logp)).toBeLessThan(1e-10);
    });
  });
});

describe("LogProbSession", () => {
  it("gives the same result with left padding, right padding and alone", async () => {
    const model = await createTinyModel({ family: "llama", seed: 11 });
    const session = await LogProbSession.create(model);
    const alone = await Promise.all(rows.map(async (r) => (await session.run([r]))[0]!));
    const right = await session.run(rows);
    // Left-pad by hand: same sequences shifted right, mask 0 in front.
    const packed = packSequences(rows, { padId: 0, maxLength: 128, vocabSize: 259 });
    const shift = (a: BigInt64Array, b: number, len: number) => {
      const row = a.slice(b * packed.seq, (b + 1) * packed.seq);
      const out = new BigInt64Array(packed.seq);
      out.set(row.subarray(0, len), packed.seq - len);
      return out;
    };
    const cat = (a: BigInt64Array) => {
      const out = new BigInt64Array(a.length);
      rows.forEach((r, b) => {
        out.set(shift(a, b, r.promptIds.length + r.completionIds.length), b * packed.seq);
      });
      return out;
    };
    const left = await session.runPacked({
      ...packed,
      inputIds: cat(packed.inputIds),
      attentionMask: cat(packed.attentionMask),
      completionMask: cat(packed.completionMask),
    });
    for (let i = 0; i < rows.length; i++) {
      expect(right[i]!.logp).toBeCloseTo(alone[i]!.logp, 4);
      expect(left[i]!.logp).toBeCloseTo(alone[i]!.logp, 4);
      expect(left[i]!.tokens).toBe(alone[i]!.tokens);
    }
    await session.release();
  });

  it("gives the same log-probs through an external-data model file", async () => {
    const model = await createTinyModel({ family: "gpt2", seed: 12 });
    const session = await LogProbSession.create(model, {}, { externalDataAbove: 0 });
    expect(await session.run(rows)).toEqual(await computeLogProbs(model, rows));
    await session.release();
  });

  it("rejects a sequence longer than the context, bad ids and empty prompts", async () => {
    const model = await createTinyModel({ family: "gpt2", seed: 1, maxPositions: 16 });
    const long = {
      promptIds: Array.from({ length: 10 }, () => 5),
      completionIds: Array.from({ length: 7 }, () => 6),
    };
    await expect(computeLogProbs(model, [long])).rejects.toThrow(SequenceTooLongError);
    await expect(computeLogProbs(model, [long])).rejects.toThrow(/17 tokens but the model's context is 16/);
    await expect(computeLogProbs(model, [{ promptIds: [1], completionIds: [259] }])).rejects.toThrow(
      /token id 259, outside the vocabulary \[0, 259\)/,
    );
    await expect(computeLogProbs(model, [{ promptIds: [], completionIds: [3] }])).rejects.toThrow(
      /empty prompt/,
    );
    await expect(computeLogProbs(model, [])).rejects.toThrow(/empty batch/);
    const session = await LogProbSession.create(model);
    const packed = packSequences([long], { padId: 0, maxLength: 100, vocabSize: 259 });
    await expect(session.runPacked(packed)).rejects.toThrow(SequenceTooLongError);
    await session.release();
  });
});
