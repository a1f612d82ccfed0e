/**
 * Networks exported by torch.onnx.export (tests/fixtures/onnx/make_fixtures.py, PyTorch 1.13) imported into the
 * engine: outputs against PyTorch's (float64) within 1e-4 relative, input gradients (vector-Jacobian products)
 * within 1e-3, onnxruntime-node as a second oracle for the forward pass, and tensor counts flat. On the wasm
 * and cpu backends (their kernels differ). The CumSum network cannot be imported white-box; onnxruntime runs it.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src/main/engine/backend';
import { decodeNpy, type NpyArray } from '../../../../src/main/engine/io/npy';
import { UnsupportedOnnxError } from '../../../../src/main/engine/models/onnx/graph';
import { OnnxNetwork } from '../../../../src/main/engine/models/onnx/onnx-network';
import { OrtNetwork } from '../../../../src/main/engine/models/imported/ort-network';
import { maxRelDiff, ONNX_FIXTURES, runOrt } from './onnx-builder';

const FIXTURES = ONNX_FIXTURES;
const meta = JSON.parse(readFileSync(`${FIXTURES}fixtures.json`, 'utf8')) as {
  networks: Record<
    string,
    { opset: number; input: string; inputShape: number[]; outputShape: number[]; ops: string[] }
  >;
};
const npy = (name: string, what: string): NpyArray =>
  decodeNpy(readFileSync(`${FIXTURES}${name}.${what}.npy`), what);
const onnx = (name: string) => new Uint8Array(readFileSync(`${FIXTURES}${name}.onnx`));

/** [B,1,H,W] data is the engine's [B,H,W,1]. */
const engineShape = (s: number[]): [number, number, number, number] => [s[0], s[2], s[3], 1];

const WHITE_BOX = ['unet_bn', 'unet_in_resize', 'tconv_groups', 'sino_net'];

/** Measured errors, printed once (the closing note of issue 13 quotes them). */
const measured: string[] = [];

describe.each(['wasm', 'cpu'])('PyTorch-exported networks on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  for (const name of WHITE_BOX) {
    it(`${name}: output and input gradient match PyTorch; onnxruntime agrees`, async () => {
      const m = meta.networks[name];
      const x = npy(name, 'input');
      const ref = npy(name, 'output');
      const v = npy(name, 'cotangent');
      const vjp = npy(name, 'vjp');
      const before = tf.memory().numTensors;
      const net = OnnxNetwork.fromBytes(onnx(name), `${name}.onnx`);
      expect(net.provenance.opset).toBe(m.opset);
      expect(net.provenance.ops).toEqual(m.ops);
      const xt = tf.tensor4d(x.data, engineShape(x.shape));
      const vt = tf.tensor4d(v.data, engineShape(v.shape));
      const feeds = (t: tf.Tensor) => ({ [m.input]: t as tf.Tensor4D });
      const out = tf.tidy(() => net.run(feeds(xt)).dataSync() as Float32Array);
      const afterFirst = tf.memory().numTensors;
      const grad = tf.tidy(
        () =>
          tf
            .grad((t: tf.Tensor) => tf.sum(tf.mul(net.run(feeds(t)), vt)))(xt)
            .dataSync() as Float32Array,
      );
      // A second call of each leaves the count where the first left it (the first caches constants).
      tf.tidy(() => {
        net.run(feeds(xt));
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(net.run(feeds(t)), vt)))(xt);
      });
      expect(tf.memory().numTensors).toBe(afterFirst);

      const fwdErr = maxRelDiff(out, ref.data);
      const vjpErr = maxRelDiff(grad, vjp.data);
      expect(fwdErr, `${name} forward`).toBeLessThan(1e-4);
      expect(vjpErr, `${name} vector-Jacobian product`).toBeLessThan(1e-3);
      const [ortOut] = await runOrt(onnx(name), { [m.input]: { shape: x.shape, data: x.data } });
      const ortErr = maxRelDiff(out, ortOut.data);
      expect(ortErr, `${name} against onnxruntime`).toBeLessThan(1e-5);
      measured.push(
        `${backend} ${name}: forward ${fwdErr.toExponential(1)}, vjp ${vjpErr.toExponential(1)}, vs onnxruntime ${ortErr.toExponential(1)}`,
      );

      tf.dispose([xt, vt]);
      net.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('blackbox_cumsum: refused white-box naming the node; onnxruntime matches PyTorch', async () => {
    const name = 'blackbox_cumsum';
    expect(() => OnnxNetwork.fromBytes(onnx(name), `${name}.onnx`)).toThrow(UnsupportedOnnxError);
    expect(() => OnnxNetwork.fromBytes(onnx(name), `${name}.onnx`)).toThrow(
      /blackbox_cumsum\.onnx: 1 node cannot be imported into the differentiable engine: CumSum \(node "\/CumSum"\)/,
    );
    const x = npy(name, 'input');
    const before = tf.memory().numTensors;
    const net = await OrtNetwork.fromBytes(onnx(name), `${name}.onnx`, 0);
    const out = tf.tidy(
      () => net.run({ image: tf.tensor4d(x.data, engineShape(x.shape)) }).dataSync() as Float32Array,
    );
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const err = maxRelDiff(out, npy(name, 'output').data);
    expect(err).toBeLessThan(1e-4);
    measured.push(`${backend} ${name} (onnxruntime, black-box): forward ${err.toExponential(1)}`);
    if (backend === 'cpu') console.log(`max relative errors:\n  ${measured.join('\n  ')}`);
  });
});
