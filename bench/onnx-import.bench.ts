/**
 * Issue 13's benchmark: the FBPConvNet U-Net (paper preset: 64 base channels, 4 poolings, 2 convs per block;
 * src/main/engine/models/unet.ts) built natively as a tf.layers model, against the same network exported from
 * PyTorch to ONNX (bench/py/export_unet_onnx.py: PresetUnet with the native model's weights, torch.onnx.export
 * opset 13) and imported by the engine (models/onnx). Goal: forward and input gradient within 1.2x of native.
 *
 * First both run on the same input and their outputs and input gradients are compared (same network, so they
 * agree to float32 rounding). Then R rounds of [imported, native] per workload (interleaved, so both see the
 * same machine load), medians and the fastest run; the load average is printed next to every row (the machine
 * is shared). Batch 1 at N x N.
 *
 * Env: CT_AUDIT_BACKEND; CT_AUDIT_BENCH_ONNX_SIZE (N, default 512); CT_AUDIT_BENCH_REPEATS (rounds, default 3);
 * CT_AUDIT_BENCH_ONNX_PRESET (paper | small | tiny, default paper); CT_AUDIT_BENCH_ONNX_GRAD=0: forward only.
 * The wasm backend's heap is 4 GiB: the input gradient of the paper U-Net at 512 x 512 (both models loaded,
 * every activation kept for the backward pass) does not fit in it, so at that size run forward only and time
 * the gradient at 256 x 256.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../src/main/engine/backend';
import { encodeNpy } from '../src/main/engine/io/npy';
import { buildResidualUnet, FBPCONVNET_PRESETS, type FbpConvNetPresetName } from '../src/main/engine/models';
import { OnnxNetwork } from '../src/main/engine/models/onnx/onnx-network';
import { createRng } from '../src/main/engine/random';
import { findPython, fmtMs, fmtRatio, peakRssMb, printTable } from './harness';

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

/** Random batch-norm statistics and head (the native model starts with moving stats 0/1 and a zero head). */
function randomizeUnet(unet: tf.LayersModel, seed: string): void {
  const rng = createRng(seed);
  for (const layer of unet.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    const isBn = layer.getClassName() === 'BatchNormalization';
    const isHead = layer.name === 'head';
    if (!isBn && !isHead) continue;
    const next = ws.map((w, i) => {
      const v = rng.fillNormal(new Float32Array(w.size));
      if (isBn && i === 3)
        for (let k = 0; k < v.length; k++) v[k] = 0.5 + Math.abs(v[k]); // variance > 0
      else for (let k = 0; k < v.length; k++) v[k] *= isBn ? 0.1 : 0.01;
      if (isBn && i === 0) for (let k = 0; k < v.length; k++) v[k] += 1; // gamma near 1
      return tf.tensor(v, w.shape);
    });
    layer.setWeights(next);
    tf.dispose(next);
  }
}

