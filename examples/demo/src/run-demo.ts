import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { createTinyModel, type PretrainedModel } from "@apo/trainer";
import { figure3Svg } from "@apo-clair/example-losses-basic/figure3";
import { contrastiveness } from "@clair/metrics";
import { align, type PairReference } from "./align.js";
import { handAnchor, judgeAnchors } from "./anchors.js";
import { buildDatasets, type DatasetName } from "./datasets.js";
import type { DemoConfig } from "./demo-config.js";
import { runFolder, trainerTable2, writeEpochEvalReport, writeEpochEvals } from "./epoch-table.js";
import { accuracySvg, figure4Svg } from "./figures.js";
import { type CheckpointEval, evaluateCheckpoint } from "./pairwise-eval.js";
import { FIGURE_FILES, reportMarkdown } from "./report.js";
import type { CellResult, DatasetResult, DemoResults } from "./results.js";
import { sampledPolicy } from "./roles.js";
import { greedyAnswers, greedyCorrect, sampleAnswers } from "./sample.js";
import { supervisedFineTune } from "./sft.js";
import { checkpointChange, mean } from "./stats.js";
import { isCorrect, type Problem, splitProblems } from "./task.js";

/** Every character is a token for the demo's Jaccard: the answers are numbers, not words. */
const characters = (text: string) => [...text];

/** A tiny Llama of the demo's size, seeded. */
function tinyLlama(config: DemoConfig, seed: number): Promise<PretrainedModel> {
  return createTinyModel({
    family: "llama",
    seed,
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    numHeads: 4,
    intermediateSize: 3 * config.hiddenSize,
    maxPositions: 64,
  });
}

/**
 * The end-to-end demo: weak model by SFT → its own answers, and two weaker models' → the paper's four
 * datasets (CLAIR, stronger preferred, on-policy judge, off-policy judge) → Table 1 → every objective on
 * each, with a checkpoint evaluated after every epoch → Table 2, Figure 4 and the paper's claims checked,
 * in one report. Returns the path of the report.
 */
