"""Records TRL 1.13's losses on fixed batches, for packages/losses/src/trl-oracle.test.ts.

Run by hand (CI has no Python), from any directory, with an environment that has trl 1.13 and torch:

    /work/pyenv-trl/bin/python packages/losses/oracle/trl_losses.py
    npx biome format --write packages/losses/src/fixtures/trl-1.13-losses.json

It calls TRL's own code, not a transcription of it: `DPOTrainer._compute_loss` (every DPO `loss_type`, and
lists of them with `loss_weights`), `CPOTrainer.get_batch_loss_metrics` (CPO `sigmoid` and `simpo`, with
their `cpo_alpha` NLL term) and `KTOTrainer._compute_loss` (`kto`, `apo_zero_unpaired`), each on a trainer
object made without `__init__` (`object.__new__`) whose fields are set as `__init__` sets them from the
config. The model is a stand-in that returns fixed float64 logits over a 2-token vocabulary, built from a
leaf tensor `lp` of per-token log-probs: the logits [0, log(expm1(-lp))] give the label (token 0) the
log-prob lp exactly, so every sequence's summed log-prob is what TRL computes from them, and
`loss.backward()` gives dLoss/dlp, which for the first completion token of a row is dLoss/d(that row's
summed log-prob). Reference log-probs are passed precomputed (`precompute_ref_log_probs`).

The batch written to the fixture holds the summed log-probs exactly as TRL computed them (same
`selective_log_softmax`, mask and sum), in float64.
"""

import json
import math
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import torch
import trl
from trl.experimental.cpo import CPOTrainer
from trl.trainer.dpo_trainer import DPOTrainer
from trl.trainer.kto_trainer import KTOTrainer
from trl.trainer.utils import selective_log_softmax

torch.set_default_dtype(torch.float64)
OUT = Path(__file__).resolve().parent.parent / "src" / "fixtures" / "trl-1.13-losses.json"
CPU = torch.device("cpu")


def accelerator():
    return SimpleNamespace(
        device=CPU,
        gather=lambda x: x,
        gather_for_metrics=lambda x: x,
        unwrap_model=lambda m: m,
    )


class StandIn:
    """A causal LM stand-in: returns the logits it was built with, whatever the input ids."""

    def __init__(self, logits_by_width):
        self.training = True
        self.logits_by_width = logits_by_width

    def __call__(self, input_ids=None, **_):
        return SimpleNamespace(logits=self.logits_by_width(input_ids))


def make_rows(gen, lengths, prompt_lengths, token_logp_range=(-4.0, -0.01)):
    """Rows of prompt + completion tokens (all id 0) with random per-token log-probs of the completion."""
    width = max(p + n for p, n in zip(prompt_lengths, lengths, strict=True)) + 1
    rows = len(lengths)
    lo, hi = token_logp_range
    lp = torch.empty(rows, width).uniform_(lo, hi, generator=gen)
    completion = torch.zeros(rows, width, dtype=torch.long)
    attention = torch.zeros(rows, width, dtype=torch.long)
    for i, (p, n) in enumerate(zip(prompt_lengths, lengths, strict=True)):
        completion[i, p : p + n] = 1
        attention[i, : p + n] = 1
    return lp, completion, attention, width


def logits_from(lp_leaf, completion):
    """[rows, width, 2] logits: position t predicts token t+1 with log-prob lp[t] where t+1 is a completion token."""
    rows, width = completion.shape
    predicts_completion = torch.zeros(rows, width, dtype=torch.bool)
    predicts_completion[:, :-1] = completion[:, 1:].bool()
    x = torch.where(predicts_completion, torch.log(torch.expm1(-lp_leaf)), torch.zeros_like(lp_leaf))
    return torch.stack([torch.zeros_like(x), x], dim=-1)


def summed_logps(logits, input_ids, completion):
    """What TRL computes: selective_log_softmax of the shifted logits, completion-masked, summed."""
    per_token = selective_log_softmax(logits[:, :-1, :], input_ids[:, 1:])
    per_token = per_token.masked_fill(completion[:, 1:] == 0, 0.0)
    return per_token.sum(dim=1)


def first_completion_grad(grad, completion):
    """dLoss/d(summed log-prob) of each row: the gradient at the position predicting its first completion token."""
    out = []
    for i in range(completion.shape[0]):
        first = int(torch.nonzero(completion[i])[0])
        out.append(float(grad[i, first - 1]))
    return out


