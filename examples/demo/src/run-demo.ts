import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTinyModel, LocalGenerator } from "@apo/trainer";
import { figure3Svg } from "@apo-clair/example-losses-basic/figure3";
import { contrastiveness } from "@clair/metrics";
import { ALIGNMENT_LOSSES, type AlignmentLossName, align } from "./align.js";
import { buildDatasets } from "./datasets.js";
import type { DemoConfig } from "./demo-config.js";
import { type DemoResults, figure4Svg, reportMarkdown, slug } from "./report.js";
import { policyGenerator } from "./roles.js";
import { accuracy, sampleAnswers } from "./sample.js";
import { supervisedFineTune } from "./sft.js";
import { splitProblems } from "./task.js";

/** Every character is a token for the demo's Jaccard: the answers are numbers, not words. */
const characters = (text: string) => [...text];

/**
 * The end-to-end demo: weak model by SFT → on-policy answers → CLAIR / stronger-preferred / on-policy judge
 * datasets → Table 1 → APO-zero, APO-down and DPO on each → Table 2 and Figure 4, in one report.
 * Returns the path of the report.
 */
export async function runDemo(
  config: DemoConfig,
  outDir: string,
  log: (line: string) => void,
): Promise<string> {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;
  await mkdir(join(outDir, "data"), { recursive: true });
  await writeFile(join(outDir, "figure3.svg"), figure3Svg());

  const [sftSet = [], preferenceSet = [], evalSet = []] = splitProblems(config.seed, [
    config.sftSteps * 32,
    config.preferencePrompts,
    config.evalPrompts,
  ]);
  log(
    `[${elapsed()}] 1/6 creating a tiny Llama (hidden ${config.hiddenSize}, ${config.numLayers} layers) and teaching it to sort digits by SFT`,
  );
  const base = await createTinyModel({
    family: "llama",
    seed: config.seed,
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    numHeads: 4,
    intermediateSize: 3 * config.hiddenSize,
    maxPositions: 64,
  });
  const every = Math.max(1, Math.round(config.sftSteps / 5));
  const weak = await supervisedFineTune(base, sftSet, {
    steps: config.sftSteps,
    batchRows: 32,
    lr: config.sftLr,
    onProgress: (step, loss) => {
      if (step % every === 0)
        log(`    SFT step ${step}/${config.sftSteps}  loss ${loss.toFixed(3)}  (${elapsed()})`);
    },
  });
  const before = await accuracy(weak, evalSet);
  log(`    greedy accuracy after SFT: ${(100 * before).toFixed(1)}%`);

  log(`[${elapsed()}] 2/6 sampling the model's own answers (y_l) for ${preferenceSet.length} prompts`);
  const sampled = await sampleAnswers(weak, preferenceSet, { temperature: 1, seed: config.seed });

  log(`[${elapsed()}] 3/6 building the datasets with @clair/revise's builders`);
  const generator = await LocalGenerator.create(weak, { sessionOptions: { intraOpNumThreads: 1 } });
  const datasets = await buildDatasets(
    preferenceSet,
    sampled,
    policyGenerator(weak, generator, config.seed),
    join(outDir, "data"),
  );
  await generator.close();
  for (const d of datasets)
    log(`    ${d.name}: ${d.pairs.length} pairs, ${d.rejectedRows} prompts filtered out`);

  log(`[${elapsed()}] 4/6 measuring contrast with @clair/metrics (Table 1)`);
  const measured = [];
  for (const dataset of datasets) {
    const contrast = await contrastiveness(dataset.pairs, { tokenizer: characters });
    measured.push({ dataset, contrast });
    log(
      `    ${dataset.name}: Jaccard ${contrast.jaccard.mean.toFixed(2)}, Levenshtein ${contrast.levenshtein.mean.toFixed(2)}`,
    );
  }

  log(`[${elapsed()}] 5/6 aligning copies with APO-zero, APO-down and DPO on each dataset`);
  const cells: DemoResults["cells"][number][] = [];
  for (const dataset of datasets) {
    const held = Math.max(2, Math.round(dataset.pairs.length * config.heldOutShare));
    const heldOut = dataset.pairs.slice(0, held);
    const train = dataset.pairs.slice(held);
    for (const loss of Object.keys(ALIGNMENT_LOSSES) as AlignmentLossName[]) {
      if (train.length === 0) continue;
      const { model, trajectory } = await align(weak, train, heldOut, {
        loss,
        beta: config.beta,
        lr: config.alignLr,
        steps: config.alignSteps,
        pairsPerStep: config.pairsPerStep,
        evalEvery: config.evalEvery,
        seed: config.seed,
      });
      const acc = await accuracy(model, evalSet);
      cells.push({ dataset: dataset.name, loss, accuracy: acc, trajectory });
      const last = trajectory.at(-1);
      log(
        `    ${dataset.name} × ${loss}: accuracy ${(100 * acc).toFixed(1)}%  held-out rewards chosen ${last?.chosenReward.toFixed(3)} rejected ${last?.rejectedReward.toFixed(3)}  (${elapsed()})`,
      );
    }
    await writeFile(join(outDir, `figure4-${slug(dataset.name)}.svg`), figure4Svg(dataset.name, cells));
  }

  log(`[${elapsed()}] 6/6 writing the report`);
  const results: DemoResults = {
    config: {
      model: `Llama, hidden ${config.hiddenSize}, ${config.numLayers} layers, byte-level tokenizer`,
      "SFT steps": config.sftSteps,
      "preference prompts": config.preferencePrompts,
      "evaluation prompts": config.evalPrompts,
      alignment: `RMSProp, lr ${config.alignLr} decaying to 0, β ${config.beta}, ${config.alignSteps} steps of ${config.pairsPerStep} pairs`,
      seed: config.seed,
    },
    accuracyBefore: before,
    datasets: measured,
    cells,
    seconds: (performance.now() - started) / 1000,
  };
  const report = join(outDir, "report.md");
  await writeFile(report, reportMarkdown(results));
  await writeFile(
    join(outDir, "results.json"),
    `${JSON.stringify({ ...results, datasets: measured.map((m) => ({ name: m.dataset.name, pairs: m.dataset.pairs.length, contrast: m.contrast })) }, null, 2)}\n`,
  );
  return report;
}
