"""The PyTorch side of `pnpm bench:peer-generate`: a long-lived worker that runs transformers' `generate` on the
same model folder and prompts as our `apo generate` (LocalGenerator), so the TypeScript bench can alternate
rounds with it in one run.

It reads one JSON object per line on stdin and answers one JSON line on stdout (everything else it or a
library prints goes to stderr):

    {"cmd": "load", "model": DIR}
        loads DIR with AutoModelForCausalLM (float32; the attention transformers picks by default on CPU)
        -> {"ms", "params", "torch", "transformers", "threads", "attention"}
    {"cmd": "generate", "prompts": [[ids...], ...], "new_tokens": N, "pad_id": P}
        greedy `generate` with its default key/value cache (DynamicCache) on the left-padded prompts, EOS
        disabled (generation_config.eos_token_id = None), exactly N new tokens per row, under torch.no_grad()
        -> {"ms", "tokens": [[N ids], ...]}   (ms: the generate call alone, inputs already tensors)
    {"cmd": "exit"}

Usage: python3 peer_generate.py [--threads 2]
"""

import argparse
import time

import torch
import transformers
from transformers import AutoModelForCausalLM

from peer_protocol import serve


class Worker:
    def __init__(self):
        self.model = None

    def load(self, req):
        start = time.perf_counter()
        self.model = AutoModelForCausalLM.from_pretrained(req["model"], dtype=torch.float32)
        self.model.eval()
        # Exactly N tokens per row: no EOS ends a row early, and no logits processor masks EOS either (as
        # min_new_tokens would), so greedy picks the same token our side picks.
        self.model.generation_config.eos_token_id = None
        return {
            "ms": (time.perf_counter() - start) * 1000,
            "params": sum(p.numel() for p in self.model.parameters()),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "threads": torch.get_num_threads(),
            "attention": self.model.config._attn_implementation,
        }

    def generate(self, req):
        prompts = req["prompts"]
        pad = int(req.get("pad_id", 0))
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, width - len(p) :] = torch.tensor(p, dtype=torch.long)
            mask[i, width - len(p) :] = 1
        n = int(req["new_tokens"])
        start = time.perf_counter()
        with torch.no_grad():
            out = self.model.generate(
                input_ids=ids,
                attention_mask=mask,
                do_sample=False,
                max_new_tokens=n,
                pad_token_id=pad,
                use_cache=True,
            )
        ms = (time.perf_counter() - start) * 1000
        return {"ms": ms, "tokens": out[:, width:].tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    serve(Worker(), ("load", "generate"))

if __name__ == "__main__":
    main()
