import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LOSSES } from "@apo/losses";
import { getLoss, type LossDefinition } from "@apo/losses/define";
import { describe, expect, it, vi } from "vitest";
import { runTrlExportCase, TRL_EXPORT_CASES, trlExportFiles } from "../../oracle/trl-export-cases.js";
import { ExportTrlError } from "./export-trl-error.js";
import {
  TRL_DPO_LOSS_TYPES,
  TRL_KTO_LOSS_TYPES,
  type TrlTrainingSettings,
  trlConfig,
  trlLossType,
} from "./trl-config.js";
import { parseTrlYaml } from "./trl-yaml.js";

/**
 * Recorded by `oracle/trl_config_keys.py` from TRL 1.13 itself: the keys `trl dpo|kto --config` accept, the
 * loss types, and what TRL's parser (and a one-step `trl` run) made of each export under
 * `test/fixtures/trl-export/`. When the exporter's output changes, these tests fail until the fixtures are
 * written again and TRL has checked them (see oracle/README.md).
 */
interface TrlKeysFixture {
  versions: { trl: string };
  keys: { dpo: string[]; kto: string[] };
  loss_types: { dpo: string[]; kto: string[] };
  exports: Record<
    string,
    {
      command: string;
      sha256: string;
      unknown: string[];
      strict_parse: boolean;
      mismatched: string[];
      mixed_precision: string;
      bf16: boolean;
      trained_steps: number;
      loss_finite: boolean;
      evaluated: boolean;
    }
  >;
  control: { unknown: string[] };
}

const fixtures = new URL("../../test/fixtures/", import.meta.url);
const recorded = JSON.parse(
  await readFile(new URL("trl-1.13-config-keys.json", fixtures), "utf8"),
) as TrlKeysFixture;
const REGENERATE =
  "run `npx tsx --conditions=@apo-clair/source oracle/trl-export-fixtures.ts` and " +
  "`python oracle/trl_config_keys.py` in packages/trainer (see oracle/README.md)";

/** Loss parameters set away from their defaults, by our names (each loss takes the ones it has). */
const PARAM_VALUES: Record<string, number> = {
  beta: 0.2,
  labelSmoothing: 0.01,
  cdpoLabelSmoothing: 0.05,
  tau: 0.1,
  desirableWeight: 1.2,
  undesirableWeight: 0.8,
};

function settings(losses: LossDefinition[], over: Partial<TrlTrainingSettings>): TrlTrainingSettings {
  return {
    model: "org/model",
    datasetDir: "data",
    outputDir: "output",
    losses,
    lossParams: {},
    lr: 1e-6,
    warmupSteps: 1,
    epochs: 1,
    batchSize: 8,
    perDeviceBatchSize: 2,
    gpus: 2,
    maxGradNorm: 1,
    maxLength: 512,
    truncationMode: "keep_start",
    seed: 1,
    hasEval: false,
    ...over,
  };
}

/** Every config the exporter can write: each loss alone and each pair, with every option that adds keys. */
function everyConfig(): { trainer: "dpo" | "kto"; keys: string[]; lossTypes: string[] }[] {
  const exportable = Object.keys(LOSSES).filter((name) => {
    const type = trlLossType(getLoss(name).name);
    return [...TRL_DPO_LOSS_TYPES, ...TRL_KTO_LOSS_TYPES].some((t) => t === type);
  });
  const paired = exportable.filter((n) => getLoss(n).kind === "paired");
  const combos = [
    ...exportable.map((n) => [n]),
    ...paired.flatMap((a) => paired.filter((b) => b > a).map((b) => [a, b])),
  ];
  const out: { trainer: "dpo" | "kto"; keys: string[]; lossTypes: string[] }[] = [];
  for (const names of combos) {
    const losses = names.map((n) => getLoss(n));
    const own = new Set(losses.flatMap((l) => Object.keys(l.defaults)));
    const lossParams = Object.fromEntries(Object.entries(PARAM_VALUES).filter(([k]) => own.has(k)));
    const unpaired = losses[0]?.kind === "unpaired";
    for (const hasEval of [false, true]) {
      for (const truncationMode of unpaired
        ? (["keep_start"] as const)
        : (["keep_start", "keep_end"] as const)) {
        for (const lossWeights of unpaired ? [undefined] : [undefined, names.map(() => 0.5)]) {
          for (const params of [{}, lossParams]) {
            const s = settings(losses, { hasEval, truncationMode, lossWeights, lossParams: params });
            let result: ReturnType<typeof trlConfig>;
            try {
              result = trlConfig(s);
            } catch (error) {
              // Losses whose default ε differ (exo_pair + robust) need one given: the next variant does.
              if (params === lossParams || !(error instanceof ExportTrlError)) throw error;
              expect(error.field).toBe("lossParams.labelSmoothing");
              continue;
            }
            const { trainer, config } = result;
            const types = config.loss_type;
            out.push({
              trainer,
              keys: Object.keys(config),
              lossTypes: Array.isArray(types) ? types.map(String) : [String(types)],
            });
          }
        }
      }
    }
  }
  return out;
}

