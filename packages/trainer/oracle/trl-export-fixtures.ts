/**
 * Write the exports of `trl-export-cases.ts` to `test/fixtures/trl-export/<case>/` (the config and the
 * data; the folder is replaced), for `trl_config_keys.py` to check with TRL's own parser:
 *
 *   npx tsx --conditions=@apo-clair/source oracle/trl-export-fixtures.ts [fixtures-dir]
 */
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runTrlExportCase, TRL_EXPORT_CASES, trlExportFiles } from "./trl-export-cases.js";

const root = resolve(
  process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "trl-export"),
);
const work = await mkdtemp(join(tmpdir(), "trl-export-fixtures-"));
await rm(root, { recursive: true, force: true });
for (const c of TRL_EXPORT_CASES) {
  const result = await runTrlExportCase(c, join(work, c.name));
  for (const file of trlExportFiles(c)) {
    const to = join(root, c.name, file);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(join(dirname(result.configFile), file), to);
  }
  console.log(
    `${c.name}: trl ${result.trainer}, ${result.rows.train} rows, ${result.warnings.length} warnings`,
  );
}
await rm(work, { recursive: true, force: true });
console.log(`wrote ${TRL_EXPORT_CASES.length} exports to ${root}`);
