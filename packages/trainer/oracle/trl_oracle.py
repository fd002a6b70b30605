"""The reference side of the TRL oracle: TRL 1.13's DPOTrainer and KTOTrainer, really training, on the CPU.

For every case of CASES_DIR/cases.json (written by write-trl-cases.ts with the tiny checkpoints under
CASES_DIR/models and the rows under CASES_DIR/data) it trains twice, with the model and a separate
reference model loaded by AutoModelForCausalLM:

* float64, with transformers_oracle.py's patches (RoPE angles, RMSNorm and the attention softmax in float64,
  which transformers otherwise computes in float32), so the reference is float64 throughout;
* float32, stock transformers: TRL's own float32 run, the yardstick for our float32 run.

Each run uses DPOConfig/KTOConfig with `bf16=False, use_cpu=True`, the case's batch sizes, epochs, learning
rate, `optim` (rmsprop or sgd, with `optim_args` for the options), `lr_scheduler_type="linear"`,
`max_grad_norm`, `seed`, `max_length`, `logging_steps=1` and `dataloader_drop_last=False`, and records:

* the token ids of every training row as TRL's collator hands them to the model (prompt, chosen, rejected;
  KTO: prompt, completion, the KL completion and the label), in TRL's dataset order;
* each row's reference log-prob sums (the precomputed columns when `precompute_ref_log_probs`, else
  `compute_ref_log_probs` of the reference model on that row alone);
* every logged step (a TrainerCallback): loss, grad_norm, learning_rate, rewards/chosen, rewards/rejected,
  logps/chosen, logps/rejected, kl;
* the final weights: per checkpoint tensor, the largest update |final - initial| and its L2 norm, and the
  final values at 32 indices (the float64 run's largest update, then evenly spaced).

and writes them, with the versions and the model files' SHA-256, to FIXTURE (JSON).

Usage: python3 trl_oracle.py CASES_DIR FIXTURE
"""

import hashlib
import json
import os
import platform
import sys
import tempfile
import time

os.environ.setdefault("TQDM_DISABLE", "1")  # TRL's reference precompute bar

import accelerate  # noqa: E402
import datasets  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
import trl  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback, TrainerCallback  # noqa: E402
from trl import DPOConfig, DPOTrainer, KTOConfig, KTOTrainer  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformers_oracle import exact_float64, float64_softmax, parameter, tensor_names  # noqa: E402

SAMPLES = 32
STEP_KEYS = ("loss", "grad_norm", "learning_rate", "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected", "kl")


class Capture(TrainerCallback):
    """Every training log (logging_steps=1: one per optimizer step), with its step."""

    def __init__(self):
        self.steps = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "grad_norm" in logs:
            self.steps.append({"step": state.global_step, **{k: logs.get(k) for k in STEP_KEYS}})


def load(folder, dtype):
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, attn_implementation="eager")
    if dtype == torch.float64:
        exact_float64(model)
    return model


def config_of(case, out, dtype):
    optim_args = ",".join(f"{k}={v}" for k, v in case["optimizerConfig"].items()) or None
    common = dict(
        output_dir=out,
        bf16=False,
        use_cpu=True,
        per_device_train_batch_size=case["microBatchSize"],
        gradient_accumulation_steps=case["batchSize"] // case["microBatchSize"],
        num_train_epochs=case["epochs"],
        learning_rate=case["lr"],
        optim=case["optimizer"],
        optim_args=optim_args,
        lr_scheduler_type="linear",
        max_grad_norm=case["maxGradNorm"],
        seed=case["seed"],
        logging_steps=1,
        max_length=case["maxLength"],
        dataloader_drop_last=False,
        report_to="none",
        precompute_ref_log_probs=case["precompute"],
        beta=case["beta"],
        save_strategy="no",
        disable_tqdm=True,
        gradient_checkpointing=False,
    )
    if case["trainer"] == "kto":
        extra = {"train_sampling_strategy": case["sampling"]} if "sampling" in case else {}
        return KTOConfig(loss_type=case["loss"], **common, **extra)
    losses = case["loss"] if isinstance(case["loss"], list) else [case["loss"]]
    weights = {"loss_weights": case["lossWeights"]} if "lossWeights" in case else {}
    return DPOConfig(loss_type=losses, **common, **weights)


def split(ids, completion_mask, attention_mask):
    """A collated sequence's prompt and completion token ids (padding dropped)."""
    prompt = [t for t, c, a in zip(ids, completion_mask, attention_mask) if a and not c]
    completion = [t for t, c, a in zip(ids, completion_mask, attention_mask) if a and c]
    return prompt, completion