export async function run(): Promise<void> {
  const info = await initBackend();
  const N = Number(process.env.CT_AUDIT_BENCH_ONNX_SIZE ?? 512);
  const rounds = Number(process.env.CT_AUDIT_BENCH_REPEATS ?? 3);
  const presetName = (process.env.CT_AUDIT_BENCH_ONNX_PRESET ?? 'paper') as FbpConvNetPresetName;
  const preset = FBPCONVNET_PRESETS[presetName];
  const python = findPython(['torch', 'onnx', 'numpy']);
  if (!python) {
    console.log(
      'onnx-import: skipped, no python3 with torch and onnx (Debian: apt-get install -y python3-torch python3-onnx)',
    );
    return;
  }
  console.log(
    `backend ${info.backend}${info.wasm ? ` (simd ${info.wasm.simd}, threads ${info.wasm.threadCount})` : ''}; ` +
      `U-Net ${presetName} (${preset.baseChannels} base channels, depth ${preset.depth}), batch 1 at ${N}x${N}; load ${loadavg()}`,
  );

  const native = buildResidualUnet({ ...preset, size: N, bnMomentum: 0.9 }, 'bench-onnx');
  randomizeUnet(native, 'bench-onnx-weights');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ct-audit-onnx-bench-'));
  try {
    for (const w of native.weights) {
      const t = w.read();
      writeFileSync(
        path.join(dir, `${w.originalName.replace(/\//g, '__')}.npy`),
        encodeNpy(t.dataSync() as Float32Array, t.shape),
      );
    }
    writeFileSync(path.join(dir, 'size.npy'), encodeNpy(Float32Array.of(N), []));
    const onnxFile = path.join(dir, 'unet.onnx');
    const script = fileURLToPath(new URL('./py/export_unet_onnx.py', import.meta.url));
    const t0 = performance.now();
    execFileSync(
      python,
      [
        script,
        dir,
        onnxFile,
        String(preset.baseChannels),
        String(preset.depth),
        String(preset.convsPerBlock),
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        timeout: 600_000,
      },
    );
    const exportMs = performance.now() - t0;
    const bytes = readFileSync(onnxFile);
    const t1 = performance.now();
    const imported = OnnxNetwork.fromBytes(bytes, 'unet.onnx');
    const importMs = performance.now() - t1;
    console.log(
      `torch.onnx.export ${fmtMs(exportMs)} ms, ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${imported.parameterCount} parameters ` +
        `(native ${native.countParams()}), ops ${imported.provenance.ops.join(' ')}; import ${fmtMs(importMs)} ms`,
    );

    const x = tf.tensor4d(createRng('bench-x').fillNormal(new Float32Array(N * N)), [1, N, N, 1]);
    const v = tf.tensor4d(createRng('bench-v').fillNormal(new Float32Array(N * N)), [1, N, N, 1]);
    const fwd = {
      imported: () => tf.tidy(() => imported.run({ image: x }).dataSync()),
      native: () => tf.tidy(() => (native.apply(x, { training: false }) as tf.Tensor).dataSync()),
    };
    const grad = {
      imported: () =>
        tf.tidy(() =>
          tf
            .grad((t: tf.Tensor) => tf.sum(tf.mul(imported.run({ image: t as tf.Tensor4D }), v)))(x)
            .dataSync(),
        ),
      native: () =>
        tf.tidy(() =>
          tf
            .grad((t: tf.Tensor) => tf.sum(tf.mul(native.apply(t, { training: false }) as tf.Tensor, v)))(x)
            .dataSync(),
        ),
    };
    const withGrad = process.env.CT_AUDIT_BENCH_ONNX_GRAD !== '0';
    // Same network: outputs and input gradients agree to float32 rounding.
    const fErr = maxRel(fwd.imported(), fwd.native());
    const gErr = withGrad ? maxRel(grad.imported(), grad.native()) : NaN;
    console.log(
      `cross-check: max |imported - native| / max |native|: forward ${fErr.toExponential(2)}` +
        (withGrad ? `, input gradient ${gErr.toExponential(2)}` : ''),
    );

    const rows: (string | number)[][] = [];
    const workloads = withGrad
      ? ([
          ['forward', fwd],
          ['input gradient', grad],
        ] as const)
      : ([['forward', fwd]] as const);
    for (const [name, w] of workloads) {
      const times = { imported: [] as number[], native: [] as number[] };
      const loads: string[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const side of ['imported', 'native'] as const) {
          const t = performance.now();
          w[side]();
          times[side].push(performance.now() - t);
        }
        loads.push(loadavg().split(' ')[0]);
      }
      rows.push([
        name,
        fmtMs(median(times.imported)),
        fmtMs(median(times.native)),
        fmtRatio(median(times.imported) / median(times.native)),
        fmtMs(Math.min(...times.imported)),
        fmtMs(Math.min(...times.native)),
        fmtRatio(Math.min(...times.imported) / Math.min(...times.native)),
        loads.join(' '),
      ]);
    }
    printTable(
      `imported ONNX vs native tf.layers, ${presetName} U-Net, batch 1, ${N}x${N} (${rounds} interleaved rounds; first call of each was the cross-check)`,
      [
        'workload',
        'imported ms',
        'native ms',
        'ratio',
        'imported min',
        'native min',
        'ratio (min)',
        'load avg per round',
      ],
      rows,
    );
    console.log(
      `peak RSS ${peakRssMb().toFixed(0)} MiB; tensors held by the imported graph ${imported.numTensors}`,
    );
    tf.dispose([x, v]);
    imported.dispose();
    native.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
