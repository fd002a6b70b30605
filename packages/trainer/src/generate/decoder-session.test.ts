import { afterAll, describe, expect, it } from "vitest";
import { createTinyModel } from "../models/create-tiny-model.js";
import { DecoderSession, decoderSessionOptions, type KvCache } from "./decoder-session.js";
import { argmax } from "./sample-token.js";

const sessions: DecoderSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

/** Prefill two rows of 5 tokens, then `steps` greedy steps; every call's logits and the last cache. */
async function run(session: DecoderSession, steps: number, recycle: boolean) {
  const batch = 2;
  let ids = BigInt64Array.from([1, 40, 50, 60, 70, 1, 9, 8, 7, 6], BigInt);
  let mask = new BigInt64Array(10).fill(1n);
  let cache: KvCache = session.emptyCache(batch);
  let fresh = 5;
  const logits: number[][] = [];
  const caches: KvCache[] = [];
  for (let s = 0; s <= steps; s++) {
    const out = await session.forward(ids, mask, batch, fresh, cache, { recycle });
    logits.push(Array.from(out.logits));
    cache = out.cache;
    caches.push(cache);
    const v = session.vocabSize;
    ids = BigInt64Array.from([0, 1], (b) => BigInt(argmax(out.logits.subarray(b * v, (b + 1) * v))));
    mask = new BigInt64Array(batch * (cache.length + 1)).fill(1n);
    fresh = 1;
  }
  return { logits, caches };
}

describe("DecoderSession.forward with recycle", () => {
  it("returns the same logits and cache as fresh outputs, and ping-pongs between two sets of arrays", async () => {
    const model = await createTinyModel({ family: "llama", seed: 3, numKeyValueHeads: 1 });
    const session = await DecoderSession.create(model);
    sessions.push(session);
    const fresh = await run(session, 6, false);
    const recycled = await run(session, 6, true);
    expect(recycled.logits).toEqual(fresh.logits);
    const last = recycled.caches.at(-1)!;
    const expected = fresh.caches.at(-1)!;
    expect(last.length).toBe(11);
    last.layers.forEach(({ key, value }, l) => {
      expect(key.dims).toEqual(expected.layers[l]!.key.dims);
      expect(Array.from(key.data as Float32Array)).toEqual(
        Array.from(expected.layers[l]!.key.data as Float32Array),
      );
      expect(Array.from(value.data as Float32Array)).toEqual(
        Array.from(expected.layers[l]!.value.data as Float32Array),
      );
    });
    // From the second step on, each call writes into the arrays of the cache two calls back.
    const storage = recycled.caches.map((c) => c.storage![0]!.key);
    for (let s = 2; s < storage.length; s++) {
      expect(storage[s]).toBe(storage[s - 2]);
      expect(storage[s]).not.toBe(storage[s - 1]);
    }
  });
});

describe("decoderSessionOptions", () => {
  it("turns intra-op spinning off unless the caller's extra.session says otherwise, keeping the caller's entries", () => {
    expect(decoderSessionOptions("float32").extra).toEqual({ session: { "intra_op.allow_spinning": "0" } });
    const mine = decoderSessionOptions("float64", {
      intraOpNumThreads: 2,
      extra: { session: { "intra_op.allow_spinning": "1", set_denormal_as_zero: "1" } },
    });
    expect(mine.graphOptimizationLevel).toBe("basic");
    expect(mine.intraOpNumThreads).toBe(2);
    expect(mine.extra).toEqual({ session: { "intra_op.allow_spinning": "1", set_denormal_as_zero: "1" } });
  });
});
