#!/usr/bin/env python3
"""scikit-image peer for bench/radon.bench.ts: times skimage.transform.radon / iradon and measures their
accuracy on the arrays the TypeScript side wrote. Prints one JSON object on the last line of stdout.

Geometry match: parallel beam, theta_k = k * 180 / A degrees; radon(circle=False) pads the image to its
diagonal, ceil(sqrt(2) N) bins, the same detector count and centre as our default geometry when that count
is odd (N 256: 363, N 512: 725). iradon(filter_name='ramp', circle=False, output_size=N) is its FBP.

usage: radon_skimage.py --sizes 128,256,512 --views 143 --repeats 5 [--data DIR]
  DIR holds .npy files written by the bench (float32, C order):
    sl512.npy, sl512_analytic.npy, sl512_projected.npy   phantom [N,N], sinograms [A,D]
    blob256.npy, blob256_analytic.npy, sl256.npy, sl256_analytic.npy
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import skimage
from skimage.transform import iradon, radon


def timed(fn, repeats):
    fn()  # warm-up
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return {"median_ms": statistics.median(runs) * 1e3, "min_ms": min(runs) * 1e3, "runs_ms": [r * 1e3 for r in runs]}


def rel(a, ref):
    return float(np.linalg.norm(a - ref) / np.linalg.norm(ref))


def load(d, name):
    return np.load(os.path.join(d, name)).astype(np.float64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="128,256,512")
    p.add_argument("--views", type=int, default=143)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--data", default=None)
    a = p.parse_args()
    theta = np.arange(a.views) * 180.0 / a.views
    rng = np.random.default_rng(0)
    timings = []
    for n in [int(s) for s in a.sizes.split(",")]:
        img = rng.random((n, n))
        sino = radon(img, theta=theta, circle=False)
        t_radon = timed(lambda: radon(img, theta=theta, circle=False), a.repeats)
        t_iradon = timed(
            lambda: iradon(sino, theta=theta, output_size=n, filter_name="ramp", circle=False), a.repeats
        )
        timings.append({"size": n, "detectors": sino.shape[0], "radon": t_radon, "iradon": t_iradon})
    accuracy = {}
    if a.data:
        d = a.data
        if os.path.exists(os.path.join(d, "blob256.npy")):
            for name in ("blob256", "sl256"):
                ph = load(d, f"{name}.npy")
                ref = load(d, f"{name}_analytic.npy")
                s = radon(ph, theta=theta, circle=False).T
                accuracy[f"radon_{name}_rel_l2"] = rel(s, ref) if s.shape == ref.shape else None
        if os.path.exists(os.path.join(d, "sl512.npy")):
            ph = load(d, "sl512.npy")
            for kind in ("analytic", "projected"):
                s = load(d, f"sl512_{kind}.npy")
                r = iradon(s.T, theta=theta, output_size=ph.shape[0], filter_name="ramp", circle=False)
                accuracy[f"iradon_sl512_{kind}_rel_rmse"] = rel(r, ph)
            # scikit-image's own pipeline (its phantom resized to 512, its radon): the 0.124.
            from skimage.data import shepp_logan_phantom
            from skimage.transform import resize

            own = resize(shepp_logan_phantom(), ph.shape, anti_aliasing=False, order=1)
            r = iradon(radon(own, theta=theta, circle=False), theta=theta, output_size=ph.shape[0], circle=False)
            accuracy["iradon_skimage_pipeline_rel_rmse"] = rel(r, own)
            np.save(os.path.join(d, "skimage_phantom512.npy"), own.astype(np.float32))
    out = {
        "skimage": skimage.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "timings": timings,
        "accuracy": accuracy,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
