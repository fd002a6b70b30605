"""The reference side of the oracle: Hugging Face transformers on PyTorch, in float64.

For every case folder written by make-cases.ts (a checkpoint plus rows.json) it computes, one unpadded
sequence at a time, logp_b = sum of log p(completion token | prefix) and the gradient of
L = sum_b c_b * logp_b with respect to every tensor in model.safetensors, and writes

    OUT/<case>/result.json   logp, tokens, loss, and the gradient tensors' names and shapes
    OUT/<case>/grads.f64     those gradients, little-endian float64, C order, concatenated
    OUT/env.json             python, torch, transformers versions and the device

transformers' Llama-family modules compute three things in float32 even in a float64 model: RoPE angles,
RMSNorm, and the attention softmax (`softmax(..., dtype=float32)`). That limits agreement to about 1e-8, so
`exact_float64` makes all three float64 (the RoPE inverse frequencies are checked against the module's own
to 1e-5 first). result.json also keeps `logp_stock`, the logp before that patch.

For every folder under CASES_DIR/steps (a checkpoint plus train.json) it takes a few optimizer steps of a
paired preference loss (the formulas below, as TRL writes them) with a torch.optim optimizer and
torch.nn.utils.clip_grad_norm_, all in float64, and writes

    OUT/steps/<case>/result.json   per-step mean loss and pre-clipping gradient norm, the weights' names and shapes
    OUT/steps/<case>/weights.f64   the weights after the last step, as grads.f64

Usage: python3 transformers_oracle.py CASES_DIR OUT_DIR
"""

import contextlib
import json
import os
import platform
import struct
import sys
import time

import torch
import transformers
from transformers import AutoModelForCausalLM


def tensor_names(path):
    """Names of the tensors in a safetensors file, in header order (no safetensors package needed)."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    return [name for name in header if name != "__metadata__"]


def load(folder, device):
    kwargs = {"attn_implementation": "eager"}
    try:
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float64, **kwargs)
    except TypeError:
        model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float64, **kwargs)
    return model.to(device).eval()


def inverse_frequencies(config, head_dim):
    """RoPE inverse frequencies in float64 for the rope types our builders accept (default, linear, llama3)."""
    params = dict(getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {})
    theta = params.get("rope_theta", getattr(config, "rope_theta", 10000.0))
    kind = params.get("rope_type", params.get("type", "default"))
    inv = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    if kind == "default":
        return inv
    if kind == "linear":
        return inv / params["factor"]
    if kind == "llama3":
        factor, low, high = params["factor"], params["low_freq_factor"], params["high_freq_factor"]
        original = params["original_max_position_embeddings"]
        wavelength = 2 * torch.pi / inv
        scaled = torch.where(wavelength > original / low, inv / factor, inv)
        smooth = (original / wavelength - low) / (high - low)
        medium = (wavelength <= original / low) & (wavelength >= original / high)
        return torch.where(medium, (1 - smooth) * scaled / factor + smooth * scaled, scaled)
    raise ValueError(f"rope_type {kind!r} has no float64 recomputation here")


def float64_rope(model):
    """Make every rotary embedding compute its angles in float64; returns how many it patched."""
    config = model.config
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    patched = 0
    for module in model.modules():
        if not (hasattr(module, "inv_freq") and hasattr(module, "attention_scaling")):
            continue
        inv = inverse_frequencies(config, head_dim).to(module.inv_freq.device)
        stock = module.inv_freq.to(torch.float64)
        if not torch.allclose(inv, stock, rtol=1e-5, atol=0):
            raise ValueError(f"float64 inverse frequencies {inv.tolist()} differ from the module's {stock.tolist()}")

        def forward(x, position_ids, inv=inv, scaling=float(module.attention_scaling)):
            angles = position_ids[:, :, None].to(torch.float64) * inv[None, None, :]
            emb = torch.cat((angles, angles), dim=-1)
            return (emb.cos() * scaling).to(x.dtype), (emb.sin() * scaling).to(x.dtype)

        module.forward = forward
        patched += 1
    return patched


def float64_rms_norm(model):
    """Make every RMSNorm keep its input's dtype (transformers casts it to float32); returns the count."""
    patched = 0
    for module in model.modules():
        if not type(module).__name__.endswith("RMSNorm"):
            continue

        def forward(h, m=module):
            variance = h.pow(2).mean(-1, keepdim=True)
            return m.weight * (h * torch.rsqrt(variance + m.variance_epsilon))

        module.forward = forward
        patched += 1
    return patched


