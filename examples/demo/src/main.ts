/**
 * The main job. For now: a tour of what exists — the losses' Figure 3 and gradient table. It grows into the
 * end-to-end demo (CLAIR data → contrastiveness → APO training → before/after accuracy).
 */
import { resolve } from "node:path";
import { runLossesExample } from "@apo-clair/example-losses-basic/main";

const out = resolve(process.argv[2] ?? "demo-output");
console.log("apo-clair demo\n==============\n");
console.log("1. @apo/losses: how DPO, APO-zero and APO-down move the two likelihoods\n");
runLossesExample(out);
console.log(`\nDone. Outputs are in ${out}`);