def paired_batch(seed, pairs, spread):
    gen = torch.Generator().manual_seed(seed)
    lengths_c = torch.randint(1, 10, (pairs,), generator=gen).tolist()
    lengths_r = torch.randint(1, 10, (pairs,), generator=gen).tolist()
    prompts = torch.randint(1, 5, (pairs,), generator=gen).tolist()
    lp, completion, attention, width = make_rows(gen, lengths_c + lengths_r, prompts + prompts)
    input_ids = torch.zeros(2 * pairs, width, dtype=torch.long)
    logps = summed_logps(logits_from(lp, completion), input_ids, completion)
    c, r = logps[:pairs], logps[pairs:]
    c0 = c + (torch.rand(pairs, generator=gen) - 0.5) * 2 * spread
    r0 = r + (torch.rand(pairs, generator=gen) - 0.5) * 2 * spread
    return {
        "lp": lp,
        "completion": completion,
        "attention": attention,
        "input_ids": input_ids,
        "prompts": prompts,
        "policyChosen": c.tolist(),
        "policyRejected": r.tolist(),
        "referenceChosen": c0.tolist(),
        "referenceRejected": r0.tolist(),
        "chosenLength": [float(n) for n in lengths_c],
        "rejectedLength": [float(n) for n in lengths_r],
    }


BATCH_FIELDS = [
    "policyChosen",
    "policyRejected",
    "referenceChosen",
    "referenceRejected",
    "chosenLength",
    "rejectedLength",
]


def dpo_case(batch, loss_type, beta, label_smoothing=0.0, loss_weights=None, discopop_tau=0.05):
    """One `DPOTrainer._compute_loss` call, as DPOTrainer.__init__ would set the trainer up from a DPOConfig."""
    loss_types = loss_type if isinstance(loss_type, list) else [loss_type]
    trainer = object.__new__(DPOTrainer)
    lp = batch["lp"].clone().requires_grad_(True)
    logits = logits_from(lp, batch["completion"])
    trainer.model = StandIn(lambda _ids: logits)
    trainer.accelerator = accelerator()
    trainer.aux_loss_enabled = False
    trainer.beta = beta
    trainer.precompute_ref_logps = True
    trainer.loss_types = loss_types
    trainer.loss_weights = loss_weights or [1.0] * len(loss_types)
    trainer.ld_alpha = None
    trainer.f_divergence_type = "reverse_kl"
    trainer.label_smoothing = label_smoothing
    trainer.use_weighting = False
    trainer.args = SimpleNamespace(discopop_tau=discopop_tau)
    trainer._metrics = {"train": defaultdict(list), "eval": defaultdict(list)}
    trainer._total_train_tokens = 0
    trainer._tp_size = 1
    inputs = {
        "input_ids": batch["input_ids"],
        "attention_mask": batch["attention"],
        "completion_mask": batch["completion"],
        "ref_chosen_logps": torch.tensor(batch["referenceChosen"]),
        "ref_rejected_logps": torch.tensor(batch["referenceRejected"]),
    }
    loss = trainer._compute_loss(trainer.model, inputs, return_outputs=False)
    loss.backward()
    grads = first_completion_grad(lp.grad, batch["completion"])
    pairs = len(batch["policyChosen"])
    metrics = trainer._metrics["train"]
    return {
        "trainer": "DPOTrainer",
        "lossType": loss_types,
        "lossWeights": trainer.loss_weights,
        "beta": beta,
        "labelSmoothing": label_smoothing,
        "discopopTau": discopop_tau,
        "loss": loss.item(),
        "gradChosen": grads[:pairs],
        "gradRejected": grads[pairs:],
        "rewardsChosen": metrics["rewards/chosen"][0],
        "rewardsRejected": metrics["rewards/rejected"][0],
    }


