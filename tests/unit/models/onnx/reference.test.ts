/**
 * The index-heavy ops against plain float64 loops written from the ONNX operator definitions
 * (reference-ops.ts): an oracle independent of both tfjs and onnxruntime.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/main/engine/backend';
import { randn } from '../../helpers/arrays';
import { maxRelDiff, modelBytes, runImported, singleOp, type Attr } from './onnx-builder';
import {
  convRef,
  convTransposeRef,
  groupNormRef,
  poolRef,
  resizeLinearHalfPixelRef,
  type Nd,
} from './reference-ops';

const nd = (seed: string, shape: number[]): Nd => ({
  shape,
  data: Float64Array.from(
    randn(
      seed,
      shape.reduce((a, b) => a * b, 1),
    ),
  ),
});
const f32 = (a: Nd) => ({ shape: a.shape, data: Float32Array.from(a.data) });
const IS = (v: number[]): Attr => ({ ints: v });

function check(
  op: string,
  inputs: Nd[],
  attrs: Record<string, Attr>,
  ref: Nd,
  o: { opset?: number; extra?: { shape: number[]; data: number[] }[] } = {},
): void {
  const spec = singleOp(
    op,
    [
      { shape: inputs[0].shape },
      ...inputs.slice(1).map((t) => ({ shape: t.shape, data: Array.from(t.data) })),
      ...(o.extra ?? []),
    ],
    attrs,
    { opset: o.opset },
  );
  for (const nhwc of [false, true]) {
    const [got] = runImported(modelBytes(spec), { x0: f32(inputs[0]) }, nhwc);
    expect(got.shape).toEqual(ref.shape);
    expect(maxRelDiff(got.data, ref.data), `${op} (nhwc ${nhwc})`).toBeLessThan(1e-5);
  }
}

describe('ONNX ops against hand-written references', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('Conv: groups, dilations, strides, asymmetric pads', () => {
    const x = nd('x', [2, 4, 9, 8]);
    for (const [group, dil, strides, pads] of [
      [1, [1, 1], [1, 1], [0, 0, 0, 0]],
      [2, [2, 1], [2, 1], [1, 2, 0, 1]],
      [4, [1, 2], [1, 2], [2, 1, 2, 1]],
    ] as [number, [number, number], [number, number], [number, number, number, number]][]) {
      const w = nd(`w${group}`, [4, 4 / group, 3, 2]);
      const b = nd(`b${group}`, [4]);
      check(
        'Conv',
        [x, w, b],
        { group: { i: group }, dilations: IS(dil), strides: IS(strides), pads: IS(pads) },
        convRef(x, w, b.data, { group, dilations: dil, strides, pads }),
      );
    }
  });

  it('ConvTranspose: groups, dilations, strides, pads, output_padding', () => {
    const x = nd('x', [2, 4, 5, 6]);
    for (const [group, dil, strides, pads, op] of [
      [1, [1, 1], [2, 2], [1, 1, 1, 1], [1, 1]],
      [2, [2, 1], [2, 3], [0, 2, 1, 0], [1, 2]],
      [4, [1, 1], [1, 1], [0, 0, 0, 0], [0, 0]],
    ] as [number, [number, number], [number, number], [number, number, number, number], [number, number]][]) {
      const w = nd(`w${group}`, [4, group === 4 ? 1 : 3, 3, 3]);
      const b = nd(`b${group}`, [w.shape[1] * group]);
      check(
        'ConvTranspose',
        [x, w, b],
        {
          group: { i: group },
          dilations: IS(dil),
          strides: IS(strides),
          pads: IS(pads),
          output_padding: IS(op),
        },
        convTransposeRef(x, w, b.data, { group, dilations: dil, strides, pads, outputPadding: op }),
      );
    }
  });

  it('AveragePool with and without counting padding; MaxPool with padding', () => {
    const x = nd('x', [1, 3, 7, 5]);
    const pads: [number, number, number, number] = [1, 2, 1, 0];
    const attrs = { kernel_shape: IS([3, 3]), strides: IS([2, 1]), pads: IS(pads) };
    check('AveragePool', [x], attrs, poolRef(x, [3, 3], [2, 1], pads, 'avg'));
    check(
      'AveragePool',
      [x],
      { ...attrs, count_include_pad: { i: 1 } },
      poolRef(x, [3, 3], [2, 1], pads, 'avg-include-pad'),
    );
    check('MaxPool', [x], attrs, poolRef(x, [3, 3], [2, 1], pads, 'max'));
  });

  it('Resize linear half_pixel', () => {
    const x = nd('x', [1, 2, 5, 4]);
    check('Resize', [x], { mode: { s: 'linear' } }, resizeLinearHalfPixelRef(x, [2, 3]), {
      extra: [
        { shape: [0], data: [] },
        { shape: [4], data: [1, 1, 2, 3] },
      ],
    });
  });

  it('GroupNormalization', () => {
    const x = nd('x', [2, 6, 4, 3]);
    const s = nd('s', [6]);
    const b = nd('b', [6]);
    check(
      'GroupNormalization',
      [x, s, b],
      { num_groups: { i: 3 }, epsilon: { f: 1e-5 } },
      groupNormRef(x, 3, s.data, b.data, 1e-5),
      { opset: 21 },
    );
  });
});