describe(`the TRL ${recorded.versions.trl} export fixtures`, () => {
  it("name the loss types TRL has, and every one is a loss of ours", () => {
    expect([...TRL_DPO_LOSS_TYPES].sort()).toEqual([...recorded.loss_types.dpo].sort());
    expect([...TRL_KTO_LOSS_TYPES].sort()).toEqual([...recorded.loss_types.kto].sort());
    const ours = new Set(Object.keys(LOSSES).map((n) => trlLossType(getLoss(n).name)));
    for (const type of [...recorded.loss_types.dpo, ...recorded.loss_types.kto]) expect(ours).toContain(type);
  });

  it("every key the exporter can write, for every loss and option combination, is one TRL accepts", () => {
    const configs = everyConfig();
    expect(configs.length).toBeGreaterThan(500);
    const seen = { dpo: new Set<string>(), kto: new Set<string>() };
    for (const { trainer, keys, lossTypes } of configs) {
      for (const key of keys) seen[trainer].add(key);
      for (const type of lossTypes) expect(recorded.loss_types[trainer]).toContain(type);
    }
    for (const trainer of ["dpo", "kto"] as const) {
      const unknown = [...seen[trainer]].filter((k) => !recorded.keys[trainer].includes(k));
      expect(unknown, `keys trl ${trainer} would reject`).toEqual([]);
    }
    // The recorded sets are TRL 1.13's: the keys of earlier releases are not in them.
    for (const gone of ["max_prompt_length", "max_completion_length", "rpo_alpha", "warmup_ratio"]) {
      expect(recorded.keys.dpo).not.toContain(gone);
    }
    expect(recorded.keys.kto).not.toContain("truncation_mode");
    expect(recorded.control.unknown).toEqual(["max_prompt_length", "rpo_alpha"]);
  });

  it("cover exactly the cases of oracle/trl-export-cases.ts", async () => {
    const folders = (await readdir(new URL("trl-export/", fixtures))).sort();
    const names = TRL_EXPORT_CASES.map((c) => c.name).sort();
    expect(folders, REGENERATE).toEqual(names);
    expect(Object.keys(recorded.exports).sort(), REGENERATE).toEqual(names);
  });

  it.each(TRL_EXPORT_CASES.map((c) => [c.name, c] as const))(
    "%s: the exporter writes the committed files, which TRL parsed with no unknown key and trained on",
    async (name, c) => {
      const dir = await mkdtemp(join(tmpdir(), `trl-fixture-${name}-`));
      // A deprecated loss name warns once per process: checked here rather than printed.
      const warnings: string[] = [];
      const warn = vi.spyOn(process, "emitWarning").mockImplementation((w) => void warnings.push(String(w)));
      const result = await runTrlExportCase(c, dir).finally(() => warn.mockRestore());
      expect(warnings).toEqual(
        c.options.loss === "aot_pair" ? [expect.stringMatching(/loss "aot_pair" is deprecated/)] : [],
      );
      const out = dirname(result.configFile);
      for (const file of trlExportFiles(c)) {
        const committed = await readFile(new URL(`trl-export/${name}/${file}`, fixtures), "utf8");
        expect(await readFile(join(out, file), "utf8"), `${name}/${file}: ${REGENERATE}`).toBe(committed);
      }
      const yaml = await readFile(result.configFile, "utf8");
      const check = recorded.exports[name];
      expect(createHash("sha256").update(yaml).digest("hex"), `${name}: ${REGENERATE}`).toBe(check?.sha256);
      expect(check).toMatchObject({
        command: `trl ${result.trainer}`,
        unknown: [],
        strict_parse: true,
        mismatched: [],
        mixed_precision: "no",
        bf16: false,
        trained_steps: 1,
        loss_finite: true,
        evaluated: c.evalRows !== undefined,
      });
      const keys = Object.keys(parseTrlYaml(yaml));
      expect(keys.filter((k) => !recorded.keys[result.trainer].includes(k))).toEqual([]);
    },
  );
});
