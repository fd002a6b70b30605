"""The PEFT side of the LoRA oracle: PEFT 0.21 on transformers, CPU, float64 throughout.

For every case folder written by write-peft-cases.ts (base/ checkpoint, ours/ adapter, case.json) it records

  (a) PeftModel.from_pretrained(base, ours/): the per-row completion log-probs with OUR adapter loaded by
      PEFT (which also proves PEFT loads the folders we write);
  (b) d L / d tensor for each of our adapter's A and B, with L = sum_b c_b * logp_b;
  (c) PEFT's own adapter: get_peft_model with the case's LoraConfig after torch.manual_seed(seed) (A by
      PEFT's kaiming_uniform(a=sqrt(5)), whose max |A| * sqrt(in) is kept), then every B drawn N(0, 0.1^2)
      so the merge is not trivial, saved by save_pretrained (its adapter_config.json and, base64, its
      adapter_model.safetensors go into the fixture); then merge_and_unload: the merged weight of every
      wrapped layer and the merged model's per-row log-probs.

The base model is loaded as transformers_oracle.py loads it (eager attention, float64, RoPE, RMSNorm and
softmax made float64). Writes one JSON fixture.

Usage: python3 peft_oracle.py CASES_DIR OUT_FIXTURE.json
"""

import base64
import json
import os
import platform
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformers_oracle import exact_float64, float64_softmax, load, sequence_logps  # noqa: E402

import peft  # noqa: E402
import transformers  # noqa: E402
from peft import LoraConfig, PeftModel, get_peft_model  # noqa: E402

ADAPTER = "default"


def flat(t):
    return t.detach().to("cpu", torch.float64).reshape(-1).tolist()


def saved_name(param_name):
    """PEFT's in-memory parameter name -> the name save_pretrained writes (the adapter name dropped)."""
    return param_name.replace(f".{ADAPTER}.", ".")


def base_model(folder):
    model = load(os.path.join(folder, "base"), "cpu")
    exact_float64(model)
    return model


def with_our_adapter(folder, spec):
    model = PeftModel.from_pretrained(base_model(folder), os.path.join(folder, "ours"), is_trainable=True)
    model.eval()  # dropout is 0 anyway; no other train-mode behaviour in these models
    names = [n for n, p in model.named_parameters() if "lora_" in n]
    for n in names:
        p = model.get_parameter(n)
        if p.dtype != torch.float64:
            raise ValueError(f"{n} loaded as {p.dtype}, not float64")
    with float64_softmax():
        logps = sequence_logps(model, spec["rows"], "cpu")
        loss = sum(c * lp for c, lp in zip(spec["coefficients"], logps))
        loss.backward()
    grads = {}
    for n in names:
        p = model.get_parameter(n)
        grads[saved_name(n)] = {"shape": list(p.shape), "values": flat(p.grad)}
    return {
        "logp": [v.item() for v in logps],
        "tokens": [len(r["completion_ids"]) for r in spec["rows"]],
        "grads": grads,
    }


def peft_own(folder, spec):
    c = spec["peft"]
    model = base_model(folder)
    torch.manual_seed(c["seed"])
    config = LoraConfig(
        r=c["r"],
        lora_alpha=c["lora_alpha"],
        target_modules=c["target_modules"],
        use_rslora=c["use_rslora"],
        lora_dropout=0.0,
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)
    bounds = {}
    generator = torch.Generator().manual_seed(c["seed"] + 1)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if ".lora_A." in n:
                bounds[saved_name(n)] = p.abs().max().item() * (p.shape[1] ** 0.5)
            if ".lora_B." in n:
                if p.abs().max().item() != 0:
                    raise ValueError(f"PEFT's init left {n} nonzero")
                p.copy_(0.1 * torch.randn(p.shape, generator=generator, dtype=torch.float64))
    with tempfile.TemporaryDirectory() as out:
        model.save_pretrained(out)
        adapter_config = json.load(open(os.path.join(out, "adapter_config.json")))
        weights = base64.b64encode(open(os.path.join(out, "adapter_model.safetensors"), "rb").read()).decode()
    wrapped = sorted({n.split(".lora_A.")[0] for n, _ in model.named_parameters() if ".lora_A." in n})
    merged_model = model.merge_and_unload()
    params = dict(merged_model.named_parameters())
    merged = {}
    for module in wrapped:
        name = module.removeprefix("base_model.model.") + ".weight"
        merged[name] = {"shape": list(params[name].shape), "values": flat(params[name])}
    with torch.no_grad(), float64_softmax():
        merged_logp = [v.item() for v in sequence_logps(merged_model, spec["rows"], "cpu")]
    return {
        "adapterConfig": adapter_config,
        "adapterWeights": weights,
        "initBound": bounds,
        "merged": merged,
        "mergedLogp": merged_logp,
    }


def main():
    cases_dir, out = sys.argv[1], sys.argv[2]
    torch.set_default_dtype(torch.float64)
    fixture = {
        "reference": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "peft": peft.__version__,
            "device": "cpu",
            "dtype": "float64",
        },
        "cases": {},
    }
    for name in sorted(os.listdir(cases_dir)):
        folder = os.path.join(cases_dir, name)
        if not os.path.isfile(os.path.join(folder, "case.json")):
            continue
        spec = json.load(open(os.path.join(folder, "case.json")))
        fixture["cases"][name] = {"ours": with_our_adapter(folder, spec), "peft": peft_own(folder, spec)}
        print(f"{name}: logp {fixture['cases'][name]['ours']['logp']}", file=sys.stderr)
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
