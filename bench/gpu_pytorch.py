#!/usr/bin/env python3
"""PyTorch counterpart of bench/gpu.ts, run on the same GPU in the same session.

    python3 bench/gpu_pytorch.py [--out FILE] [--seconds N] [--smoke] [--device cuda|cpu]

Measures, with torch.cuda.synchronize() around the timed steps:
- training throughput of the same CIFAR ResNets as src/models/resnet.ts (ResNet v1,
  option-A shortcuts: stride-2 subsampling and zero-padded channels; widths 16/32/64;
  batch norm; no conv bias; 10-class head), ResNet-20 and ResNet-56 at batch 128 and
  512, SGD with momentum 0.9 and LR 0.1, cross-entropy, random 32x32x3 images and labels,
  float32 (with cuDNN's default TF32 convolutions, and ResNet-20 at batch 128 also with
  TF32 off, as tfjs computes in plain float32);
- the filter gradient (torch.nn.grad.conv2d_weight) against the forward convolution, on
  the shapes of bench/gpu.ts's `filtergrad` part.

Each measurement has a time cap, the whole run `--seconds`; results are written to the
JSON file after each one, so a run that is stopped keeps what it measured.
Writes $OUT/gpu/pytorch.json by default.
"""
import argparse
import json
import os
import platform
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class PadShortcut(nn.Module):
    """Option A: x[:, :, ::s, ::s] with the channels zero-padded, half before and half after."""

    def __init__(self, channels, stride):
        super().__init__()
        self.channels = channels
        self.stride = stride

    def forward(self, x):
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        extra = self.channels - x.shape[1]
        if extra <= 0:
            return x
        before = extra // 2
        return F.pad(x, (0, 0, 0, 0, before, extra - before))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = PadShortcut(cout, stride) if (stride != 1 or cin != cout) else nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNetCifar(nn.Module):
    def __init__(self, depth, width=16, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        layers = []
        cin = width
        for stage, cout in enumerate([width, 2 * width, 4 * width]):
            for b in range(n):
                stride = 2 if (stage > 0 and b == 0) else 1
                layers.append(Block(cin, cout, stride))
                cin = cout
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(cin, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


DEVICE = "cuda"


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def throughput(depth, batch, steps, warmup, cap_s, size=32, width=16):
    torch.manual_seed(0)
    model = ResNetCifar(depth, width).to(DEVICE)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(batch, 3, size, size, device=DEVICE)
    y = torch.randint(0, 10, (batch,), device=DEVICE)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    warm = []
    for _ in range(warmup):
        t0 = time.perf_counter()
        step()
        sync()
        warm.append(round((time.perf_counter() - t0) * 1000, 2))
    times = []
    start = time.perf_counter()
    # Steps are timed one by one, each ending with a synchronize (as tfjs's trainOnBatch
    # reads its loss every step), and in one timed run of `steps` steps.
    while len(times) < steps and (not times or time.perf_counter() - start < cap_s):
        t0 = time.perf_counter()
        loss = step()
        loss.item()
        times.append((time.perf_counter() - t0) * 1000)
    sync()
    t0 = time.perf_counter()
    for _ in range(len(times)):
        step()
    sync()
    pipelined = (time.perf_counter() - t0) * 1000 / len(times)
    mean = sum(times) / len(times)
    return {
        "model": "resnet%d" % depth,
        "batch": batch,
        "parameters": sum(p.numel() for p in model.parameters()),
        "warmupMs": warm,
        "stepMs": [round(t, 3) for t in times],
        "meanStepMs": round(mean, 3),
        "imagesPerSecond": round(batch * 1000 / mean, 1),
        "pipelinedStepMs": round(pipelined, 3),
        "pipelinedImagesPerSecond": round(batch * 1000 / pipelined, 1),
    }


def time_op(op, reps):
    for _ in range(3):
        op()
    sync()
    t0 = time.perf_counter()
    for _ in range(reps):
        op()
    sync()
    return (time.perf_counter() - t0) * 1000 / reps


def filter_grad(shape, k, cout, stride, reps):
    n, h, w, cin = shape
    x = torch.randn(n, cin, h, w, device=DEVICE)
    wt = torch.randn(cout, cin, k, k, device=DEVICE) * 0.1
    pad = k // 2
    out = F.conv2d(x, wt, stride=stride, padding=pad)
    dy = torch.randn_like(out)
    fwd = time_op(lambda: F.conv2d(x, wt, stride=stride, padding=pad), reps)
    dgrad = time_op(lambda: torch.nn.grad.conv2d_input(x.shape, wt, dy, stride=stride, padding=pad), reps)
    wgrad = time_op(lambda: torch.nn.grad.conv2d_weight(x, wt.shape, dy, stride=stride, padding=pad), reps)
    return {
        "shape": "%s k%d s%d -> %d" % ("x".join(str(d) for d in shape), k, stride, cout),
        "forwardMs": round(fwd, 4),
        "inputGradMs": round(dgrad, 4),
        "filterGradMs": round(wgrad, 4),
        "filterGradOverForward": round(wgrad / fwd, 3),
    }


def main():
    p = argparse.ArgumentParser()
    default_out = os.path.join(os.environ.get("OUT", "runs"), "gpu", "pytorch.json")
    p.add_argument("--out", default=default_out)
    p.add_argument("--seconds", type=float, default=80)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"], help="cpu: to check the script on a machine without a GPU")
    a = p.parse_args()
    global DEVICE
    DEVICE = a.device
    t_start = time.perf_counter()
    if DEVICE == "cuda" and not torch.cuda.is_available():
        print("gpu_pytorch: no CUDA device", file=sys.stderr)
        sys.exit(1)
    torch.backends.cudnn.benchmark = True
    doc = {
        "benchmark": "PyTorch on the same GPU: ResNet training throughput and conv filter gradient",
        "device": torch.cuda.get_device_name(0) if DEVICE == "cuda" else "cpu: " + platform.processor(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "python": platform.python_version(),
        "cudnnBenchmark": True,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "throughput": [],
        "filterGrad": [],
        "errors": [],
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)

    def save():
        doc["seconds"] = round(time.perf_counter() - t_start, 1)
        with open(a.out, "w") as f:
            json.dump(doc, f, indent=2)

    def left():
        return a.seconds - (time.perf_counter() - t_start)

    if a.smoke:
        runs = [(8, 4, True)]
        shapes = [((4, 8, 8, 4), 3, 4, 1)]
        steps, warmup, cap, reps = 3, 1, 5, 3
    else:
        runs = [(20, 128, True), (20, 128, False), (20, 512, True), (56, 128, True), (56, 512, True)]
        shapes = [
            ((128, 32, 32, 16), 3, 16, 1),
            ((128, 16, 16, 32), 3, 32, 1),
            ((128, 8, 8, 64), 3, 64, 1),
            ((512, 32, 32, 16), 3, 16, 1),
            ((128, 32, 32, 3), 3, 16, 1),
            ((128, 32, 32, 16), 3, 32, 2),
            ((128, 16, 16, 32), 3, 64, 2),
        ]
        steps, warmup, cap, reps = 50, 5, 6, 50
    for depth, batch, tf32 in runs:
        if left() < 8:
            doc["errors"].append("out of time before resnet%d batch %d" % (depth, batch))
            break
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = False
        try:
            r = throughput(depth, batch, steps, warmup, min(cap, left() / 2), **({"size": 8, "width": 4} if a.smoke else {}))
            r["tf32Convolutions"] = tf32
            doc["throughput"].append(r)
            print("pytorch %s batch %d tf32=%s: %.2f ms/step, %.0f img/s (pipelined %.0f img/s)"
                  % (r["model"], batch, tf32, r["meanStepMs"], r["imagesPerSecond"], r["pipelinedImagesPerSecond"]), file=sys.stderr)
        except Exception as e:  # keep going: one failure must not lose the rest
            doc["errors"].append("resnet%d batch %d: %r" % (depth, batch, e))
        save()
    torch.backends.cudnn.allow_tf32 = False
    for shape, k, cout, stride in shapes:
        if left() < 3:
            doc["errors"].append("out of time before filter gradient %s" % (shape,))
            break
        try:
            r = filter_grad(shape, k, cout, stride, reps)
            r["tf32Convolutions"] = False
            doc["filterGrad"].append(r)
            print("pytorch filter grad %s: forward %.3f ms, filter grad %.3f ms" % (r["shape"], r["forwardMs"], r["filterGradMs"]), file=sys.stderr)
        except Exception as e:
            doc["errors"].append("filter gradient %s: %r" % (shape, e))
        save()
    save()
    print("gpu_pytorch: wrote %s" % a.out, file=sys.stderr)


if __name__ == "__main__":
    main()
