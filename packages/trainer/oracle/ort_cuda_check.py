"""Runs the graphs written by export-graphs.ts with onnxruntime's CUDA execution provider (Python).

exact/: each graph's outputs on CUDA (TF32 off) against the CPU EP's outputs recorded with
onnxruntime-node, as max |cuda - cpu| / max |cpu| per output, and which nodes onnxruntime placed on the CPU
(from its profile). timing/: the bench-size forward (weights as inputs) and forward+backward graphs on
CUDA with random weights, inputs and outputs bound on the device; the ratio of their fastest runs.

Usage: python3 ort_cuda_check.py GRAPHS_DIR OUT_DIR
"""

import collections
import glob
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort

DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64}


def read_tensors(path, index):
    blob = open(path, "rb").read()
    return {
        e["name"]: np.frombuffer(blob, DTYPES[e["dtype"]], e["bytes"] // np.dtype(DTYPES[e["dtype"]]).itemsize, e["offset"])
        .reshape(e["shape"])
        .copy()
        for e in index
    }


def cuda_session(path, options=None, tf32=1):
    """A session on the CUDA EP (TF32 as asked, where this onnxruntime has the option)."""
    try:
        providers = [("CUDAExecutionProvider", {"use_tf32": str(tf32)}), "CPUExecutionProvider"]
        return ort.InferenceSession(path, options, providers=providers)
    except Exception as e:  # an onnxruntime without use_tf32
        print(f"(use_tf32 not accepted: {e}; default CUDA options)")
        return ort.InferenceSession(path, options, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])


def placement(profile_file):
    """Op types per execution provider, from an onnxruntime profile."""
    events = json.load(open(profile_file))
    counts = collections.defaultdict(collections.Counter)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            counts[e["args"].get("provider", "?")][e["args"].get("op_name", "?")] += 1
    return {provider: dict(ops) for provider, ops in counts.items()}


def check_exact(folder, out):
    report = {}
    for meta_path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        name = os.path.basename(meta_path)[: -len(".json")]
        meta = json.load(open(meta_path))
        inputs = read_tensors(os.path.join(folder, name + ".in.bin"), meta["inputs"])
        expected = read_tensors(os.path.join(folder, name + ".cpu.bin"), meta["outputs"])
        options = ort.SessionOptions()
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(out, name)
        session = cuda_session(os.path.join(folder, name + ".onnx"), options, tf32=0)
        session.run(None, inputs)  # the profile below is of the second run
        got = dict(zip([o.name for o in session.get_outputs()], session.run(None, inputs)))
        where = placement(session.end_profiling())
        worst, worst_name = 0.0, ""
        for key, ref in expected.items():
            scale = float(np.max(np.abs(ref))) or 1.0
            err = float(np.max(np.abs(got[key].astype(np.float64) - ref.astype(np.float64)))) / scale
            if err >= worst:
                worst, worst_name = err, key
        on_cpu = where.get("CPUExecutionProvider", {})
        report[name] = {"worst": worst, "output": worst_name, "placement": where}
        print(f"{name}: worst scaled error {worst:.1e} ({worst_name}); nodes on CPU: {on_cpu}; on CUDA: {sum(where.get('CUDAExecutionProvider', {}).values())}")
    return report