def cpo_case(batch, loss_type, beta, cpo_alpha, label_smoothing=0.0, simpo_gamma=0.5):
    """One `CPOTrainer.get_batch_loss_metrics` call (the trainer's `compute_loss` without the autocast)."""
    trainer = object.__new__(CPOTrainer)
    lp = batch["lp"].clone().requires_grad_(True)
    logits = logits_from(lp, batch["completion"])
    trainer.accelerator = accelerator()
    trainer.is_encoder_decoder = False
    trainer.pad_token_id = 0
    trainer.aux_loss_enabled = False
    trainer.beta = beta
    trainer.label_smoothing = label_smoothing
    trainer.loss_type = loss_type
    trainer.cpo_alpha = cpo_alpha
    trainer.simpo_gamma = simpo_gamma
    trainer.alpha = 0.0
    pairs = len(batch["policyChosen"])
    ids = batch["input_ids"]
    labels = ids.masked_fill(batch["completion"] == 0, -100)
    cpo_batch = {
        "chosen_input_ids": ids[:pairs],
        "chosen_attention_mask": batch["attention"][:pairs],
        "chosen_labels": labels[:pairs],
        "rejected_input_ids": ids[pairs:],
        "rejected_attention_mask": batch["attention"][pairs:],
        "rejected_labels": labels[pairs:],
    }
    model = StandIn(lambda _ids: logits)
    loss, metrics = trainer.get_batch_loss_metrics(model, cpo_batch)
    loss.backward()
    grads = first_completion_grad(lp.grad, batch["completion"])
    return {
        "trainer": "CPOTrainer",
        "lossType": [loss_type],
        "beta": beta,
        "cpoAlpha": cpo_alpha,
        "labelSmoothing": label_smoothing,
        "simpoGamma": simpo_gamma,
        "loss": loss.item(),
        "gradChosen": grads[:pairs],
        "gradRejected": grads[pairs:],
        "rewardsChosen": metrics["rewards/chosen"],
        "rewardsRejected": metrics["rewards/rejected"],
    }


def unpaired_batch(seed, examples, spread):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, 10, (examples,), generator=gen).tolist()
    kl_lengths = torch.randint(1, 10, (examples,), generator=gen).tolist()
    prompts = torch.randint(1, 5, (examples,), generator=gen).tolist()
    lp, completion, attention, width = make_rows(gen, lengths, prompts)
    kl_lp, kl_completion, kl_attention, kl_width = make_rows(gen, kl_lengths, prompts)
    label = (torch.rand(examples, generator=gen) < 0.5).tolist()
    label[0], label[1] = True, False
    input_ids = torch.zeros(examples, width, dtype=torch.long)
    kl_ids = torch.zeros(examples, kl_width, dtype=torch.long)
    policy = summed_logps(logits_from(lp, completion), input_ids, completion)
    kl_policy = summed_logps(logits_from(kl_lp, kl_completion), kl_ids, kl_completion)
    reference = policy + (torch.rand(examples, generator=gen) - 0.5) * 2 * spread
    # Mostly below the policy, so that the KL estimate max(0, mean(policy - reference)) is positive.
    kl_reference = kl_policy - (torch.rand(examples, generator=gen) - 0.2) * spread
    return {
        "lp": lp,
        "completion": completion,
        "attention": attention,
        "input_ids": input_ids,
        "kl_lp": kl_lp,
        "kl_completion": kl_completion,
        "kl_attention": kl_attention,
        "kl_ids": kl_ids,
        "policy": policy.tolist(),
        "reference": reference.tolist(),
        "label": label,
        "policyMismatched": kl_policy.tolist(),
        "referenceMismatched": kl_reference.tolist(),
    }


def kto_case(batch, loss_type, beta, desirable_weight=1.0, undesirable_weight=1.0):
    """One `KTOTrainer._compute_loss` call; KTO's mismatched (KL) sequences are the batch's `kl_*` rows."""
    trainer = object.__new__(KTOTrainer)
    lp = batch["lp"].clone().requires_grad_(True)
    logits = logits_from(lp, batch["completion"])
    kl_logits = logits_from(batch["kl_lp"], batch["kl_completion"])
    kl_ids = batch["kl_ids"]
    trainer.model = StandIn(lambda ids: kl_logits if ids is kl_ids else logits)
    trainer.accelerator = accelerator()
    trainer.aux_loss_enabled = False
    trainer.beta = beta
    trainer.precompute_ref_logps = True
    trainer.loss_type = loss_type
    trainer.desirable_weight = desirable_weight
    trainer.undesirable_weight = undesirable_weight
    trainer.calculate_KL = loss_type == "kto"
    trainer.use_liger_kernel = False
    trainer._metrics = {"train": defaultdict(list), "eval": defaultdict(list)}
    trainer._total_train_tokens = 0
    trainer._tp_size = 1
    inputs = {
        "input_ids": batch["input_ids"],
        "attention_mask": batch["attention"],
        "completion_mask": batch["completion"],
        "KL_input_ids": kl_ids,
        "KL_attention_mask": batch["kl_attention"],
        "KL_completion_mask": batch["kl_completion"],
        "label": torch.tensor(batch["label"]),
        "ref_logps": torch.tensor(batch["reference"]),
        "ref_KL_logps": torch.tensor(batch["referenceMismatched"]),
    }
    loss = trainer._compute_loss(trainer.model, inputs, return_outputs=False)
    loss.backward()
    return {
        "trainer": "KTOTrainer",
        "lossType": [loss_type],
        "beta": beta,
        "desirableWeight": desirable_weight,
        "undesirableWeight": undesirable_weight,
        "loss": loss.item(),
        "kl": trainer._metrics["train"]["kl"][0],
        "grad": first_completion_grad(lp.grad, batch["completion"]),
    }