def row_records(trainer, kto):
    """Per training row (TRL's dataset order): token ids as collated, and the reference log-probs."""
    dataset = trainer._remove_unused_columns(trainer.train_dataset, description="training")
    tokens, reference = [], {"chosen": [], "rejected": []} if not kto else {"completion": [], "kl": []}
    for row in dataset:
        batch = trainer.data_collator([row])
        lists = {k: v.tolist() for k, v in batch.items() if isinstance(v, torch.Tensor)}
        if kto:
            prompt, completion = split(lists["input_ids"][0], lists["completion_mask"][0], lists["attention_mask"][0])
            record = {"prompt": prompt, "completion": completion, "label": bool(lists["label"][0])}
            if "KL_input_ids" in lists:
                kl_prompt, kl = split(lists["KL_input_ids"][0], lists["KL_completion_mask"][0], lists["KL_attention_mask"][0])
                assert kl_prompt == prompt, (kl_prompt, prompt)
                record["kl_completion"] = kl
            tokens.append(record)
            if "ref_logps" in row:
                ref, ref_kl = row["ref_logps"], row.get("ref_KL_logps")
            else:
                ref_t, ref_kl_t = trainer.compute_ref_log_probs(trainer.ref_model, batch)
                ref, ref_kl = ref_t.item(), (ref_kl_t.item() if ref_kl_t is not None else None)
            reference["completion"].append(ref)
            reference["kl"].append(ref_kl)
        else:
            prompt, chosen = split(lists["input_ids"][0], lists["completion_mask"][0], lists["attention_mask"][0])
            prompt_r, rejected = split(lists["input_ids"][1], lists["completion_mask"][1], lists["attention_mask"][1])
            assert prompt_r == prompt, (prompt_r, prompt)
            tokens.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})
            if "ref_chosen_logps" in row:
                c, r = row["ref_chosen_logps"], row["ref_rejected_logps"]
            else:
                c_t, r_t = trainer.compute_ref_log_probs(trainer.ref_model, batch)
                c, r = c_t.item(), r_t.item()
            reference["chosen"].append(c)
            reference["rejected"].append(r)
    return tokens, reference


def sample_indices(update):
    """The largest update's index, then SAMPLES - 1 evenly spaced ones."""
    flat = update.reshape(-1).abs()
    n = flat.numel()
    picked = [int(flat.argmax())] + [round(k * (n - 1) / (SAMPLES - 2)) for k in range(SAMPLES - 1)]
    return sorted(set(picked))


def weight_records(folder, initial, params, indices):
    out = {}
    for name in tensor_names(os.path.join(folder, "model.safetensors")):
        final = parameter(params, name).detach().to(torch.float64)
        update = final - parameter(initial, name).to(torch.float64)
        idx = indices.get(name) or sample_indices(update)
        indices[name] = idx
        flat = final.reshape(-1)
        out[name] = {
            "shape": list(final.shape),
            "update_max": update.abs().max().item(),
            "update_norm": update.norm().item(),
            "indices": idx,
            "values": [flat[i].item() for i in idx],
        }
    return out


def run(root, case, dtype, indices):
    folder = os.path.join(root, "models", case["model"])
    torch_dtype = torch.float64 if dtype == "float64" else torch.float32
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model, ref_model = load(folder, torch_dtype), load(folder, torch_dtype)
    initial = {n: p.detach().clone() for n, p in model.named_parameters()}
    rows = [json.loads(line) for line in open(os.path.join(root, "data", f"{case['data']}.jsonl"))]
    kto = case["trainer"] == "kto"
    capture = Capture()
    # Tensors TRL and the Trainer make from Python numbers (the collator's precomputed reference log-probs,
    # the loss accumulator) take the default dtype: float32 would round a float64 run's values.
    torch.set_default_dtype(torch_dtype)
    with tempfile.TemporaryDirectory() as out, float64_softmax():
        Trainer = KTOTrainer if kto else DPOTrainer
        trainer = Trainer(
            model=model,
            ref_model=ref_model,
            args=config_of(case, out, dtype),
            train_dataset=datasets.Dataset.from_list(rows),
            processing_class=tokenizer,
            callbacks=[capture],
        )
        trainer.remove_callback(PrinterCallback)
        tokens, reference = row_records(trainer, kto)
        trainer.train()
    params = dict(trainer.model.named_parameters())
    return tokens, {
        "reference": reference,
        "steps": capture.steps,
        "weights": weight_records(folder, initial, params, indices),
    }


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    root, fixture = sys.argv[1], sys.argv[2]
    torch.use_deterministic_algorithms(True)
    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    cases = json.load(open(os.path.join(root, "cases.json")))
    only = set(sys.argv[3:])
    env = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "trl": trl.__version__,
        "accelerate": accelerate.__version__,
        "datasets": datasets.__version__,
        "device": "cpu",
    }
    print(json.dumps(env))
    models = {}
    for name in sorted(os.listdir(os.path.join(root, "models"))):
        folder = os.path.join(root, "models", name)
        models[name] = {f: sha256(os.path.join(folder, f)) for f in sorted(os.listdir(folder))}
    result = {"reference": env, "models": models, "cases": {}}
    for case in cases:
        if only and case["name"] not in only:
            continue
        start = time.time()
        indices = {}
        tokens, f64 = run(root, case, "float64", indices)
        tokens32, f32 = run(root, case, "float32", indices)
        assert tokens32 == tokens, f"{case['name']}: float32 rows tokenised differently"
        result["cases"][case["name"]] = {"rows": tokens, "float64": f64, "float32": f32}
        losses = [round(s["loss"], 6) for s in f64["steps"]]
        print(f"{case['name']}: {len(tokens)} rows, {len(f64['steps'])} steps, losses {losses} ({time.time() - start:.1f}s)")
    with open(fixture, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {fixture} ({os.path.getsize(fixture) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
