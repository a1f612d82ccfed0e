#!/usr/bin/env python3
"""PyTorch peer for bench/unet.bench.ts: the same residual U-Net (bench/nets/unet.ts) and workloads on
PyTorch's CPU build, timed in this process.

It is a small server so that the bench can interleave its runs with ours (the machine is shared; load
changes over seconds): one JSON command per line on stdin, one JSON reply per line on stdout.
  {"cmd": "info"}                                   -> versions, threads, ISA
  {"cmd": "setup", "workload": W, "batch": B, "size": N, "threads": T[, "preset": [c, depth, convs]]}
                                                    (preset: the FBPConvNet U-Net with batch norm instead)
  {"cmd": "time", "runs": R, "threads": T}         -> {"runs_ms": [...], "cpu_ms": [...]} (wall, process CPU)
                                                       for the workload set up last
  {"cmd": "check", "dir": D}                        -> loads weights/x/y (.npy) written by the bench, writes
                                                       torch_out.npy, torch_gx.npy, torch_g_<param>.npy
  {"cmd": "rss"}                                    -> peak RSS of this process in MiB
  {"cmd": "quit"}
Workloads: "train" (Adam step on MSE: zero_grad, forward, backward, step), "forward" (no_grad),
"input_grad" (gradient of the MSE with respect to the input images, parameters frozen).

Layouts: tfjs conv filters [k,k,in,out] are torch [out,in,k,k]; tfjs conv2dTranspose filters [k,k,out,in]
are torch ConvTranspose2d [in,out,k,k]. TensorFlow's 'same' stride-2 transposed conv is the adjoint of a
conv padded 0 at the top/left and 1 at the bottom/right, i.e. the unpadded transposed conv (2h+1 rows)
cropped to its first 2h rows: ConvTranspose2d(padding=0) followed by a slice, as below.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LAYERS = [  # name, kind, k, in, out (bench/nets/unet.ts BENCH_UNET_LAYERS)
    ("enc1a", "conv", 3, 1, 16),
    ("enc1b", "conv", 3, 16, 16),
    ("enc2a", "conv", 3, 16, 32),
    ("enc2b", "conv", 3, 32, 32),
    ("mida", "conv", 3, 32, 64),
    ("midb", "conv", 3, 64, 64),
    ("up2", "tconv", 3, 64, 32),
    ("dec2a", "conv", 3, 64, 32),
    ("dec2b", "conv", 3, 32, 32),
    ("up1", "tconv", 3, 32, 16),
    ("dec1a", "conv", 3, 32, 16),
    ("dec1b", "conv", 3, 16, 16),
    ("head", "conv", 1, 16, 1),
]


class BenchUnet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleDict()
        for name, kind, k, cin, cout in LAYERS:
            if kind == "conv":
                self.layers[name] = nn.Conv2d(cin, cout, k, padding=k // 2)
            else:
                self.layers[name] = nn.ConvTranspose2d(cin, cout, k, stride=2, padding=0)

    def forward(self, x):
        L = self.layers
        n = x.shape[-1]

        def conv(t, name):
            return F.relu(L[name](t))

        def up(t, name, size):
            return L[name](t)[:, :, :size, :size]

        e1 = conv(conv(x, "enc1a"), "enc1b")
        e2 = conv(conv(F.max_pool2d(e1, 2), "enc2a"), "enc2b")
        m = conv(conv(F.max_pool2d(e2, 2), "mida"), "midb")
        d2 = conv(conv(torch.cat([up(m, "up2", n // 2), e2], 1), "dec2a"), "dec2b")
        d1 = conv(conv(torch.cat([up(d2, "up1", n), e1], 1), "dec1a"), "dec1b")
        return x + L["head"](d1)

    def load_tfjs(self, d):
        """Weights written by the bench as <layer>_w.npy / <layer>_b.npy in tfjs layouts."""
        with torch.no_grad():
            for name, kind, _, _, _ in LAYERS:
                w = torch.from_numpy(np.load(os.path.join(d, f"{name}_w.npy")))
                # conv: [k,k,in,out] -> [out,in,k,k]; tconv: [k,k,out,in] -> [in,out,k,k]: the same permute
                self.layers[name].weight.copy_(w.permute(3, 2, 0, 1))
                self.layers[name].bias.copy_(torch.from_numpy(np.load(os.path.join(d, f"{name}_b.npy"))))

    def tfjs_grad(self, name, part):
        """The gradient of parameter <name>_<part> in the tfjs layout."""
        p = getattr(self.layers[name], "weight" if part == "w" else "bias")
        g = p.grad
        return g.permute(2, 3, 1, 0).contiguous() if part == "w" else g


class PresetUnet(nn.Module):
    """The FBPConvNet U-Net of src/main/engine/models/unet.ts: [3x3 conv (no bias) + BN + ReLU] x k per level
    at c 2^i channels, 2x2 max-pool, bottom block at c 2^depth, 3x3 stride-2 transposed conv (no bias) + BN +
    ReLU, concat [up, skip], block; 1x1 head (with bias) plus the input. BN as tf.layers: eps 1e-3, moving
    averages with momentum 0.9 in tfjs's convention (0.1 in PyTorch's)."""

    def __init__(self, c, depth, k):
        super().__init__()

        def block(cin, cout):
            layers = []
            for j in range(k):
                layers += [
                    nn.Conv2d(cin if j == 0 else cout, cout, 3, padding=1, bias=False),
                    nn.BatchNorm2d(cout, eps=1e-3, momentum=0.1),
                    nn.ReLU(),
                ]
            return nn.Sequential(*layers)

        self.depth = depth
        self.enc = nn.ModuleList([block(1 if i == 0 else c * 2 ** (i - 1), c * 2**i) for i in range(depth)])
        self.bottom = block(c * 2 ** (depth - 1) if depth else 1, c * 2**depth)
        self.up = nn.ModuleList(
            [nn.ConvTranspose2d(c * 2 ** (i + 1), c * 2**i, 3, stride=2, padding=0, bias=False) for i in range(depth)]
        )
        self.up_bn = nn.ModuleList([nn.BatchNorm2d(c * 2**i, eps=1e-3, momentum=0.1) for i in range(depth)])
        self.dec = nn.ModuleList([block(c * 2 ** (i + 1), c * 2**i) for i in range(depth)])
        self.head = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        skips = []
        t = x
        for i in range(self.depth):
            t = self.enc[i](t)
            skips.append(t)
            t = F.max_pool2d(t, 2)
        t = self.bottom(t)
        for i in reversed(range(self.depth)):
            n = skips[i].shape[-1]
            u = F.relu(self.up_bn[i](self.up[i](t)[:, :, :n, :n]))
            t = self.dec[i](torch.cat([u, skips[i]], 1))
        return x + self.head(t)


class Peer:
    def __init__(self):
        torch.manual_seed(0)
        self.net = BenchUnet()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3, eps=1e-7)
        self.fn = None

    def setup(self, workload, batch, size, preset=None):
        g = torch.Generator().manual_seed(1)
        x = torch.randn(batch, 1, size, size, generator=g)
        y = torch.randn(batch, 1, size, size, generator=g)
        if preset:
            net = PresetUnet(*preset)
            opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
            net.train(workload == "train")
        else:
            net, opt = self.net, self.opt
        for p in net.parameters():
            p.requires_grad_(workload == "train")

        if workload == "train":

            def fn():
                opt.zero_grad(set_to_none=True)
                loss = F.mse_loss(net(x), y)
                loss.backward()
                opt.step()

        elif workload == "forward":

            def fn():
                with torch.no_grad():
                    net(x)

        elif workload == "input_grad":

            def fn():
                xx = x.clone().requires_grad_(True)
                loss = F.mse_loss(net(xx), y)
                (gx,) = torch.autograd.grad(loss, [xx])
                return gx

        else:
            raise ValueError(f"unknown workload {workload}")
        self.fn = fn

    def time(self, runs):
        wall, cpu = [], []
        for _ in range(runs):
            c0 = time.process_time()
            t0 = time.perf_counter()
            self.fn()
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
        return wall, cpu

    def check(self, d):
        net = BenchUnet()
        net.load_tfjs(d)
        x = torch.from_numpy(np.load(os.path.join(d, "x.npy"))).permute(0, 3, 1, 2).contiguous()
        y = torch.from_numpy(np.load(os.path.join(d, "y.npy"))).permute(0, 3, 1, 2).contiguous()
        xx = x.clone().requires_grad_(True)
        out = net(xx)
        loss = F.mse_loss(out, y)
        loss.backward()
        np.save(os.path.join(d, "torch_out.npy"), out.detach().permute(0, 2, 3, 1).contiguous().numpy())
        np.save(os.path.join(d, "torch_gx.npy"), xx.grad.permute(0, 2, 3, 1).contiguous().numpy())
        for name, _, _, _, _ in LAYERS:
            for part in ("w", "b"):
                np.save(os.path.join(d, f"torch_g_{name}_{part}.npy"), net.tfjs_grad(name, part).numpy())
        return {"loss": float(loss)}


def isa():
    try:
        return torch.backends.cpu.get_cpu_capability()
    except AttributeError:
        return None


def main():
    peer = Peer()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        c = json.loads(line)
        cmd = c.get("cmd")
        try:
            if "threads" in c:
                torch.set_num_threads(int(c["threads"]))
            if cmd == "info":
                r = {
                    "torch": torch.__version__,
                    "python": sys.version.split()[0],
                    "threads": torch.get_num_threads(),
                    "mkldnn": torch.backends.mkldnn.is_available(),
                    "cpu_capability": isa(),
                }
            elif cmd == "setup":
                peer.setup(c["workload"], int(c["batch"]), int(c["size"]), c.get("preset"))
                r = {"ok": True}
            elif cmd == "time":
                wall, cpu = peer.time(int(c.get("runs", 1)))
                r = {"runs_ms": wall, "cpu_ms": cpu}
            elif cmd == "check":
                r = peer.check(c["dir"])
            elif cmd == "rss":
                r = {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
            elif cmd == "quit":
                print(json.dumps({"ok": True}), flush=True)
                return
            else:
                r = {"error": f"unknown command {cmd}"}
        except Exception as e:  # reported to the bench, which prints it
            r = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
