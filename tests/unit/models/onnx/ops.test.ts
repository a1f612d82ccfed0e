/**
 * Every op the importer maps, one small model each (built in the test, onnx-builder.ts), against
 * onnxruntime-node (the reference implementation of ONNX), with the inputs fed both in ONNX order and as
 * NHWC images; and its gradient against a central difference. Cases include what PyTorch fixtures do not:
 * asymmetric and SAME padding, opset 18-21 forms (GroupNormalization, Gelu, Resize axes, Pad axes / wrap),
 * strided and reversed Slice, ceil_mode pooling. A test fails when an op is added without a case here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src/main/engine/backend';
import { SUPPORTED_ONNX_OPS } from '../../../../src/main/engine/models/onnx/ops';
import { randn } from '../../helpers/arrays';
import { gradCheck, maxRelDiff, modelBytes, runImported, runOrt } from './onnx-builder';
import { CASES, size } from './op-cases';

const ORT_TOLERANCE = 2e-5;

it('has a case for every supported op', () => {
  const covered = new Set(CASES.flatMap((c) => c.spec.nodes.map((n) => n.op)));
  expect(SUPPORTED_ONNX_OPS.filter((op) => !covered.has(op))).toEqual([]);
});

// Both backends: tfjs kernels differ between them (the cpu backend's resizeNearestNeighbor gradient is wrong for
// batches > 1, which the importer therefore avoids).
describe.each(['wasm', 'cpu'])('ONNX ops against onnxruntime-node on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const bytes = modelBytes(c.spec);
      const before = tf.memory().numTensors;
      const ref = await runOrt(bytes, c.feeds);
      for (const nhwc of [false, true]) {
        const got = runImported(bytes, c.feeds, nhwc);
        expect(got.length).toBe(ref.length);
        got.forEach((g, k) => {
          expect(g.shape, `${c.name} output ${k} shape (nhwc ${nhwc})`).toEqual(ref[k].shape);
          expect(maxRelDiff(g.data, ref[k].data), `${c.name} output ${k} (nhwc ${nhwc})`).toBeLessThan(
            ORT_TOLERANCE,
          );
        });
      }
      const input = c.grad === undefined ? 'x0' : c.grad;
      if (input) {
        const out = ref[0];
        const v = randn(`v-${c.name}`, size(out.shape));
        const d = randn(`d-${c.name}`, size(c.feeds[input].shape));
        const n = Math.hypot(...d);
        const { analytic, numeric } = gradCheck(
          bytes,
          c.feeds,
          input,
          v,
          d.map((e) => e / n),
        );
        expect(
          Math.abs(analytic - numeric) / Math.max(1, Math.abs(numeric)),
          `${c.name}: <grad, d> ${analytic} vs ${numeric}`,
        ).toBeLessThan(1e-2);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