@contextlib.contextmanager
def float64_softmax():
    """Within it, softmax(x, dtype=float32) on a float64 x stays float64 (eager attention asks for float32)."""
    stock = torch.nn.functional.softmax

    def softmax(input, dim=None, _stacklevel=3, dtype=None):
        if dtype == torch.float32 and input.dtype == torch.float64:
            dtype = torch.float64
        return stock(input, dim=dim, _stacklevel=_stacklevel, dtype=dtype)

    torch.nn.functional.softmax = softmax
    try:
        yield
    finally:
        torch.nn.functional.softmax = stock


def exact_float64(model):
    """The RoPE and RMSNorm patches (softmax: `with float64_softmax()`); returns {patch: modules patched}."""
    return {"rope": float64_rope(model), "rms_norm": float64_rms_norm(model)}


def parameter(params, name):
    for candidate in (name, "transformer." + name, "model." + name):
        if candidate in params:
            return params[candidate]
    raise KeyError(f"no parameter for checkpoint tensor {name!r}; parameters: {sorted(params)[:8]}...")


def sequence_logps(model, rows, device):
    """Per row (one unpadded sequence at a time): the summed log-prob of its completion tokens, a 0-d tensor."""
    out = []
    for row in rows:
        prompt, completion = row["prompt_ids"], row["completion_ids"]
        ids = torch.tensor([prompt + completion], dtype=torch.long, device=device)
        logits = model(input_ids=ids).logits[0].to(torch.float64)
        log_probs = torch.log_softmax(logits[:-1], dim=-1)
        picked = log_probs.gather(-1, ids[0, 1:, None])[:, 0]
        out.append(picked[len(prompt) - 1 :].sum())
    return out


def completion_logps(model, spec, device):
    """logp_b per row, token counts, and L = sum_b c_b logp_b."""
    logps = sequence_logps(model, spec["rows"], device)
    loss = sum(c * logp for c, logp in zip(spec["coefficients"], logps))
    return [v.item() for v in logps], [len(r["completion_ids"]) for r in spec["rows"]], loss


# Paired losses of the log-ratios dc = c - c0, dr = r - r0 (completion lengths lc, lr), as TRL defines them.
PAIRED_LOSSES = {
    "sigmoid": lambda dc, dr, lc, lr, beta: -torch.nn.functional.logsigmoid(beta * (dc - dr)),
    "apo_zero": lambda dc, dr, lc, lr, beta: 1 - torch.sigmoid(beta * dc) + torch.sigmoid(beta * dr),
    "apo_down": lambda dc, dr, lc, lr, beta: torch.sigmoid(beta * dc) + 1 - torch.sigmoid(beta * (dc - dr)),
    "ipo": lambda dc, dr, lc, lr, beta: (dc / lc - dr / lr - 1 / (2 * beta)) ** 2,
}


