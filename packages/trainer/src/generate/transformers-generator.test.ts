import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import { exportTransformersJs } from "./export-transformers-js.js";
import { ModelFolderError } from "./generate-errors.js";
import { LocalGenerator } from "./local-generator.js";
import { openGenerator } from "./open-generator.js";
import { isTransformersJsFolder, TransformersGenerator } from "./transformers-generator.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "apo-tjs-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(["llama", "gpt2"] as const)("TransformersGenerator on a local %s export", (family) => {
  it("loads our export with downloads off and decodes greedily like LocalGenerator", async () => {
    const model = await createTinyModel({ family, seed: 13, std: 0.6, out: join(dir, `${family}-hf`) });
    const exported = join(dir, `${family}-tjs`);
    await exportTransformersJs(model, exported);
    expect(isTransformersJsFolder(exported)).toBe(true);
    const tjs = await TransformersGenerator.load(exported, { name: "tiny" });
    const local = await LocalGenerator.create(model);
    try {
      // Left padding: the two prompts have different lengths.
      const prompts = ["Once upon a time", [{ role: "user", content: "Hi" }]] as const;
      const options = { temperature: 0, maxNewTokens: 12 };
      const expected = await local.complete(prompts, options);
      expect(await tjs.complete(prompts, options)).toEqual(expected);
      // A vanishing nucleus leaves only the most likely token, whatever the temperature.
      const nucleus = { temperature: 1.5, topP: 1e-9, seed: 1, maxNewTokens: 12 };
      expect(await tjs.complete(prompts, nucleus)).toEqual(expected);
      const stop = expected[0]!.text.slice(4, 6);
      const [cut] = await tjs.complete([prompts[0]], { ...options, stop: [stop] });
      expect(cut!.text).toBe(expected[0]!.text.slice(0, expected[0]!.text.indexOf(stop)));
      // Seeded sampling through transformers.js is reproducible.
      const sampled = { temperature: 1.3, seed: 3, maxNewTokens: 10 };
      const a = await tjs.generate({ messages: [{ role: "user", content: "Hi" }], n: 2, ...sampled });
      const b = await tjs.generate({ messages: [{ role: "user", content: "Hi" }], n: 2, ...sampled });
      expect(a).toEqual(b);
      expect(a.model).toBe("tiny");
      expect(a.usage.completionTokens).toBe(20);
    } finally {
      await tjs.close();
      await local.close();
    }
  });
});

it("openGenerator picks the backend from the folder, and refuses other folders", async () => {
  const hf = await openGenerator(join(dir, "llama-hf"));
  const tjs = await openGenerator(join(dir, "llama-tjs"), { name: "exported" });
  try {
    expect(hf).toBeInstanceOf(LocalGenerator);
    expect(hf.model).toBe("llama-hf");
    expect(tjs).toBeInstanceOf(TransformersGenerator);
    expect(tjs.model).toBe("exported");
  } finally {
    await hf.close();
    await tjs.close();
  }
  await expect(TransformersGenerator.load(dir)).rejects.toThrow(ModelFolderError);
  await expect(openGenerator(dir)).rejects.toThrow(/not a model folder/);
});
