#!/usr/bin/env python3
"""bench-torch.py: the lesson workloads of `fathom-cli bench`, in PyTorch.

Runs on the GPU machine (torch and torchvision; see ../shared/GPU.md); it
is not part of the build or the tests. build-aux/gpu-check.sh runs it next
to `fathom-cli bench --device cuda --json`, in strict FP32 and with --tf32,
and prints the ratio table with --compare.

The same workloads, shapes and timing as compute/train/fathom-bench-workload.h:

  vgg16-features     torchvision vgg16().features (13 convs, 5 pools) on
                     3x360x640, batch 32, inference
  fcn-step           the lesson's FCN head F exactly as fathom-heads.c
                     builds "fcn" (below), on 512x22x40 features, 8
                     classes, batch 64: forward, cross-entropy, backward,
                     Adam
  gru-step           Embedding(86, 42) + GRU(42, 256) + Linear(256, 86) on
                     8-step sequences, batch 64, one Adam step (PyTorch's
                     GRU applies the reset gate after the recurrent product,
                     Keras and Fathom before it, and has a second bias of
                     768: the same cost)
  resnet50-features  torchvision resnet50 without avgpool and fc, 3x224x224,
                     batch 64, inference

Random weights (the modules' own initialisation), inputs uniform in
[-1, 1), classes and characters uniform: never all zeros. Each workload
runs --warmup untimed iterations, then --runs timed ones, each between two
CUDA events, and reports the median. Without --tf32 both TF32 switches are
off (strict FP32); with it both are on. cuDNN's autotuner stays off
(PyTorch's default) unless --cudnn-benchmark.

Prints one JSON object on stdout, the schema of fathom-bench-report.h with
"framework": "pytorch". Progress goes to stderr.

  bench-torch.py [--workload NAME[,NAME]|all] [--batch B] [--runs N]
                 [--warmup N] [--tf32] [--device cuda|cpu] [--out FILE]
  bench-torch.py --compare OURS.json TORCH.json [--compare ...]
                 prints: workload, precision, ours, PyTorch, ratio (ours /
                 PyTorch throughput); needs no torch. A file that is
                 missing or unreadable shows as "-" (the precision then
                 comes from "tf32" in the first name)
"""

import argparse
import json
import math
import statistics
import sys
import time
import traceback

WORKLOADS = {
    # name: (default batch, unit, mode, input)
    "vgg16-features": (32, "img/s", "inference", "3x360x640"),
    "fcn-step": (64, "samples/s", "train-step", "512x22x40"),
    "gru-step": (64, "chars/s", "train-step", "8x86"),
    "resnet50-features": (64, "img/s", "inference", "3x224x224"),
}
ORDER = ["vgg16-features", "fcn-step", "gru-step", "resnet50-features"]
SEQ_LEN = 8
VOCAB = 86


def log(message):
    print("bench-torch: " + message, file=sys.stderr, flush=True)


# ---- precision -----------------------------------------------------------------


def has_setting(obj, name):
    # torch.backends.cuda.matmul answers an unknown name with an
    # AssertionError (older releases), which hasattr() lets through.
    try:
        getattr(obj, name)
        return True
    except Exception:
        return False


def set_tf32(torch, enabled):
    """Both TF32 switches (matmul, cuDNN) on or off; returns the API used.

    PyTorch 2.9 and later have per-backend fp32_precision settings and warn
    about the old allow_tf32 flags (mixing the two is refused), so the new
    API is used where it exists."""
    mode = "tf32" if enabled else "ieee"
    matmul = torch.backends.cuda.matmul
    if has_setting(matmul, "fp32_precision"):
        matmul.fp32_precision = mode
        cudnn = torch.backends.cudnn
        for part in ("conv", "rnn"):
            sub = getattr(cudnn, part, None)
            if sub is not None and has_setting(sub, "fp32_precision"):
                sub.fp32_precision = mode
        return "fp32_precision=" + mode
    matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled
    return "allow_tf32=" + str(enabled)


# ---- models --------------------------------------------------------------------


