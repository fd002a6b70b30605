"""Record the config keys TRL's `trl dpo` / `trl kto` accept, and check our exports with TRL's own parser.

Run by hand where TRL is installed (CI has no Python), after `oracle/trl-export-fixtures.ts`:

    python oracle/trl_config_keys.py [--no-train]

from packages/trainer. It writes test/fixtures/trl-1.13-config-keys.json with:

* `keys.dpo`, `keys.kto`: every key a `--config` YAML may hold for that command: the `dest` of every option of
  the parser `trl dpo|kto` builds (`trl.scripts.<cmd>.make_parser()`: ScriptArguments, DPOConfig/KTOConfig over
  TrainingArguments, ModelConfig, DatasetMixtureConfig) plus `env`, which TrlParser consumes itself;
* `loss_types.dpo`, `loss_types.kto`: the loss types DPOTrainer computes (from its "Unknown loss type" message)
  and KTOConfig's `loss_type` choices;
* `exports.<case>`: for each folder of test/fixtures/trl-export, the sha256 of its trl-config.yaml and what
  TRL made of it:
  - `unknown`: the keys `trl <cmd>` would hand to `accelerate launch` (its own parse, with
    `return_remaining_strings=True, separate_remaining_strings=True`; any key here aborts the CLI);
  - `strict_parse`: `TrlParser.parse_args_and_config(fail_with_unknown_args=True)` succeeded;
  - `mismatched`: YAML keys whose parsed dataclass value differs from the YAML value (an ignored key);
  - `mixed_precision`: TrainingArguments.mixed_precision with ACCELERATE_MIXED_PRECISION=bf16 in the
    environment (as `accelerate config` with bf16 leaves it): "no" means the run trains in float32;
  - unless --no-train, a real `trl <cmd> --config trl-config.yaml` run started in a copy of the folder, on a
    tiny random Llama on the CPU (`--max_steps 1`, evaluating after it where there is held-out data):
    `trained_steps` (1), `loss_finite`, `evaluated`; for a LoRA export (`use_peft`), `peft_adapter`: what
    PEFT saved in checkpoint-1 (r, lora_alpha, lora_dropout, use_rslora, target_modules, and the modules it
    wrapped, which shows the lora_target_modules export matched the intended layers).
"""

import argparse
import hashlib
import inspect
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "test" / "fixtures"


def command_keys(cmd):
    module = __import__(f"trl.scripts.{cmd}", fromlist=["make_parser"])
    parser = module.make_parser()
    return parser, sorted({a.dest for a in parser._actions if a.dest != "help"} | {"env"})


def loss_types():
    from trl import DPOTrainer, KTOConfig

    source = inspect.getsource(DPOTrainer)
    message = re.search(r"Unknown loss type: \{loss_type\}\. Should be one of \[(.*?)\]", source, re.S)
    dpo = re.findall(r"'([a-z_]+)'", message.group(1))
    kto = KTOConfig.__dataclass_fields__["loss_type"].metadata["choices"]
    return {"dpo": dpo, "kto": list(kto)}


def command_of(config, kto_types):
    loss = config.get("loss_type")
    first = loss[0] if isinstance(loss, list) else loss
    return "kto" if first in kto_types else "dpo"


def same(parsed, value, key):
    if key == "report_to" and value == "none":
        return parsed in ([], ["none"], "none")  # TrainingArguments turns "none" into no integration
    if key == "loss_type" and isinstance(parsed, list) and isinstance(value, str):
        return parsed == [value]  # DPOConfig wraps a single name into a list
    if key == "lora_target_modules" and isinstance(parsed, str) and isinstance(value, list):
        return [parsed] == value  # ModelConfig unwraps a one-element list into a string (a regex for PEFT)
    if isinstance(value, float) or isinstance(parsed, float):
        return isinstance(parsed, (int, float)) and float(parsed) == float(value)
    if isinstance(value, list):
        return list(parsed) == value
    if hasattr(parsed, "value"):  # enums (lr_scheduler_type, optim, save_strategy, …)
        return parsed.value == value
    return parsed == value


def check_parse(cmd, path):
    import yaml

    config = yaml.safe_load(path.read_text())
    parser, _ = command_keys(cmd)
    # What `trl <cmd>` does before launching: keys it cannot place become accelerate launch arguments.
    *_, config_remaining, cli_remaining = parser.parse_args_and_config(
        ["--config", str(path)], return_remaining_strings=True, separate_remaining_strings=True
    )
    unknown = [s[2:] for s in config_remaining + cli_remaining if s.startswith("--")]
    os.environ["ACCELERATE_MIXED_PRECISION"] = "bf16"
    parser, _ = command_keys(cmd)
    outputs = parser.parse_args_and_config(["--config", str(path)], fail_with_unknown_args=True)
    mixed_precision = os.environ.get("ACCELERATE_MIXED_PRECISION")
    training_args = outputs[1]
    mismatched = []
    for key, value in config.items():
        if key == "env":
            continue
        holder = next((o for o in outputs if hasattr(o, key)), None)
        if holder is None or not same(getattr(holder, key), value, key):
            mismatched.append(key)
    return {
        "unknown": unknown,
        "strict_parse": True,
        "mismatched": mismatched,
        "env_after_parse": mixed_precision,
        "mixed_precision": training_args.mixed_precision,
        "bf16": training_args.bf16,
    }