def make_optimizer(spec, params):
    c, lr = spec["optimizer_config"], spec["lr"]
    if spec["optimizer"] == "adamw":
        betas = (c.get("beta1", 0.9), c.get("beta2", 0.999))
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=c.get("eps", 1e-8), weight_decay=c.get("weightDecay", 0.01))
    if spec["optimizer"] == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=c.get("alpha", 0.99), eps=c.get("eps", 1e-8), weight_decay=c.get("weightDecay", 0))
    if spec["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=c.get("momentum", 0), weight_decay=c.get("weightDecay", 0))
    raise ValueError(f"unknown optimizer {spec['optimizer']!r}")


def write_tensors(path, folder, params, value):
    """`value(param)` of every checkpoint tensor, little-endian float64 in header order; returns names and shapes."""
    entries = []
    with open(path, "wb") as f:
        for name in tensor_names(os.path.join(folder, "model.safetensors")):
            t = value(parameter(params, name))
            entries.append({"name": name, "shape": list(t.shape)})
            flat = t.detach().to("cpu", torch.float64).reshape(-1).tolist()
            f.write(struct.pack(f"<{len(flat)}d", *flat))
    return entries


def run_steps(folder, out, device):
    spec = json.load(open(os.path.join(folder, "train.json")))
    model = load(folder, device)
    exact_float64(model)
    with float64_softmax():
        pairs = spec["pairs"]
        rows = [{"prompt_ids": p["prompt_ids"], "completion_ids": p[key]} for key in ("chosen_ids", "rejected_ids") for p in pairs]
        lengths = torch.tensor([len(r["completion_ids"]) for r in rows], dtype=torch.float64, device=device)
        with torch.no_grad():
            reference = torch.stack(sequence_logps(model, rows, device))
        params = list(model.parameters())
        optimizer = make_optimizer(spec, params)
        loss_fn, n = PAIRED_LOSSES[spec["loss"]], len(pairs)
        losses, norms = [], []
        for _ in range(spec["steps"]):
            optimizer.zero_grad(set_to_none=True)
            delta = torch.stack(sequence_logps(model, rows, device)) - reference
            loss = loss_fn(delta[:n], delta[n:], lengths[:n], lengths[n:], spec["beta"]).mean()
            loss.backward()
            norms.append(torch.nn.utils.clip_grad_norm_(params, spec["max_grad_norm"]).item())
            optimizer.step()
            losses.append(loss.item())
    os.makedirs(out, exist_ok=True)
    named = dict(model.named_parameters())
    entries = write_tensors(os.path.join(out, "weights.f64"), folder, named, lambda p: p)
    result = {"losses": losses, "grad_norms": norms, "weights": entries}
    json.dump(result, open(os.path.join(out, "result.json"), "w"))
    return result


def run_case(folder, out, device):
    spec = json.load(open(os.path.join(folder, "rows.json")))
    model = load(folder, device)
    with torch.no_grad():
        stock, _, _ = completion_logps(model, spec, device)
    patched = exact_float64(model)
    with float64_softmax():
        params = dict(model.named_parameters())
        model.zero_grad(set_to_none=True)
        logps, tokens, loss = completion_logps(model, spec, device)
        loss.backward()
    os.makedirs(out, exist_ok=True)

    def gradient(p):
        return p.grad if p.grad is not None else torch.zeros_like(p)

    entries = write_tensors(os.path.join(out, "grads.f64"), folder, params, gradient)
    result = {
        "logp": logps,
        "logp_stock": stock,
        "patched": patched,
        "tokens": tokens,
        "loss": loss.item(),
        "grads": entries,
    }
    json.dump(result, open(os.path.join(out, "result.json"), "w"))
    return result


def main():
    cases, out = sys.argv[1], sys.argv[2]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    env = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
    }
    os.makedirs(out, exist_ok=True)
    json.dump(env, open(os.path.join(out, "env.json"), "w"))
    print(json.dumps(env))
    failed = 0
    for name in sorted(os.listdir(cases)):
        folder = os.path.join(cases, name)
        if not os.path.isfile(os.path.join(folder, "rows.json")):
            continue
        start = time.time()
        try:
            r = run_case(folder, os.path.join(out, name), device)
            drift = max(abs(a / b - 1) for a, b in zip(r["logp_stock"], r["logp"]))
            print(
                f"{name}: logp {r['logp']} loss {r['loss']:.12g}; patched {r['patched']},"
                f" stock/patched logp differ by {drift:.1e} ({time.time() - start:.1f}s)"
            )
        except Exception as e:  # one bad case must not hide the others
            failed += 1
            print(f"{name}: FAILED {type(e).__name__}: {e}")
    steps = os.path.join(cases, "steps")
    for name in sorted(os.listdir(steps)) if os.path.isdir(steps) else []:
        start = time.time()
        try:
            r = run_steps(os.path.join(steps, name), os.path.join(out, "steps", name), device)
            print(f"steps/{name}: losses {r['losses']} grad norms {r['grad_norms']} ({time.time() - start:.1f}s)")
        except Exception as e:
            failed += 1
            print(f"steps/{name}: FAILED {type(e).__name__}: {e}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
