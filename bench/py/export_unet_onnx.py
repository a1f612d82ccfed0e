#!/usr/bin/env python3
"""Exports the engine's FBPConvNet U-Net (PresetUnet of unet_torch.py, the same architecture as
src/main/engine/models/unet.ts) with the weights of a tfjs model to ONNX, as a researcher's torch.onnx.export
would, for bench/onnx-import.bench.ts.

    export_unet_onnx.py <weights dir> <out.onnx> <base channels> <depth> <convs per block>

The weights dir holds one .npy per tfjs weight, named like the weight with '/' as '__' (enc0_0_conv__kernel.npy,
enc0_0_bn__gamma.npy, ...), in tfjs layouts: conv kernels [k,k,in,out] -> torch [out,in,k,k]; transposed
conv kernels [k,k,out,in] -> torch [in,out,k,k]: the same permute (3, 2, 0, 1). Opset 13, dynamic batch.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet_torch import PresetUnet  # noqa: E402


def main():
    wdir, out, c, depth, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    net = PresetUnet(c, depth, k).eval()

    def w(name):
        return torch.from_numpy(np.load(os.path.join(wdir, name.replace("/", "__") + ".npy")))

    def conv(module, name):
        module.weight.copy_(w(f"{name}/kernel").permute(3, 2, 0, 1))

    def bn(module, name):
        module.weight.copy_(w(f"{name}/gamma"))
        module.bias.copy_(w(f"{name}/beta"))
        module.running_mean.copy_(w(f"{name}/moving_mean"))
        module.running_var.copy_(w(f"{name}/moving_variance"))

    def block(seq, prefix):
        for j in range(k):
            conv(seq[3 * j], f"{prefix}_{j}_conv")
            bn(seq[3 * j + 1], f"{prefix}_{j}_bn")

    with torch.no_grad():
        for i in range(depth):
            block(net.enc[i], f"enc{i}")
            block(net.dec[i], f"dec{i}")
            conv(net.up[i], f"up{i}_tconv")
            bn(net.up_bn[i], f"up{i}_bn")
        block(net.bottom, "bottom")
        net.head.weight.copy_(w("head/kernel").permute(3, 2, 0, 1))
        net.head.bias.copy_(w("head/bias"))
    n = int(np.load(os.path.join(wdir, "size.npy")))
    x = torch.zeros(1, 1, n, n)
    torch.onnx.export(
        net, x, out, opset_version=13, input_names=["image"], output_names=["out"],
        dynamic_axes={"image": {0: "batch"}, "out": {0: "batch"}},
    )
    print(out)


if __name__ == "__main__":
    main()