export async function runDemo(
  config: DemoConfig,
  outDir: string,
  log: (line: string) => void,
): Promise<string> {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;
  // The builders resume from their journals; a new run starts from empty data files.
  for (const dir of ["data", "eval", "runs"]) await rm(join(outDir, dir), { recursive: true, force: true });
  await mkdir(join(outDir, "data"), { recursive: true });

  const [sftSet = [], preferenceSet = [], evalSet = []] = splitProblems(config.seed, [
    config.sftSteps * 32,
    config.preferencePrompts,
    config.evalPrompts,
  ]);
  log(
    `[${elapsed()}] 1/7 creating a tiny Llama (hidden ${config.hiddenSize}, ${config.numLayers} layer${config.numLayers === 1 ? "" : "s"}) and teaching it to sort digits by SFT`,
  );
  const every = Math.max(1, Math.round(config.sftSteps / 5));
  const weak = await supervisedFineTune(await tinyLlama(config, config.seed), sftSet, {
    steps: config.sftSteps,
    batchRows: 32,
    lr: config.sftLr,
    onProgress: (step, loss) => {
      if (step % every === 0)
        log(`    SFT step ${step}/${config.sftSteps}  loss ${loss.toFixed(3)}  (${elapsed()})`);
    },
  });
  const start = await greedyAnswers(weak, evalSet);
  const before = start.correct;
  const accuracyBefore = mean(before);
  const seBefore = Math.sqrt((accuracyBefore * (1 - accuracyBefore)) / evalSet.length);
  log(
    `    greedy accuracy after SFT: ${(100 * accuracyBefore).toFixed(1)}% ± ${(100 * seBefore).toFixed(1)} on ${evalSet.length} prompts`,
  );

  log(
    `[${elapsed()}] 2/7 sampling answers for ${preferenceSet.length} prompts: the model's (y_l) and two weaker models'`,
  );
  const sampled = await sampleAnswers(weak, preferenceSet, { temperature: 1, seed: config.seed });
  // The model's own greedy answer to each preference prompt: what APO-anchored's anchors compare with.
  const greedy = await greedyAnswers(weak, preferenceSet);
  const modelRight = new Map(preferenceSet.map((p, i) => [p.prompt, greedy.correct[i] === 1]));
  const modelAnswer = new Map(preferenceSet.map((p, i) => [p.prompt, greedy.texts[i] ?? ""]));
  const others = [];
  const otherModels = [];
  for (const [k, steps] of config.otherModelSftSteps.entries()) {
    const name = `tiny-llama M${"′″"[k]} (seed ${config.seed + k + 1}, ${steps} SFT steps)`;
    const other = await supervisedFineTune(await tinyLlama(config, config.seed + k + 1), sftSet, {
      steps,
      batchRows: 32,
      lr: config.sftLr,
    });
    const accuracy = mean(await greedyCorrect(other, evalSet));
    otherModels.push({ model: name, accuracy });
    others.push({
      model: name,
      answers: await sampleAnswers(other, preferenceSet, { temperature: 1, seed: config.seed + k + 1 }),
    });
    log(`    ${name}: greedy accuracy ${(100 * accuracy).toFixed(1)}%`);
  }

  log(`[${elapsed()}] 3/7 building the four datasets with @clair/revise's builders`);
  // Two more samples of M per prompt for the on-policy judge (rows of one call have their own seeds).
  const twice = await sampleAnswers(weak, [...preferenceSet, ...preferenceSet], {
    temperature: 1,
    seed: config.seed + 100,
  });
  const policySamples = new Map(
    preferenceSet.map((p, i) => [p.prompt, [twice[i] ?? "", twice[i + preferenceSet.length] ?? ""]]),
  );
  const built = await buildDatasets(
    preferenceSet,
    sampled,
    sampledPolicy(policySamples),
    [others[0] ?? { model: "", answers: [] }, others[1] ?? { model: "", answers: [] }],
    join(outDir, "data"),
  );
  const problemOf = new Map(preferenceSet.map((p) => [p.prompt, p]));

  log(
    `[${elapsed()}] 4/7 measuring contrast with @clair/metrics (Table 1) and the winners against the model; anchoring each training pair with clair anchor's builder`,
  );
  const datasets: DatasetResult[] = [];
  const anchorsOf = new Map<DatasetName, number[]>();
  for (const dataset of built) {
    const contrast = await contrastiveness(dataset.pairs, { tokenizer: characters });
    const chosenRight = dataset.pairs.map((p) => isCorrect(problemOf.get(p.prompt) as Problem, p.chosen));
    const modelRightHere = dataset.pairs.map((p) => modelRight.get(p.prompt) === true);
    const heldOutPairs = Math.min(config.heldOutPairs, Math.floor(dataset.pairs.length / 2));
    // APO-anchored's per-pair anchors: the checker judge, both orders, the chosen answer against the
    // model's own greedy answer (clair anchor's library); the first hand rule kept to compare.
    const t0 = performance.now();
    const train = dataset.pairs.slice(heldOutPairs);
    const hand = train.map((p) =>
      handAnchor(isCorrect(problemOf.get(p.prompt) as Problem, p.chosen), modelRight.get(p.prompt) === true),
    );
    const { anchorDown, counts: anchors } = await judgeAnchors(
      dataset.name,
      train,
      modelAnswer,
      hand,
      join(outDir, "data"),
    );
    anchorsOf.set(dataset.name, anchorDown);
    datasets.push({
      dataset,
      contrast,
      trainPairs: dataset.pairs.length - heldOutPairs,
      heldOutPairs,
      chosenCorrect: mean(chosenRight.map(Number)),
      modelCorrect: mean(modelRightHere.map(Number)),
      chosenBeatsModel: mean(chosenRight.map((c, i) => (c && !modelRightHere[i] ? 1 : 0))),
      anchors,
    });
    log(
      `    ${dataset.name}: ${dataset.pairs.length} pairs (${dataset.rejectedRows} prompts filtered out), Jaccard ${contrast.jaccard.mean.toFixed(1)}, Levenshtein ${contrast.levenshtein.mean.toFixed(2)}, chosen correct ${(100 * mean(chosenRight.map(Number))).toFixed(0)}% vs the model's ${(100 * mean(modelRightHere.map(Number))).toFixed(0)}%`,
    );
    const share = (x: number) => (Number.isNaN(x) ? "–" : `${(100 * x).toFixed(1)}%`);
    log(
      `      anchors (checker judge, both orders, vs the model's greedy answer) of ${anchors.pairs} training pairs: ${anchors.zero} zero, ${anchors.down} down, ${anchors.tie} tied → 0.5; the hand rule (${anchors.handZero} zero) agrees on ${share(anchors.agreement)}, on ${share(anchors.decidedAgreement)} of the decided ones  (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }

  const objectives = config.objectives;
  // The cell clair eval compares with the starting model, chosen before training: the configured one, or
  // the last one trained when the configured objective is not.
  const trained = datasets.filter((d) => d.trainPairs > 0).map((d) => d.dataset.name);
  const evalCell =
    trained.includes(config.evalCell.dataset) && objectives.includes(config.evalCell.objective)
      ? config.evalCell
      : { dataset: trained.at(-1), objective: objectives.at(-1) };
  let evalAnswers: string[] | undefined;
  const summaries = [];
  log(
    `[${elapsed()}] 5/7 aligning copies with ${objectives.join(", ")} on each dataset, ${config.epochs} epochs, accuracy after each`,
  );
  const cells: CellResult[] = [];
  for (const { dataset, heldOutPairs } of datasets) {
    const heldOut = dataset.pairs.slice(0, heldOutPairs);
    const train = dataset.pairs.slice(heldOutPairs);
    const anchorDown = anchorsOf.get(dataset.name) ?? [];
    let reference: PairReference | undefined;
    for (const objective of objectives) {
      if (train.length === 0) continue;
      const checkpoints: Uint8Array[] = [];
      const result = await align(weak, train, heldOut, {
        objective,
        beta: config.beta,
        lr: config.alignLr,
        epochs: config.epochs,
        pairsPerStep: config.pairsPerStep,
        trajectoryPointsPerEpoch: config.trajectoryPointsPerEpoch,
        seed: config.seed,
        anchorDown,
        ...(reference === undefined ? {} : { reference }),
        ...(config.lora === undefined ? {} : { lora: config.lora }),
        onEpoch: async (epoch, model) => {
          const isEvalCell = dataset.name === evalCell.dataset && objective === evalCell.objective;
          if (isEvalCell && epoch === config.epochs) {
            const answers = await greedyAnswers(model, evalSet);
            evalAnswers = answers.texts;
            checkpoints.push(answers.correct);
          } else checkpoints.push(await greedyCorrect(model, evalSet));
        },
      });
      reference = result.reference;
      const change = checkpointChange(before, checkpoints);
      // The same accuracies as @apo/trainer's epoch evaluations, summarised by its Table 2 code.
      const summary = await writeEpochEvals(
        runFolder(outDir, dataset.name, objective),
        `${dataset.name} × ${objective}`,
        accuracyBefore,
        change.accuracies,
        evalSet.length,
      );
      summaries.push(summary);
      cells.push({
        dataset: dataset.name,
        objective,
        change,
        trainer: trainerTable2(summary, change),
        trajectory: result.trajectory,
        finalRewards: result.finalRewards,
      });
      const pts = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
      log(
        `    ${dataset.name} × ${objective}: accuracy by epoch ${change.accuracies.map((a) => (100 * a).toFixed(1)).join(" ")}; max Δ ${pts(change.maxDelta)}, mean Δ ${pts(change.meanDelta)} ± ${(100 * change.meanSe).toFixed(1)}  (${elapsed()})`,
      );
    }
  }

  const epochEvalReport = await writeEpochEvalReport(outDir, summaries);
  let checkpointEval: CheckpointEval | undefined;
  if (evalAnswers !== undefined && evalCell.dataset !== undefined && evalCell.objective !== undefined) {
    log(
      `[${elapsed()}] 6/7 clair eval's library: ${evalCell.dataset} × ${evalCell.objective} (epoch ${config.epochs}) against the starting model on the ${evalSet.length} held-out prompts`,
    );
    const t0 = performance.now();
    const compared = await evaluateCheckpoint(
      evalSet,
      { name: `${evalCell.dataset} × ${evalCell.objective}, epoch ${config.epochs}`, answers: evalAnswers },
      { name: "the model before alignment", answers: start.texts },
      join(outDir, "eval"),
      config.seed,
    );
    checkpointEval = {
      dataset: evalCell.dataset,
      objective: evalCell.objective,
      epoch: config.epochs,
      ...compared,
    };
    const rate = (e: { value: number; low: number; high: number }) =>
      `${(100 * e.value).toFixed(1)}% [${(100 * e.low).toFixed(1)}, ${(100 * e.high).toFixed(1)}]`;
    for (const c of [compared.verifiable, compared.judge]) {
      log(
        `    ${c.mode === "judge" ? "checker judge, both orders" : "verifiable answers (checker)"}: win rate ${rate(c.winRate)}, tie rate ${rate(c.tieRate)}, loss rate ${rate(c.lossRate)} (${c.wins}/${c.ties}/${c.losses} of ${c.pairs})`,
      );
    }
    log(
      `    (${((performance.now() - t0) / 1000).toFixed(1)} s; reports in ${relative(outDir, compared.verifiable.markdown)}, ${relative(outDir, compared.judge.markdown)})`,
    );
  }

  log(`[${elapsed()}] 7/7 writing the report and figures`);
  const results: DemoResults = {
    smoke: config.smoke,
    config: {
      model: `Llama, hidden ${config.hiddenSize}, ${config.numLayers} layer${config.numLayers === 1 ? "" : "s"}, byte-level tokenizer`,
      "SFT steps (M; M′, M″)": `${config.sftSteps}; ${config.otherModelSftSteps.join(", ")}`,
      "preference prompts": config.preferencePrompts,
      "evaluation prompts": config.evalPrompts,
      "held-out pairs per dataset (Figure 4)": config.heldOutPairs,
      alignment: `RMSProp, lr ${config.alignLr.toExponential().replace("e-", "e−")} decaying linearly to 0, β ${config.beta}, ${config.pairsPerStep} pairs a step, ${config.epochs} epochs, a checkpoint after each`,
      seed: config.seed,
    },
    evalPrompts: evalSet.length,
    accuracyBefore,
    seBefore,
    otherModels,
    datasets,
    cells,
    ...(checkpointEval === undefined ? {} : { checkpointEval }),
    epochEvalReport: relative(outDir, epochEvalReport),
    seconds: (performance.now() - started) / 1000,
  };
  await writeFile(join(outDir, FIGURE_FILES.figure3), figure3Svg());
  await writeFile(join(outDir, FIGURE_FILES.figure4), figure4Svg(results));
  await writeFile(join(outDir, FIGURE_FILES.accuracy), accuracySvg(results));
  const report = join(outDir, "report.md");
  await writeFile(report, reportMarkdown(results));
  await writeFile(join(outDir, "results.json"), `${JSON.stringify(serialisable(results), null, 2)}\n`);
  return report;
}

/** The shape of results.json (what {@link serialisable} writes). */
export type DemoResultsJson = ReturnType<typeof serialisable>;

/** results.json: the report's numbers, without the per-prompt outcomes and the datasets' pairs. */
function serialisable(r: DemoResults) {
  return {
    ...r,
    datasets: r.datasets.map(({ dataset, ...rest }) => ({
      name: dataset.name,
      pairs: dataset.pairs.length,
      rejectedRows: dataset.rejectedRows,
      rejectedByReason: dataset.rejectedByReason,
      ...rest,
    })),
    cells: r.cells.map(({ change, finalRewards: _, ...rest }) => {
      const { perPrompt: _p, ...table2 } = change;
      return { ...rest, ...table2 };
    }),
  };
}
