/**
 * One worker of bench/nets/batch-split.ts: its own tfjs wasm backend (single-threaded, with the project's
 * kernels) and its own copy of the benchmark net and Adam state, fed a slice of each batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, tf } from '../../src/main/engine/backend';
import { benchUnet, benchUnetShapes, benchUnetVariables, mseLoss } from './unet';

interface Slice {
  x: Float32Array;
  y: Float32Array;
  batch: number;
  size: number;
}

type Msg =
  ({ cmd: 'forward' | 'gradx' | 'grads' } & Slice) | { cmd: 'apply'; grads: Float32Array } | { cmd: 'quit' };

await initBackend({ backend: 'wasm' });
const p = benchUnetVariables(workerData.weights as Record<string, Float32Array>);
const names = Object.keys(benchUnetShapes());
const vars = names.map((k) => p[k]);
const opt: tf.Optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
const port = parentPort!;

port.on('message', (m: Msg) => {
  if (m.cmd === 'quit') {
    port.close();
    return;
  }
  if (m.cmd === 'apply') {
    // The averaged gradient of the whole batch, flat in `names` order: every worker takes the same step.
    tf.tidy(() => {
      let o = 0;
      const grads: Record<string, tf.Tensor> = {};
      for (const v of vars) {
        const n = v.size;
        grads[v.name] = tf.tensor(m.grads.subarray(o, o + n), v.shape);
        o += n;
      }
      opt.applyGradients(grads);
    });
    port.postMessage({ ok: true });
    return;
  }
  const x = tf.tensor4d(m.x, [m.batch, m.size, m.size, 1]);
  const y = tf.tensor4d(m.y, [m.batch, m.size, m.size, 1]);
  let out: Float32Array;
  if (m.cmd === 'forward') {
    out = tf.tidy(() => benchUnet(p, x).dataSync() as Float32Array);
  } else if (m.cmd === 'gradx') {
    out = tf.tidy(
      () =>
        tf
          .grad((xx: tf.Tensor) => mseLoss(benchUnet(p, xx as tf.Tensor4D), y))(x)
          .dataSync() as Float32Array,
    );
  } else {
    const { value, grads } = tf.variableGrads(() => mseLoss(benchUnet(p, x), y), vars);
    out = new Float32Array(vars.reduce((s, v) => s + v.size, 0));
    let o = 0;
    for (const v of vars) {
      out.set(grads[v.name].dataSync() as Float32Array, o);
      o += v.size;
    }
    tf.dispose([value, ...Object.values(grads)]);
  }
  tf.dispose([x, y]);
  port.postMessage({ out }, [out.buffer as ArrayBuffer]);
});
port.postMessage({ ready: true });