def tiny_model(folder):
    """A word-level tokenizer with a chat template and a 1-layer Llama, saved as a Hugging Face folder."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = ["<pad>", "<s>", "</s>", "<unk>"] + [f"w{i}" for i in range(40)]
    words += ["hello", "world", "good", "bad", "user", "assistant"]
    tok = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    tokenizer.chat_template = (
        "{% for m in messages %}<s> {{ m['role'] }} {{ m['content'] }} </s> {% endfor %}"
        "{% if add_generation_prompt %}<s> assistant {% endif %}"
    )
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=256, pad_token_id=0, bos_token_id=1, eos_token_id=2,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def train_once(cmd, case_dir, model, work, has_eval):
    """`trl <cmd> --config trl-config.yaml` in a copy of the export folder: one optimizer step on the CPU."""
    run = work / case_dir.name
    shutil.copytree(case_dir, run)
    trl = Path(sys.executable).parent / "trl"
    args = [str(trl), cmd, "--config", "trl-config.yaml", "--model_name_or_path", str(model),
            "--max_steps", "1", "--use_cpu", "true", "--save_strategy", "steps", "--save_steps", "1",
            "--logging_steps", "1", "--dataloader_num_workers", "0"]
    if has_eval:
        args += ["--eval_strategy", "steps", "--eval_steps", "1"]
    env = {**os.environ, "ACCELERATE_MIXED_PRECISION": "no", "TOKENIZERS_PARALLELISM": "false",
           "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(args, cwd=run, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-8000:])
        raise SystemExit(f"{case_dir.name}: trl {cmd} exited with {done.returncode}")
    state = json.loads((run / "output" / "checkpoint-1" / "trainer_state.json").read_text())
    losses = [e["loss"] for e in state["log_history"] if "loss" in e]
    evals = [e["eval_loss"] for e in state["log_history"] if "eval_loss" in e]
    result = {"trained_steps": state["global_step"], "loss_finite": all(map(math.isfinite, losses)) and losses != [],
              "evaluated": evals != []}
    adapter = run / "output" / "checkpoint-1" / "adapter_config.json"
    if adapter.exists():  # a LoRA export: what PEFT made of the lora_* fields
        config = json.loads(adapter.read_text())
        with open(adapter.parent / "adapter_model.safetensors", "rb") as f:
            (size,) = struct.unpack("<Q", f.read(8))
            names = [n for n in json.loads(f.read(size)) if n != "__metadata__"]
        targets = config["target_modules"]
        result["peft_adapter"] = {
            "r": config["r"], "lora_alpha": config["lora_alpha"], "lora_dropout": config["lora_dropout"],
            "use_rslora": config["use_rslora"],
            "target_modules": sorted(targets) if isinstance(targets, list) else targets,
            "wrapped_modules": sorted({n.split(".lora_A.")[0].removeprefix("base_model.model.")
                                       for n in names if ".lora_A." in n}),
        }
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-train", action="store_true", help="only parse the exports, do not train a step")
    ap.add_argument("--fixtures", default=str(FIXTURES))
    opts = ap.parse_args()
    fixtures = Path(opts.fixtures)

    import accelerate
    import datasets
    import torch
    import transformers
    import trl

    keys = {cmd: command_keys(cmd)[1] for cmd in ("dpo", "kto")}
    types = loss_types()
    exports = {}
    saved_env = os.environ.get("ACCELERATE_MIXED_PRECISION")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = work / "tiny-llama"
        if not opts.no_train:
            tiny_model(model)
        for case_dir in sorted(p for p in (fixtures / "trl-export").iterdir() if p.is_dir()):
            path = case_dir / "trl-config.yaml"
            import yaml

            cmd = command_of(yaml.safe_load(path.read_text()), types["kto"])
            cwd = os.getcwd()
            os.chdir(work)  # relative paths of the config (output_dir) resolve in the scratch folder
            try:
                result = check_parse(cmd, path)
            finally:
                os.chdir(cwd)
                if saved_env is None:
                    os.environ.pop("ACCELERATE_MIXED_PRECISION", None)
                else:
                    os.environ["ACCELERATE_MIXED_PRECISION"] = saved_env
            entry = {"command": f"trl {cmd}", "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), **result}
            if not opts.no_train:
                has_eval = (case_dir / "data" / "test.jsonl").exists()
                entry.update(train_once(cmd, case_dir, model, work, has_eval))
            exports[case_dir.name] = entry
            status = "ok" if not result["unknown"] and not result["mismatched"] else "PROBLEM"
            print(f"{case_dir.name}: trl {cmd} {status} {json.dumps(entry)}")

    # A control: keys of earlier TRL releases must come out as unknown, or the check above proves nothing.
    with tempfile.TemporaryDirectory() as tmp:
        control = Path(tmp) / "old-keys.yaml"
        control.write_text('bf16: false\nloss_type: "sigmoid"\nmax_prompt_length: 512\nrpo_alpha: 1.0\n')
        parser, _ = command_keys("dpo")
        *_, config_remaining, _cli = parser.parse_args_and_config(
            ["--config", str(control)], return_remaining_strings=True, separate_remaining_strings=True
        )
        control_unknown = [s[2:] for s in config_remaining if s.startswith("--")]
        assert control_unknown == ["max_prompt_length", "rpo_alpha"], control_unknown

    record = {
        "generated_by": "packages/trainer/oracle/trl_config_keys.py",
        "versions": {
            "trl": trl.__version__,
            "transformers": transformers.__version__,
            "accelerate": accelerate.__version__,
            "datasets": datasets.__version__,
            "torch": torch.__version__,
        },
        "keys": keys,
        "loss_types": types,
        "exports": exports,
        "control": {"keys": ["bf16", "loss_type", "max_prompt_length", "rpo_alpha"], "unknown": control_unknown},
    }
    out = fixtures / f"trl-{'.'.join(trl.__version__.split('.')[:2])}-config-keys.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
