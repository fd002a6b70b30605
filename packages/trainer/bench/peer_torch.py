"""The PyTorch side of `pnpm bench:peer`: a long-lived worker that runs the same model folder, rows and
training step as our onnxruntime side, so the TypeScript bench can alternate rounds with it in one run.

It reads one JSON object per line on stdin and answers one JSON line on stdout (everything else it or a
library prints goes to stderr):

    {"cmd": "load", "model": DIR, "rows": FILE, "lr": 1e-6, "beta": 0.1, "max_grad_norm": 1.0}
        loads DIR with AutoModelForCausalLM (float32, SDPA attention, as transformers runs it by default)
        and the packed rows of FILE (input_ids, attention_mask, completion_mask: [2B, T], chosen rows first)
        with "adapter": DIR2 (bench:peer --lora), also wraps the model with PEFT's PeftModel.from_pretrained(
        model, DIR2, is_trainable=True): forward then runs with the adapter disabled (the reference), and
        step clips and updates the adapter's parameters only (the base is frozen)
        -> {"ms", "params", "trainable", "torch", "transformers", "threads"}
    {"cmd": "forward"}
        summed completion log-probs of the 2B rows under torch.no_grad(), with TRL's selective_log_softmax;
        the first call's log-probs become the reference of every later step (reference = initial policy)
        -> {"ms", "logp": [...]}
    {"cmd": "step"}
        one APO-zero step as TRL writes it, L = mean_i 1 - sigmoid(b*(c_i - c0_i)) + sigmoid(b*(r_i - r0_i)),
        backward, clip_grad_norm_(max_grad_norm), torch.optim.RMSprop (PyTorch's defaults)
        -> {"ms", "loss", "grad_norm", "logp": [...]}   (logp: the policy's, before the update)
    {"cmd": "rss"}   -> {"max_rss_mib"}   (resource.getrusage: this process's peak so far)
    {"cmd": "exit"}

With --whole-run it instead runs the PyTorch equivalent of `apo train` once and prints one JSON line: load the
folder, read the pre-tokenised pairs (prompt_ids, chosen_ids, rejected_ids), compute every pair's reference
log-probs under no_grad (TRL's precompute_ref_log_probs), then the epochs of APO-zero steps over shuffled
batches (RMSprop, lr decaying linearly to 0, clip_grad_norm_), and save the model (save_pretrained).
    -> {"seconds", "steps", "last_loss", "max_rss_mib"}   (seconds from after the imports to the save)

Usage: python3 peer_torch.py [--threads 2]
       python3 peer_torch.py --whole-run --model DIR --data PAIRS.jsonl --out DIR [--epochs 1] [--batch-size 8]
"""

import argparse
import json
import resource
import sys
import time

import torch
import transformers
from transformers import AutoModelForCausalLM

from peer_protocol import serve


def selective_log_softmax(logits, index):
    """TRL's: log_softmax(logits).gather(index) without materialising the [B, T, V] log-softmax."""
    selected = torch.gather(logits, dim=-1, index=index.unsqueeze(-1)).squeeze(-1)
    # A row at a time, as TRL does, to keep the peak down.
    logsumexp = torch.stack([torch.logsumexp(row, dim=-1) for row in logits])
    return selected - logsumexp


