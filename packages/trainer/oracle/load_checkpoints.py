"""Does Hugging Face transformers load every checkpoint folder our code writes?

For every folder under CASES_DIR written by write-checkpoints.ts (tiny Llama and GPT-2 saved by
savePretrainedModel as F32, F64, F16 and BF16, single-file and sharded) it records, in OUT_JSON:

    loaded           AutoModelForCausalLM.from_pretrained(folder) with transformers' defaults succeeded,
                     with no missing, unexpected or mismatched keys (those are listed when not)
    dtype            the dtype transformers chose for it (dtype="auto" reads config.json's torch_dtype)
    logits_sum       sum (and sum of absolute values) of the logits for the input ids in
    logits_abs_sum   CASES_DIR/input.json, computed in that dtype and summed in float64
    float64          the same sums with the model loaded as float64 (eager attention): the stored weights
                     widened exactly, so our float64 forward must agree to rounding
    files            SHA-256 of each weight file, so a test can check it regenerated the same folders

Usage: python3 load_checkpoints.py CASES_DIR OUT_JSON
(runs on a CPU; CI has no Python, so the result is checked in as test/fixtures/transformers-load.json)
"""

import hashlib
import json
import os
import platform
import re
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM


def digests(folder):
    names = sorted(n for n in os.listdir(folder) if n.endswith((".safetensors", ".index.json")))
    return {n: hashlib.sha256(open(os.path.join(folder, n), "rb").read()).hexdigest() for n in names}


def from_pretrained(folder, dtype, **kwargs):
    try:
        return AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, output_loading_info=True, **kwargs)
    except TypeError:  # transformers < 4.56 names it torch_dtype
        return AutoModelForCausalLM.from_pretrained(
            folder, torch_dtype=dtype, output_loading_info=True, **kwargs
        )


def logits_sums(model, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits.double()
    return float(logits.sum()), float(logits.abs().sum())


def run_case(folder, ids):
    record = {"files": digests(folder)}
    try:
        # transformers' defaults, as a user would load it: dtype "auto" (config.json's torch_dtype) in v5.
        model, info = AutoModelForCausalLM.from_pretrained(folder, output_loading_info=True)
        keys = ("missing_keys", "unexpected_keys", "mismatched_keys")
        problems = {k: sorted(map(str, info.get(k) or [])) for k in keys}
        record["loaded"] = not any(problems.values())
        record.update({k: v for k, v in problems.items() if v})
        record["dtype"] = str(model.eval().dtype).removeprefix("torch.")
        record["logits_sum"], record["logits_abs_sum"] = logits_sums(model, ids)
        model64, _ = from_pretrained(folder, torch.float64, attn_implementation="eager")
        s, a = logits_sums(model64.eval(), ids)
        record["float64"] = {"logits_sum": s, "logits_abs_sum": a}
    except Exception as e:  # one folder that fails to load must not hide the others
        record["loaded"] = False
        record["error"] = f"{type(e).__name__}: {e}"
    return record


def main():
    cases, out = sys.argv[1], sys.argv[2]
    transformers.utils.logging.disable_progress_bar()
    ids = json.load(open(os.path.join(cases, "input.json")))["input_ids"]
    fixture = {
        "reference": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "device": "cpu",
        },
        "input_ids": ids,
        "cases": {},
    }
    for name in sorted(os.listdir(cases)):
        folder = os.path.join(cases, name)
        if not os.path.isfile(os.path.join(folder, "config.json")):
            continue
        r = run_case(folder, ids)
        fixture["cases"][name] = r
        if r["loaded"]:
            f64 = r["float64"]["logits_sum"]
            print(f"{name}: loaded as {r['dtype']}, logits sum {r['logits_sum']:.9g} (float64 {f64:.12g})")
        else:
            why = r.get("error") or {k: v for k, v in r.items() if k.endswith("_keys")}
            print(f"{name}: NOT LOADED {why}")
    # Lists of scalars on one line, as the repository's JSON formatter (biome) writes them.
    def one_line(m):
        return "[" + ", ".join(item.strip() for item in m.group(1).split(",")) + "]"

    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", one_line, json.dumps(fixture, indent=2))
    with open(out, "w") as f:
        f.write(text + "\n")
    sys.exit(0 if all(r["loaded"] for r in fixture["cases"].values()) else 1)


if __name__ == "__main__":
    main()