DPO_LOSS_TYPES = [
    "sigmoid",
    "hinge",
    "ipo",
    "exo_pair",
    "nca_pair",
    "robust",
    "bco_pair",
    "sppo_hard",
    "aot",
    "aot_unpaired",
    "apo_zero",
    "apo_down",
    "discopop",
    "sft",
    "sigmoid_norm",
]


def main():
    batches = {
        # Log-ratios of a few nats: every loss away from saturation.
        "moderate": paired_batch(seed=1, pairs=6, spread=6.0),
        # Log-ratios up to ±60 nats: β·z far into the tails at β = 0.5.
        "wide": paired_batch(seed=2, pairs=7, spread=60.0),
    }
    cases = []
    for name, batch in batches.items():
        for beta in (0.1, 0.5):
            for loss_type in DPO_LOSS_TYPES:
                # exo_pair needs label_smoothing > 0 (TRL raises at 0); 1e-3 is our default.
                eps = 1e-3 if loss_type == "exo_pair" else 0.0
                cases.append({"batch": name, **dpo_case(batch, loss_type, beta, label_smoothing=eps)})
            # label_smoothing: used by robust, exo_pair, aot, aot_unpaired; ignored by sigmoid (no cDPO in 1.13).
            for loss_type in ("sigmoid", "robust", "exo_pair", "aot", "aot_unpaired"):
                cases.append({"batch": name, **dpo_case(batch, loss_type, beta, label_smoothing=0.2)})
            cases.append({"batch": name, **dpo_case(batch, "discopop", beta, discopop_tau=0.3)})
            # Several loss types with loss_weights (MPO / RPO-style).
            cases.append({"batch": name, **dpo_case(batch, ["sigmoid", "sft"], beta, loss_weights=[1.0, 0.5])})
            cases.append(
                {
                    "batch": name,
                    **dpo_case(batch, ["apo_zero", "sft", "aot", "ipo"], beta, loss_weights=[1.0, 0.3, 2.0, 0.1]),
                }
            )
            for loss_type in ("sigmoid", "simpo"):
                for cpo_alpha in (1.0, 0.0, 0.5):
                    cases.append({"batch": name, **cpo_case(batch, loss_type, beta, cpo_alpha)})
                cases.append(
                    {"batch": name, **cpo_case(batch, loss_type, beta, 1.0, label_smoothing=0.1, simpo_gamma=1.0)}
                )

    unpaired = {"unpaired": unpaired_batch(seed=3, examples=8, spread=8.0)}
    for name, batch in unpaired.items():
        for beta in (0.1, 0.5):
            for loss_type in ("kto", "apo_zero_unpaired"):
                cases.append({"batch": name, **kto_case(batch, loss_type, beta)})
                cases.append({"batch": name, **kto_case(batch, loss_type, beta, 1.5, 0.7)})

    fixture = {
        "generatedBy": "packages/losses/oracle/trl_losses.py",
        "trl": trl.__version__,
        "torch": torch.__version__,
        "batches": {
            **{k: {f: b[f] for f in BATCH_FIELDS} for k, b in batches.items()},
            **{
                k: {f: b[f] for f in ("policy", "reference", "label", "policyMismatched", "referenceMismatched")}
                for k, b in unpaired.items()
            },
        },
        "cases": cases,
    }
    for case in cases:
        for key in ("loss", "rewardsChosen", "rewardsRejected", "kl"):
            if key in case and not math.isfinite(case[key]):
                raise SystemExit(f"non-finite {key} in {case}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=2) + "\n")
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