def fcn_head(nn, n_classes=8, channels=512):
    """fathom-heads.c's "fcn": BN; three times Conv 3x3 same (128, relu), BN,
    MaxPool ((2,2), (2,2), (1,2)); Conv 3x3 same to the class maps;
    Dropout(0); global average pooling. Keras's BatchNormalization: eps 1e-3,
    momentum 0.99 (PyTorch's 0.01). The softmax is in the loss."""

    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    layers = [bn(channels)]
    in_ch = channels
    for pool in ((2, 2), (2, 2), (1, 2)):
        layers += [nn.Conv2d(in_ch, 128, 3, padding=1), nn.ReLU(), bn(128), nn.MaxPool2d(pool, pool)]
        in_ch = 128
    layers += [
        nn.Conv2d(128, n_classes, 3, padding=1),
        nn.Dropout(0.0),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    ]
    return nn.Sequential(*layers)


def char_gru(nn):
    class CharGru(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, 42)
            self.gru = nn.GRU(42, 256, batch_first=True)
            self.logits = nn.Linear(256, VOCAB)

        def forward(self, x):
            h, _ = self.gru(self.embedding(x))
            return self.logits(h)

    return CharGru()


def uniform(torch, shape, device, gen):
    return torch.rand(shape, generator=gen, device="cpu").mul_(2).sub_(1).to(device)


def make_workload(name, batch, device, torch, nn, F, torchvision):
    """Returns a function running one iteration (and the model, kept alive)."""
    gen = torch.Generator().manual_seed(2017)
    if name == "vgg16-features":
        model = torchvision.models.vgg16(weights=None).features.to(device).eval()
        x = uniform(torch, (batch, 3, 360, 640), device, gen)

        def step():
            with torch.inference_mode():
                model(x)
            return None

        return step, model

    if name == "resnet50-features":
        full = torchvision.models.resnet50(weights=None)
        model = nn.Sequential(*list(full.children())[:-2]).to(device).eval()
        x = uniform(torch, (batch, 3, 224, 224), device, gen)

        def step():
            with torch.inference_mode():
                model(x)
            return None

        return step, model

    if name == "fcn-step":
        model = fcn_head(nn).to(device).train()
        x = uniform(torch, (batch, 512, 22, 40), device, gen)
        y = torch.randint(0, 8, (batch,), generator=gen).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return step, (model, opt)

    if name == "gru-step":
        model = char_gru(nn).to(device).train()
        x = torch.randint(0, VOCAB, (batch, SEQ_LEN), generator=gen).to(device)
        y = torch.randint(0, VOCAB, (batch, SEQ_LEN), generator=gen).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            opt.zero_grad(set_to_none=True)
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
            loss.backward()
            opt.step()
            return loss

        return step, (model, opt)

    raise ValueError("unknown workload " + name)


# ---- timing --------------------------------------------------------------------


def measure(torch, step, device, warmup, runs):
    last = None
    for _ in range(warmup):
        last = step()
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
    times = []
    for _ in range(max(runs, 1)):
        if cuda:
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            last = step()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1e3)
        else:
            t0 = time.perf_counter()
            last = step()
            times.append(time.perf_counter() - t0)
    loss = float(last.item()) if last is not None else None
    return times, loss


def run_one(name, batch, args, torch, nn, F, torchvision):
    default_batch, unit, mode, shape = WORKLOADS[name]
    batch = batch or default_batch
    log("%s, batch %d on %s: %d warm-up, %d timed runs" % (name, batch, args.device, args.warmup, args.runs))
    try:
        step, keep = make_workload(name, batch, args.device, torch, nn, F, torchvision)
        times, loss = measure(torch, step, args.device, args.warmup, args.runs)
        del step, keep
    except Exception as e:  # one workload failing (out of memory) must not stop the others
        traceback.print_exc(file=sys.stderr)
        return {"workload": name, "batch": batch, "error": "%s: %s" % (type(e).__name__, e)}
    finally:
        if args.device.startswith("cuda"):
            torch.cuda.empty_cache()
    median = statistics.median(times)
    items = batch * (SEQ_LEN if name == "gru-step" else 1)
    row = {
        "workload": name,
        "batch": batch,
        "input": shape,
        "mode": mode,
        "warmup": args.warmup,
        "runs": len(times),
        "median_ms": median * 1e3,
        "min_ms": min(times) * 1e3,
        "max_ms": max(times) * 1e3,
        "throughput": items / median,
        "unit": unit,
    }
    if mode == "train-step":
        row["loss"] = loss if loss is not None and math.isfinite(loss) else "not finite"
    return row


