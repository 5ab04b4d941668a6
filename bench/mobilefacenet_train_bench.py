#!/usr/bin/python3
"""Reference: the same MobileFaceNet + CosFace training step written the idiomatic PyTorch way.

Used by bench/train_bench.sh to compare the C++ engine's training throughput with Python
PyTorch (Debian's python3-torch, the same LibTorch version) at the same batch size, input size and
thread count. Reads a FedPilot packed face cache (written by `fedpilot-cli synth --cache`).

Run with Debian's interpreter: /usr/bin/python3 bench/mobilefacenet_train_bench.py --help
"""
import argparse
import json
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def read_cache(path):
    """Images (N,H,W,C uint8) and labels from the packed face cache (format version 1)."""
    with open(path, "rb") as f:
        header = f.read(128)
        magic, version, width, height, channels, count, classes = struct.unpack_from("<4sIIIIQI", header)
        if magic != b"FPFC" or version != 1:
            raise SystemExit(f"{path}: not a FedPilot face cache")
        images = np.frombuffer(f.read(count * height * width * channels), dtype=np.uint8)
        labels = np.frombuffer(f.read(count * 4), dtype=np.int32)
    return images.reshape(count, height, width, channels), labels


class FaceDataset(Dataset):
    """Per-sample transform, as torchvision-style pipelines do: to float, normalise, random flip."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = torch.from_numpy(self.images[i].copy()).permute(2, 0, 1).float().sub_(127.5).div_(127.5)
        if torch.rand(1).item() < 0.5:
            x = x.flip(2)
        return x, int(self.labels[i])


class ConvBn(nn.Module):
    def __init__(self, cin, cout, k, s, p, groups, act):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, p, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.prelu = nn.PReLU(cout) if act else None

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.prelu(x) if self.prelu is not None else x


class Bottleneck(nn.Module):
    def __init__(self, cin, cout, stride, expanded, residual):
        super().__init__()
        self.residual = residual
        self.expand = ConvBn(cin, expanded, 1, 1, 0, 1, True)
        self.depthwise = ConvBn(expanded, expanded, 3, stride, 1, expanded, True)
        self.project = ConvBn(expanded, cout, 1, 1, 0, 1, False)

    def forward(self, x):
        y = self.project(self.depthwise(self.expand(x)))
        return x + y if self.residual else y


class MobileFaceNet(nn.Module):
    """Same layers, widths and order as core/engine/src/backbones/MobileFaceNet.cpp."""

    def __init__(self, size=112, embedding=512):
        super().__init__()
        self.stem = ConvBn(3, 64, 3, 2, 1, 1, True)
        self.stem_dw = ConvBn(64, 64, 3, 1, 1, 64, True)
        blocks = []
        for cin, cout, stride, expanded, repeats, rexp in [(64, 64, 2, 128, 4, 128), (64, 128, 2, 256, 6, 256),
                                                           (128, 128, 2, 512, 2, 256)]:
            blocks.append(Bottleneck(cin, cout, stride, expanded, False))
            blocks += [Bottleneck(cout, cout, 1, rexp, True) for _ in range(repeats)]
        self.body = nn.Sequential(*blocks)
        self.sep = ConvBn(128, 512, 1, 1, 0, 1, True)
        self.gdc = ConvBn(512, 512, size // 16, 1, 0, 512, False)
        self.linear = nn.Linear(512, embedding, bias=False)
        self.features = nn.BatchNorm1d(embedding)

    def forward(self, x):
        x = self.body(self.stem_dw(self.stem(x)))
        return self.features(self.linear(self.gdc(self.sep(x)).flatten(1)))


def cosface(z, weight, labels, s=30.0, m=0.4):
    cosine = F.linear(z, F.normalize(weight)).clamp(-1, 1)
    logits = s * (cosine - m * F.one_hot(labels, cosine.size(1)))
    return F.cross_entropy(logits, labels)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", required=True, help="packed face cache (fedpilot-cli synth --cache)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--embedding", type=int, default=512)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images, labels = read_cache(args.cache)
    size = images.shape[1]
    model = MobileFaceNet(size, args.embedding)
    classes = int(labels.max()) + 1
    weight = nn.Parameter(torch.randn(classes, args.embedding) * 0.01)
    opt = torch.optim.SGD(list(model.parameters()) + [weight], lr=0.01, momentum=0.9, weight_decay=5e-4)
    loader = DataLoader(FaceDataset(images, labels), batch_size=args.batch, shuffle=True, drop_last=True)
    model.train()
    times, seen, step = [], 0, 0
    while step < args.warmup + args.steps:
        start = time.perf_counter()
        for x, y in loader:
            loss = cosface(F.normalize(model(x)), weight, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            now = time.perf_counter()
            if step > args.warmup:
                times.append(now - start)
                seen += x.size(0)
            start = now
            if step >= args.warmup + args.steps:
                break
    print(json.dumps({
        "images_per_s": seen / sum(times),
        "step_ms_mean": 1000 * sum(times) / len(times),
        "params": sum(p.numel() for p in model.parameters()),
        "device": "cpu", "threads": torch.get_num_threads(), "batch": args.batch, "size": size,
        "backbone": "mobilefacenet (python)", "torch_version": torch.__version__,
    }))


if __name__ == "__main__":
    main()