def write_external_weights(folder, meta, rng):
    """The initializer forward's weight file (not carried): random float32 values at the recorded offsets."""
    external = meta["external"]
    data = bytearray(external["size"])
    for e in external["entries"]:
        data[e["offset"] : e["offset"] + e["length"]] = rng.normal(0, 0.02, e["length"] // 4).astype("<f4").tobytes()
    with open(os.path.join(folder, external["location"]), "wb") as f:
        f.write(data)


def cpu_session(path, threads, profile_prefix=None):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.enable_mem_pattern = False  # as TRAINING_SESSION_DEFAULTS
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def timing_feeds(folder, family, rng):
    """A bench graph family's index, its token feeds plus random weights (and the initializer forward's
    weight file, written from the same generator)."""
    meta = json.load(open(os.path.join(folder, family + ".json")))
    feeds = read_tensors(os.path.join(folder, family + ".tokens.bin"), meta["tokens"])
    for w in meta["weights"]:
        feeds[w["name"]] = rng.normal(0, 0.02, w["shape"]).astype(np.float32)
    write_external_weights(folder, meta, rng)
    return feeds


def check_timing(folder, rounds=10, device_kind="cuda", threads=0):
    """Forward vs forward+backward times; on "cuda" with inputs and outputs bound on the GPU."""
    report = {}
    rng = np.random.default_rng(0)
    for meta_path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        family = os.path.basename(meta_path)[: -len(".json")]
        feeds = timing_feeds(folder, family, rng)
        device = {k: ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(v), device_kind, 0) for k, v in feeds.items()}
        runs = {}
        for mode in ("forward-initializers", "forward", "forward-backward"):
            path = os.path.join(folder, f"{family}.{mode}.onnx")
            session = cuda_session(path) if device_kind == "cuda" else cpu_session(path, threads)
            binding = session.io_binding()
            for k in (i.name for i in session.get_inputs()):
                binding.bind_ortvalue_input(k, device[k])
            for o in session.get_outputs():
                binding.bind_output(o.name, device_kind)
            for _ in range(3):
                session.run_with_iobinding(binding)
            runs[mode] = (session, binding, [])
        for _ in range(rounds):
            for mode, (session, binding, times) in runs.items():
                start = time.perf_counter()
                session.run_with_iobinding(binding)
                binding.synchronize_outputs()
                times.append(time.perf_counter() - start)
        where = "CUDA (TF32 default)" if device_kind == "cuda" else f"CPU EP, {threads or 'default'} threads"
        fb_times = runs["forward-backward"][2]
        report[family] = {}
        for forward in ("forward-initializers", "forward"):
            f, fb = min(runs[forward][2]), min(fb_times)
            paired = sorted(b / a for a, b in zip(runs[forward][2], fb_times))[rounds // 2]
            report[family][forward] = {"forward_s": f, "forward_backward_s": fb, "ratio_fastest": fb / f, "ratio_paired_median": paired}
            print(
                f"timing {family} 8x512 on {where}: {forward} {f * 1000:.1f} ms, forward+backward {fb * 1000:.1f} ms,"
                f" ratio {fb / f:.2f} (paired median {paired:.2f})"
            )
    return report


def profile_cpu(folder, family, threads):
    """Per-op-type time (ms) of the last of three runs of the bench's forward and forward+backward graphs on
    the CPU EP; the backward's nodes (names under grad/) marked with a leading "d"."""
    feeds = timing_feeds(folder, family, np.random.default_rng(0))
    out = {}
    for mode in ("forward-initializers", "forward-backward"):
        path = os.path.join(folder, f"{family}.{mode}.onnx")
        session = cpu_session(path, threads, f"/tmp/profile-{family}-{mode}")
        names = {i.name for i in session.get_inputs()}
        for _ in range(3):
            session.run(None, {k: v for k, v in feeds.items() if k in names})
        events = json.load(open(session.end_profiling()))
        runs = [i for i, e in enumerate(events) if e.get("name") == "model_run"]
        totals = collections.Counter()
        for e in events[runs[-2] + 1 if len(runs) > 1 else 0 :]:
            if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                op = ("d" if e["name"].startswith("grad/") else "") + e["args"].get("op_name", "?")
                totals[op] += e["dur"] / 1000
        out[mode] = totals
        top = ", ".join(f"{op} {ms:.0f}" for op, ms in totals.most_common(14))
        print(f"profile {family} {mode} ({threads} threads): total {sum(totals.values()):.0f} ms: {top}")
    return out


def main():
    graphs, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    env = {"onnxruntime": ort.__version__, "providers": ort.get_available_providers()}
    print(json.dumps(env))
    if "CUDAExecutionProvider" not in env["providers"]:
        print("no CUDAExecutionProvider in this onnxruntime: timing on the CPU EP only")
        if os.environ.get("PROFILE_ONLY"):
            for family in ("llama", "gpt2"):
                profile_cpu(os.path.join(graphs, "timing"), family, int(os.environ["PROFILE_ONLY"]))
            sys.exit(2)
        timing = {f"cpu-{n or 'default'}": check_timing(os.path.join(graphs, "timing"), 6, "cpu", n) for n in (0, 2)}
        json.dump({"env": env, "timing": timing}, open(os.path.join(out, "report.json"), "w"), indent=1)
        sys.exit(2)
    report = {"env": env, "exact": check_exact(os.path.join(graphs, "exact"), out), "timing": check_timing(os.path.join(graphs, "timing"))}
    json.dump(report, open(os.path.join(out, "report.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