class Worker:
    def __init__(self):
        self.model = None
        self.optimizer = None
        self.reference = None

    def load(self, req):
        start = time.perf_counter()
        self.model = AutoModelForCausalLM.from_pretrained(
            req["model"], dtype=torch.float32, attn_implementation="sdpa"
        )
        self.model.config.use_cache = False
        self.peft = req.get("adapter") is not None
        if self.peft:
            from peft import PeftModel

            self.model = PeftModel.from_pretrained(self.model, req["adapter"], is_trainable=True)
        with open(req["rows"]) as f:
            rows = json.load(f)
        self.input_ids = torch.tensor(rows["input_ids"], dtype=torch.long)
        self.attention_mask = torch.tensor(rows["attention_mask"], dtype=torch.long)
        self.completion_mask = torch.tensor(rows["completion_mask"], dtype=torch.float32)
        self.beta = float(req.get("beta", 0.1))
        self.max_grad_norm = float(req.get("max_grad_norm", 1.0))
        self.trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.RMSprop(self.trainable, lr=float(req.get("lr", 1e-6)))
        params = sum(p.numel() for p in self.model.parameters())
        return {
            "ms": (time.perf_counter() - start) * 1000,
            "params": params,
            "trainable": sum(p.numel() for p in self.trainable),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "threads": torch.get_num_threads(),
        }

    def logp(self):
        """Summed completion log-probs per row: the token at t is predicted from the prefix before it."""
        logits = self.model(
            input_ids=self.input_ids, attention_mask=self.attention_mask, use_cache=False
        ).logits
        per_token = selective_log_softmax(logits[:, :-1, :], self.input_ids[:, 1:])
        return (per_token * self.completion_mask[:, 1:]).sum(-1)

    def forward(self, req):
        self.model.eval()
        start = time.perf_counter()
        with torch.no_grad():
            if self.peft:
                with self.model.disable_adapter():
                    logp = self.logp()
            else:
                logp = self.logp()
        ms = (time.perf_counter() - start) * 1000
        if self.reference is None:
            self.reference = logp.clone()
        return {"ms": ms, "logp": logp.tolist()}

    def step(self, req):
        if self.reference is None:
            raise RuntimeError("run forward once first: its log-probs are the step's reference")
        self.model.train()
        start = time.perf_counter()
        self.optimizer.zero_grad(set_to_none=True)
        logp = self.logp()
        pairs = logp.shape[0] // 2
        dc = logp[:pairs] - self.reference[:pairs]
        dr = logp[pairs:] - self.reference[pairs:]
        loss = (1 - torch.sigmoid(self.beta * dc) + torch.sigmoid(self.beta * dr)).mean()
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.trainable, self.max_grad_norm)
        self.optimizer.step()
        ms = (time.perf_counter() - start) * 1000
        return {
            "ms": ms,
            "loss": loss.item(),
            "grad_norm": grad_norm.item(),
            "logp": logp.detach().tolist(),
        }

    def rss(self, req):
        # ru_maxrss is in KiB on Linux.
        return {"max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def pad_rows(sequences):
    """Right-pad (prompt, completion) id lists: input_ids, attention_mask, completion_mask tensors."""
    width = max(len(p) + len(c) for p, c in sequences)
    ids = torch.zeros(len(sequences), width, dtype=torch.long)
    attention = torch.zeros(len(sequences), width, dtype=torch.long)
    completion = torch.zeros(len(sequences), width, dtype=torch.float32)
    for i, (p, c) in enumerate(sequences):
        ids[i, : len(p) + len(c)] = torch.tensor(p + c)
        attention[i, : len(p) + len(c)] = 1
        completion[i, len(p) : len(p) + len(c)] = 1
    return ids, attention, completion


def batch_logp(model, pairs):
    """Summed completion log-probs of the chosen rows, then the rejected rows, of a batch of pairs."""
    rows = [(p["prompt_ids"], p["chosen_ids"]) for p in pairs]
    rows += [(p["prompt_ids"], p["rejected_ids"]) for p in pairs]
    ids, attention, completion = pad_rows(rows)
    logits = model(input_ids=ids, attention_mask=attention, use_cache=False).logits
    per_token = selective_log_softmax(logits[:, :-1, :], ids[:, 1:])
    return (per_token * completion[:, 1:]).sum(-1)


def whole_run(args):
    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="sdpa")
    with open(args.data) as f:
        pairs = [json.loads(line) for line in f if line.strip()]
    size = args.batch_size
    model.eval()
    with torch.no_grad():
        reference = torch.cat(
            [
                torch.stack(batch_logp(model, pairs[i : i + size]).chunk(2))
                for i in range(0, len(pairs), size)
            ],
            dim=1,
        )  # [2, N]: chosen, rejected
    batches_per_epoch = (len(pairs) + size - 1) // size
    total = batches_per_epoch * args.epochs
    optimizer = torch.optim.RMSprop(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / total)
    generator = torch.Generator().manual_seed(args.seed)
    model.train()
    loss = None
    for _ in range(args.epochs):
        order = torch.randperm(len(pairs), generator=generator).tolist()
        for i in range(0, len(order), size):
            index = order[i : i + size]
            optimizer.zero_grad(set_to_none=True)
            logp = batch_logp(model, [pairs[j] for j in index])
            c, r = logp.chunk(2)
            dc = c - reference[0, index]
            dr = r - reference[1, index]
            loss = (1 - torch.sigmoid(args.beta * dc) + torch.sigmoid(args.beta * dr)).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            optimizer.step()
            schedule.step()
    model.save_pretrained(args.out)
    return {
        "seconds": time.perf_counter() - start,
        "steps": total,
        "last_loss": None if loss is None else loss.item(),
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--whole-run", action="store_true")
    parser.add_argument("--model")
    parser.add_argument("--data")
    parser.add_argument("--out")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-6)
    parser.add_argument("--beta", type=float, default=0.1)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.whole_run:
        result = whole_run(args)
        sys.stdout.write(json.dumps(result) + "\n")
        return
    serve(Worker(), ("load", "forward", "step", "rss"))

if __name__ == "__main__":
    main()
