import { pairMetrics } from "./contrastiveness.js";
import type { JaccardOptions } from "./jaccard.js";
import { isBlank, parsePairLine } from "./jsonl.js";
import type { CharacterUnit } from "./levenshtein.js";
import { loadTokenizer } from "./load-tokenizer.js";
import type { Tokenizer } from "./tokenize.js";

// The unit of work shared by the calling thread and the worker threads: a batch of JSONL lines or of
// text pairs in, three columns of numbers out.

/** A tokenizer that can cross into a worker thread. */
export type TokenizerSpec = "whitespace" | "word" | RegExp | { tokenizerJson: string };

/** {@link TokenizerSpec} in structured-clone form. */
export type SerializedTokenizer =
  | { kind: "whitespace" }
  | { kind: "word" }
  | { kind: "regexp"; source: string; flags: string }
  | { kind: "file"; path: string };

/** What every worker needs to measure pairs the same way. */
export interface MeasureConfig {
  tokenizer: SerializedTokenizer;
  multiset: boolean;
  caseSensitive: boolean;
  unit: CharacterUnit;
}

/** A batch: JSONL lines numbered from `firstLine`, or pairs of texts. */
export type BatchRequest =
  | { id: number; firstLine: number; lines: string[] }
  | { id: number; chosen: string[]; rejected: string[] };

/** A measured batch. Lines that are blank are skipped; lines that are not pairs are in `errors`. */
export interface BatchResult {
  id: number;
  jaccard: Float64Array<ArrayBuffer>;
  levenshtein: Float64Array<ArrayBuffer>;
  lengthRatio: Float64Array<ArrayBuffer>;
  identical: number;
  errors: { line: number; reason: string }[];
}

export function serializeTokenizer(spec: TokenizerSpec): SerializedTokenizer {
  if (spec === "whitespace" || spec === "word") return { kind: spec };
  if (spec instanceof RegExp) return { kind: "regexp", source: spec.source, flags: spec.flags };
  return { kind: "file", path: spec.tokenizerJson };
}

export async function resolveTokenizer(spec: SerializedTokenizer): Promise<Tokenizer> {
  switch (spec.kind) {
    case "whitespace":
    case "word":
      return spec.kind;
    case "regexp":
      return new RegExp(spec.source, spec.flags);
    case "file":
      return loadTokenizer(spec.path);
  }
}

/** Measures one batch with a tokenizer already resolved. */
export function measureBatch(
  request: BatchRequest,
  options: JaccardOptions & { unit: CharacterUnit },
): BatchResult {
  const size = "lines" in request ? request.lines.length : request.chosen.length;
  const jaccard = new Float64Array(size);
  const levenshtein = new Float64Array(size);
  const lengthRatio = new Float64Array(size);
  const errors: { line: number; reason: string }[] = [];
  let count = 0;
  let identical = 0;
  for (let i = 0; i < size; i++) {
    let chosen: string;
    let rejected: string;
    if ("lines" in request) {
      const line = request.lines[i]!;
      if (isBlank(line)) continue;
      const parsed = parsePairLine(line);
      if (typeof parsed === "string") {
        errors.push({ line: request.firstLine + i, reason: parsed });
        continue;
      }
      [chosen, rejected] = parsed;
    } else {
      chosen = request.chosen[i]!;
      rejected = request.rejected[i]!;
    }
    const metrics = pairMetrics(chosen, rejected, options);
    jaccard[count] = metrics.jaccard;
    levenshtein[count] = metrics.levenshtein;
    lengthRatio[count] = metrics.lengthRatio;
    if (chosen === rejected) identical++;
    count++;
  }
  return {
    id: request.id,
    jaccard: jaccard.slice(0, count),
    levenshtein: levenshtein.slice(0, count),
    lengthRatio: lengthRatio.slice(0, count),
    identical,
    errors,
  };
}