def run(args):
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torchvision
    except ImportError as e:
        log("PyTorch is not installed here (%s)" % e)
        return 3

    names = []
    for part in args.workload.split(","):
        part = part.strip()
        if part == "all":
            names += ORDER
        elif part in WORKLOADS:
            names.append(part)
        else:
            log("unknown workload %r (known: %s, all)" % (part, ", ".join(ORDER)))
            return 2
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        log("torch sees no CUDA device")
        return 1

    report = {
        "framework": "pytorch",
        "version": torch.__version__,
        "torchvision": torchvision.__version__,
        "device": args.device,
        "device_name": torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu",
        "tf32": bool(args.tf32),
        "results": [],
    }
    if args.device.startswith("cuda"):
        report["tf32_setting"] = set_tf32(torch, args.tf32)
        report["cudnn"] = torch.backends.cudnn.version()
        torch.backends.cudnn.benchmark = bool(args.cudnn_benchmark)
        report["cudnn_benchmark"] = bool(args.cudnn_benchmark)
    for name in names:
        report["results"].append(run_one(name, args.batch, args, torch, nn, F, torchvision))

    text = json.dumps(report, indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    sys.stdout.write(text)
    return 0 if all("error" not in r for r in report["results"]) else 1


# ---- the ratio table -------------------------------------------------------------


def load_json(path):
    # A file that is missing or empty is a part that did not run or failed:
    # its column shows "-", and the log says why.
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def by_workload(report):
    rows = {}
    for r in (report or {}).get("results", []):
        if isinstance(r, dict) and "workload" in r:
            rows[r["workload"]] = r
    return rows


def cell(row):
    if row is None:
        return "-"
    if "error" in row:
        return "failed"
    return "%.1f %s" % (row["throughput"], row.get("unit", ""))


def conv_cell(row):
    """Where our convolutions ran (fathom-cli bench's conv_path): cudnn, own, mixed, or -."""
    if row is None or "error" in row:
        return "-"
    return row.get("conv_path", "-")


def compare(pairs):
    print("%-18s %-9s %-20s %-20s %-6s %s" % ("workload", "precision", "ours", "PyTorch", "ratio", "our conv"))
    for ours_path, torch_path in pairs:
        ours, theirs = load_json(ours_path), load_json(torch_path)
        if ours and ours.get("convolutions"):
            print("(%s: our convolutions on %s)" % (ours_path, ours["convolutions"]))
        tf32 = (ours or theirs or {}).get("tf32")
        if tf32 is None:  # neither file could be read: go by the name
            tf32 = "tf32" in ours_path.lower()
        precision = "TF32" if tf32 else "FP32"
        a, b = by_workload(ours), by_workload(theirs)
        names = [n for n in ORDER if n in a or n in b] + sorted((set(a) | set(b)) - set(ORDER))
        for n in names or ORDER:
            ra, rb = a.get(n), b.get(n)
            ratio = "-"
            if ra and rb and "throughput" in ra and "throughput" in rb and rb["throughput"] > 0:
                ratio = "%.2f" % (ra["throughput"] / rb["throughput"])
            print("%-18s %-9s %-20s %-20s %-6s %s" % (n, precision, cell(ra), cell(rb), ratio, conv_cell(ra)))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description="The lesson workloads of fathom-cli bench, in PyTorch.")
    p.add_argument("--workload", default="all", help="NAME[,NAME] or all (default)")
    p.add_argument("--batch", type=int, default=0, help="every workload's batch (default: each one's own)")
    p.add_argument("--runs", type=int, default=20, help="timed runs, the median reported (default 20)")
    p.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    p.add_argument("--tf32", action="store_true", help="TF32 for matmul and cuDNN (default strict FP32)")
    p.add_argument("--device", default="cuda", help="cuda (default), or cpu to try the script")
    p.add_argument("--cudnn-benchmark", action="store_true", help="let cuDNN pick algorithms by timing")
    p.add_argument("--out", help="also write the JSON to this file")
    p.add_argument("--compare", nargs=2, action="append", metavar=("OURS", "TORCH"),
                   help="print the ratio table of two JSON files (repeatable); runs nothing")
    args = p.parse_args(argv)
    if args.compare:
        return compare(args.compare)
    if args.batch < 0 or args.runs < 1 or args.warmup < 0:
        p.error("--batch, --runs and --warmup must not be negative (runs at least 1)")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
