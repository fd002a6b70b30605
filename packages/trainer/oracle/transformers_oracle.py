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

Usage: python3 transformers_oracle.py CASES_DIR OUT_DIR
"""

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


def float64_softmax():
    """Let softmax(x, dtype=float32) on a float64 x stay float64 (eager attention asks for float32)."""
    stock = torch.nn.functional.softmax

    def softmax(input, dim=None, _stacklevel=3, dtype=None):
        if dtype == torch.float32 and input.dtype == torch.float64:
            dtype = torch.float64
        return stock(input, dim=dim, _stacklevel=_stacklevel, dtype=dtype)

    torch.nn.functional.softmax = softmax
    return stock


def exact_float64(model):
    """The RoPE and RMSNorm patches (softmax is `float64_softmax`); returns {patch: modules patched}."""
    return {"rope": float64_rope(model), "rms_norm": float64_rms_norm(model)}


def parameter(params, name):
    for candidate in (name, "transformer." + name, "model." + name):
        if candidate in params:
            return params[candidate]
    raise KeyError(f"no parameter for checkpoint tensor {name!r}; parameters: {sorted(params)[:8]}...")


def completion_logps(model, spec, device):
    """logp_b per row (one unpadded sequence at a time), token counts, and L = sum_b c_b logp_b."""
    logps, tokens = [], []
    loss = torch.zeros((), dtype=torch.float64, device=device)
    for row, c in zip(spec["rows"], spec["coefficients"]):
        prompt, completion = row["prompt_ids"], row["completion_ids"]
        ids = torch.tensor([prompt + completion], dtype=torch.long, device=device)
        logits = model(input_ids=ids).logits[0].to(torch.float64)
        log_probs = torch.log_softmax(logits[:-1], dim=-1)
        targets = ids[0, 1:]
        picked = log_probs.gather(-1, targets[:, None])[:, 0]
        logp = picked[len(prompt) - 1 :].sum()
        logps.append(logp.item())
        tokens.append(len(completion))
        loss = loss + c * logp
    return logps, tokens, loss


def run_case(folder, out, device):
    spec = json.load(open(os.path.join(folder, "rows.json")))
    model = load(folder, device)
    with torch.no_grad():
        stock, _, _ = completion_logps(model, spec, device)
    patched = exact_float64(model)
    stock_softmax = float64_softmax()
    try:
        params = dict(model.named_parameters())
        model.zero_grad(set_to_none=True)
        logps, tokens, loss = completion_logps(model, spec, device)
        loss.backward()
    finally:
        torch.nn.functional.softmax = stock_softmax
    names = tensor_names(os.path.join(folder, "model.safetensors"))
    entries, chunks = [], []
    for name in names:
        p = parameter(params, name)
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        entries.append({"name": name, "shape": list(g.shape)})
        flat = g.detach().to("cpu", torch.float64).reshape(-1).tolist()
        chunks.append(struct.pack(f"<{len(flat)}d", *flat))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "grads.f64"), "wb") as f:
        for chunk in chunks:
            f.write(chunk)
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
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
