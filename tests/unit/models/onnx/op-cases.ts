/**
 * The single-op (and short-chain) models of ops.test.ts: per op, the cases where its attribute handling and
 * layouts differ (padding kinds, groups, opsets, modes), each with seeded inputs.
 */
import { randn } from '../../helpers/arrays';
import { singleOp, type Attr, type Feed, type ModelSpec } from './onnx-builder';

export interface OpCase {
  name: string;
  spec: ModelSpec;
  feeds: Record<string, Feed>;
  /** Runtime input to differentiate (default x0 when it is fed); null: not differentiable (shape ops). */
  grad?: string | null;
}

export const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const feed = (seed: string, shape: number[], positive = false): Feed => {
  const d = randn(seed, size(shape));
  return { shape, data: positive ? d.map((v) => Math.abs(v) + 0.5) : d };
};
const rt = (shape: number[]) => ({ shape });
const cst = (seed: string, shape: number[], positive = false) => ({
  shape,
  data: feed(seed, shape, positive).data,
});
const ints = (shape: number[], data: number[]) => ({ shape, data, dtype: 'int64' as const });
const I = (i: number): Attr => ({ i });
const F = (f: number): Attr => ({ f });
const S = (s: string): Attr => ({ s });
const IS = (v: number[]): Attr => ({ ints: v });

const X = [2, 3, 7, 6];
const x0 = (shape = X, positive = false) => ({ x0: feed(`x-${shape.join('x')}`, shape, positive) });

function one(
  name: string,
  op: string,
  inputs: Parameters<typeof singleOp>[1],
  attrs: Record<string, Attr>,
  feeds: Record<string, Feed>,
  o: { opset?: number; outputs?: number; grad?: string | null } = {},
): OpCase {
  return { name, spec: singleOp(op, inputs, attrs, o), feeds, grad: o.grad };
}

export const CASES: OpCase[] = [
  // Convolutions
  one(
    'Conv asymmetric pads, stride (2,1), bias',
    'Conv',
    [rt(X), cst('w1', [4, 3, 3, 2]), cst('b1', [4])],
    { pads: IS([1, 0, 2, 1]), strides: IS([2, 1]) },
    x0(),
  ),
  one(
    'Conv dilations 2',
    'Conv',
    [rt(X), cst('w2', [2, 3, 2, 3])],
    { dilations: IS([2, 2]), pads: IS([1, 2, 1, 2]) },
    x0(),
  ),
  one(
    'Conv depthwise, multiplier 2',
    'Conv',
    [rt(X), cst('w3', [6, 1, 3, 3]), cst('b3', [6])],
    { group: I(3), pads: IS([1, 1, 1, 1]) },
    x0(),
  ),
  one(
    'Conv groups 2',
    'Conv',
    [rt([1, 4, 5, 5]), cst('w4', [6, 2, 3, 3])],
    { group: I(2) },
    x0([1, 4, 5, 5]),
  ),
  one(
    'Conv auto_pad SAME_UPPER stride 2',
    'Conv',
    [rt(X), cst('w5', [2, 3, 2, 2])],
    { auto_pad: S('SAME_UPPER'), strides: IS([2, 2]) },
    x0(),
  ),
  one(
    'Conv auto_pad SAME_LOWER',
    'Conv',
    [rt(X), cst('w6', [2, 3, 2, 3])],
    { auto_pad: S('SAME_LOWER') },
    x0(),
  ),
  one(
    'ConvTranspose k3 s2 pads 1 output_padding 1',
    'ConvTranspose',
    [rt(X), cst('w7', [3, 2, 3, 3]), cst('b7', [2])],
    { strides: IS([2, 2]), pads: IS([1, 1, 1, 1]), output_padding: IS([1, 1]) },
    x0(),
  ),
  one(
    'ConvTranspose groups 3, dilation 2, asymmetric pads',
    'ConvTranspose',
    [rt(X), cst('w8', [3, 2, 2, 3])],
    { group: I(3), dilations: IS([2, 2]), pads: IS([0, 1, 2, 0]) },
    x0(),
  ),
  one(
    'ConvTranspose output_shape',
    'ConvTranspose',
    [rt(X), cst('w9', [3, 1, 3, 3])],
    { strides: IS([2, 2]), output_shape: IS([14, 12]) },
    x0(),
  ),
  one(
    'ConvTranspose auto_pad SAME_UPPER',
    'ConvTranspose',
    [rt(X), cst('w10', [3, 2, 3, 3])],
    { strides: IS([2, 2]), auto_pad: S('SAME_UPPER') },
    x0(),
  ),
  one(
    'ConvTranspose k2 s2',
    'ConvTranspose',
    [rt(X), cst('w11', [3, 4, 2, 2])],
    { strides: IS([2, 2]) },
    x0(),
  ),
  // Normalization
  one(
    'BatchNormalization',
    'BatchNormalization',
    [rt(X), cst('s', [3]), cst('b', [3]), cst('m', [3]), cst('v', [3], true)],
    { epsilon: F(1e-3) },
    x0(),
    { opset: 15 },
  ),
  one(
    'BatchNormalization on [N,C]',
    'BatchNormalization',
    [rt([4, 3]), cst('s', [3]), cst('b', [3]), cst('m', [3]), cst('v', [3], true)],
    {},
    x0([4, 3]),
  ),
  one(
    'InstanceNormalization',
    'InstanceNormalization',
    [rt(X), cst('s', [3]), cst('b', [3])],
    { epsilon: F(1e-4) },
    x0(),
  ),
  one(
    'InstanceNormalization on [N,C,L]',
    'InstanceNormalization',
    [rt([2, 3, 9]), cst('s', [3]), cst('b', [3])],
    {},
    x0([2, 3, 9]),
  ),
  one(
    'GroupNormalization opset 21 (per channel)',
    'GroupNormalization',
    [rt([2, 4, 5, 3]), cst('s', [4]), cst('b', [4])],
    { num_groups: I(2), epsilon: F(1e-5) },
    x0([2, 4, 5, 3]),
    { opset: 21 },
  ),
  one(
    'GroupNormalization opset 18 (per group)',
    'GroupNormalization',
    [rt([2, 4, 5, 3]), cst('s', [2]), cst('b', [2])],
    { num_groups: I(2) },
    x0([2, 4, 5, 3]),
    { opset: 18 },
  ),
  // Activations and element-wise
  one('Relu', 'Relu', [rt(X)], {}, x0()),
  one('LeakyRelu', 'LeakyRelu', [rt(X)], { alpha: F(0.2) }, x0()),
  one('PRelu per channel', 'PRelu', [rt(X), cst('sl', [3, 1, 1])], {}, x0()),
  one('PRelu per row (not the channel axis)', 'PRelu', [rt(X), cst('sl2', [7, 1])], {}, x0()),
  one('Sigmoid', 'Sigmoid', [rt(X)], {}, x0()),
  one('Tanh', 'Tanh', [rt(X)], {}, x0()),
  one('Gelu', 'Gelu', [rt(X)], {}, x0(), { opset: 20 }),
  one('Gelu tanh', 'Gelu', [rt(X)], { approximate: S('tanh') }, x0(), { opset: 20 }),
  one('Erf', 'Erf', [rt(X)], {}, x0()),
  one('Clip min and max', 'Clip', [rt(X), cst('lo', [], false), cst('hi', [], true)], {}, x0()),
  one('Clip min only', 'Clip', [rt(X), { shape: [], data: [-0.3] }], {}, x0()),
  one('Sqrt', 'Sqrt', [rt(X)], {}, x0(X, true)),
  one('Exp', 'Exp', [rt(X)], {}, x0()),
  one('Log', 'Log', [rt(X)], {}, x0(X, true)),
  one('Neg', 'Neg', [rt(X)], {}, x0()),
  one('Abs', 'Abs', [rt(X)], {}, x0()),
  one('Pow', 'Pow', [rt(X), { shape: [], data: [3] }], {}, x0()),
  one('Add [C,1,1]', 'Add', [rt(X), cst('c', [3, 1, 1])], {}, x0()),
  one('Sub [W]', 'Sub', [rt(X), cst('c', [6])], {}, x0()),
  one('Mul scalar', 'Mul', [rt(X), { shape: [], data: [0.7] }], {}, x0()),
  one('Div [N,1,H,1]', 'Div', [rt(X), cst('c', [2, 1, 7, 1], true)], {}, x0()),
  one('Add two images', 'Add', [rt(X), rt(X)], {}, { ...x0(), x1: feed('x1', X) }),
  one('Mul [H,W] by image', 'Mul', [rt([7, 6]), rt(X)], {}, { x0: feed('hw', [7, 6]), x1: feed('x1', X) }),
  // Pooling
  one(
    'MaxPool k3 s2 pads 1',
    'MaxPool',
    [rt(X)],
    { kernel_shape: IS([3, 3]), strides: IS([2, 2]), pads: IS([1, 1, 1, 1]) },
    x0(),
  ),
  one(
    'MaxPool ceil_mode',
    'MaxPool',
    [rt(X)],
    { kernel_shape: IS([2, 2]), strides: IS([2, 2]), ceil_mode: I(1) },
    x0(),
  ),
  one(
    'MaxPool SAME_UPPER',
    'MaxPool',
    [rt(X)],
    { kernel_shape: IS([3, 2]), strides: IS([2, 2]), auto_pad: S('SAME_UPPER') },
    x0(),
  ),
  one(
    'AveragePool padding excluded',
    'AveragePool',
    [rt(X)],
    { kernel_shape: IS([3, 3]), pads: IS([1, 1, 1, 1]) },
    x0(),
  ),
  one(
    'AveragePool count_include_pad',
    'AveragePool',
    [rt(X)],
    { kernel_shape: IS([3, 3]), strides: IS([2, 2]), pads: IS([1, 0, 1, 2]), count_include_pad: I(1) },
    x0(),
  ),
  one(
    'AveragePool ceil_mode',
    'AveragePool',
    [rt(X)],
    { kernel_shape: IS([2, 2]), strides: IS([2, 2]), ceil_mode: I(1) },
    x0(),
  ),
  one('GlobalAveragePool', 'GlobalAveragePool', [rt(X)], {}, x0()),
  one('GlobalMaxPool', 'GlobalMaxPool', [rt(X)], {}, x0()),
  // Resize / Upsample
  one(
    'Resize linear half_pixel x2',
    'Resize',
    [rt(X), { shape: [0], data: [] }, { shape: [4], data: [1, 1, 2, 2] }],
    { mode: S('linear') },
    x0(),
  ),
  one(
    'Resize linear align_corners sizes',
    'Resize',
    [rt(X), { shape: [0], data: [] }, { shape: [0], data: [] }, ints([4], [2, 3, 11, 9])],
    { mode: S('linear'), coordinate_transformation_mode: S('align_corners') },
    x0(),
  ),
  one(
    'Resize linear asymmetric x2',
    'Resize',
    [rt(X), { shape: [0], data: [] }, { shape: [4], data: [1, 1, 2, 2] }],
    { mode: S('linear'), coordinate_transformation_mode: S('asymmetric') },
    x0(),
  ),
  one(
    'Resize linear pytorch_half_pixel x0.5',
    'Resize',
    [rt([2, 3, 8, 6]), { shape: [0], data: [] }, { shape: [4], data: [1, 1, 0.5, 0.5] }],
    { mode: S('linear'), coordinate_transformation_mode: S('pytorch_half_pixel') },
    x0([2, 3, 8, 6]),
  ),
  one(
    'Resize nearest asymmetric floor x2',
    'Resize',
    [rt(X), { shape: [0], data: [] }, { shape: [4], data: [1, 1, 2, 2] }],
    { mode: S('nearest'), coordinate_transformation_mode: S('asymmetric'), nearest_mode: S('floor') },
    x0(),
  ),
  one(
    'Resize nearest half_pixel round_prefer_floor x1.5',
    'Resize',
    [rt(X), { shape: [0], data: [] }, { shape: [4], data: [1, 1, 1.5, 1.5] }],
    { mode: S('nearest') },
    x0(),
  ),
  one(
    'Resize nearest round_prefer_ceil sizes',
    'Resize',
    [rt(X), { shape: [0], data: [] }, { shape: [0], data: [] }, ints([4], [2, 3, 10, 13])],
    { mode: S('nearest'), nearest_mode: S('round_prefer_ceil') },
    x0(),
  ),
  one(
    'Resize opset 18 axes',
    'Resize',
    [rt(X), { shape: [0], data: [] }, { shape: [2], data: [2, 1.5] }],
    { mode: S('linear'), axes: IS([2, 3]) },
    x0(),
    { opset: 18 },
  ),
  one(
    'Upsample opset 9 nearest',
    'Upsample',
    [rt(X), { shape: [4], data: [1, 1, 2, 3] }],
    { mode: S('nearest') },
    x0(),
    { opset: 9 },
  ),
  one(
    'Upsample opset 9 linear',
    'Upsample',
    [rt(X), { shape: [4], data: [1, 1, 2, 2] }],
    { mode: S('linear') },
    x0(),
    { opset: 9 },
  ),
  // Data movement
  one('Concat channels with a constant', 'Concat', [rt(X), cst('c', [2, 2, 7, 6])], { axis: I(1) }, x0()),
  one(
    'Concat last axis',
    'Concat',
    [rt(X), rt([2, 3, 7, 2])],
    { axis: I(-1) },
    { ...x0(), x1: feed('x1', [2, 3, 7, 2]) },
  ),
  one(
    'Pad constant value',
    'Pad',
    [rt(X), ints([8], [0, 0, 1, 2, 0, 0, 3, 0]), { shape: [], data: [0.5] }],
    { mode: S('constant') },
    x0(),
  ),
  one('Pad reflect', 'Pad', [rt(X), ints([8], [0, 0, 2, 1, 0, 0, 1, 3])], { mode: S('reflect') }, x0()),
  one('Pad edge', 'Pad', [rt(X), ints([8], [0, 1, 2, 0, 0, 0, 1, 2])], { mode: S('edge') }, x0()),
  one('Pad wrap opset 19', 'Pad', [rt(X), ints([8], [0, 0, 2, 1, 0, 0, 1, 2])], { mode: S('wrap') }, x0(), {
    opset: 19,
  }),
  one('Pad negative (crop)', 'Pad', [rt(X), ints([8], [0, 0, -1, 1, 0, 0, 2, -2])], {}, x0()),
  one(
    'Pad opset 18 axes',
    'Pad',
    [rt(X), ints([4], [1, 2, 0, 1]), { shape: [], data: [0] }, ints([2], [2, 3])],
    {},
    x0(),
    { opset: 18 },
  ),
  one(
    'Slice steps 2 and negative starts',
    'Slice',
    [
      rt(X),
      ints([2], [1, -5]),
      ints([2], [Number.MAX_SAFE_INTEGER, -1]),
      ints([2], [2, 3]),
      ints([2], [2, 1]),
    ],
    {},
    x0(),
  ),
  one(
    'Slice reversed channels',
    'Slice',
    [rt(X), ints([1], [-1]), ints([1], [-Number.MAX_SAFE_INTEGER]), ints([1], [1]), ints([1], [-1])],
    {},
    x0(),
  ),
  one('Reshape 0 and -1', 'Reshape', [rt(X), ints([3], [0, -1, 6])], {}, x0()),
  one('Flatten axis 2', 'Flatten', [rt(X)], { axis: I(2) }, x0()),
  one('Transpose', 'Transpose', [rt(X)], { perm: IS([0, 2, 3, 1]) }, x0()),
  one('Squeeze', 'Squeeze', [rt([2, 1, 7, 1]), ints([2], [1, 3])], {}, x0([2, 1, 7, 1])),
  one('Unsqueeze', 'Unsqueeze', [rt([2, 7]), ints([2], [0, 3])], {}, x0([2, 7])),
  one('Gather axis 1, negative index', 'Gather', [rt(X), ints([2], [2, -3])], { axis: I(1) }, x0()),
  one(
    'Gemm transB alpha beta',
    'Gemm',
    [rt([4, 5]), cst('B', [3, 5]), cst('C', [3])],
    { transB: I(1), alpha: F(0.5), beta: F(2) },
    x0([4, 5]),
  ),
  one('Gemm transA', 'Gemm', [rt([5, 4]), cst('B', [5, 3])], { transA: I(1) }, x0([5, 4])),
  one('MatMul batched by 2-D', 'MatMul', [rt(X), cst('M', [6, 4])], {}, x0()),
  one('MatMul vector', 'MatMul', [rt([3, 5]), cst('v', [5])], {}, x0([3, 5])),
  one('Identity', 'Identity', [rt(X)], {}, x0()),
  one('Dropout inference, mask', 'Dropout', [rt(X)], {}, x0(), { outputs: 1 }),
  one('Cast to float', 'Cast', [rt(X)], { to: I(1) }, x0()),
  // Reductions
  one('ReduceMean spatial keepdims', 'ReduceMean', [rt(X)], { axes: IS([2, 3]) }, x0(), { opset: 13 }),
  one(
    'ReduceMean opset 18 axes input, no keepdims',
    'ReduceMean',
    [rt(X), ints([1], [1])],
    { keepdims: I(0) },
    x0(),
    { opset: 18 },
  ),
  one('ReduceSum', 'ReduceSum', [rt(X), ints([1], [-1])], {}, x0()),
  one('ReduceMax', 'ReduceMax', [rt(X)], { axes: IS([1]) }, x0(), { opset: 13 }),
  one('ReduceMin', 'ReduceMin', [rt(X)], { axes: IS([3]) }, x0(), { opset: 13 }),
  one('Softmax over channels', 'Softmax', [rt(X)], { axis: I(1) }, x0()),
  // Shape arithmetic (host) feeding data ops: x.view(x.size(0), -1) and friends.
  {
    name: 'Shape Gather Unsqueeze Concat Reshape (torch view)',
    spec: {
      nodes: [
        { op: 'Shape', inputs: ['x0'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'i0'], outputs: ['n'], attrs: { axis: I(0) } },
        { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: I(0) } },
        { op: 'Reshape', inputs: ['x0', 'shape'], outputs: ['y0'] },
      ],
      inputs: [
        { name: 'x0', shape: X },
        { name: 'i0', shape: [], data: [0], dtype: 'int64' },
        { name: 'ax0', shape: [1], data: [0], dtype: 'int64' },
        { name: 'minus1', shape: [1], data: [-1], dtype: 'int64' },
      ],
      outputs: ['y0'],
    },
    feeds: x0(),
  },
  {
    name: 'Constant, ConstantOfShape, Cast, Shape start/end',
    spec: {
      nodes: [
        { op: 'Shape', inputs: ['x0'], outputs: ['s'], attrs: { start: I(-1), end: I(4) } },
        {
          op: 'ConstantOfShape',
          inputs: ['s'],
          outputs: ['z'],
          attrs: { value: { t: { shape: [1], data: [0.25] } } },
        },
        { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value_floats: { floats: [1.5] } } },
        { op: 'Cast', inputs: ['s'], outputs: ['sf'], attrs: { to: I(1) } },
        { op: 'Mul', inputs: ['z', 'k'], outputs: ['zk'] },
        { op: 'Add', inputs: ['zk', 'sf'], outputs: ['c'] },
        { op: 'Mul', inputs: ['x0', 'c'], outputs: ['y0'] },
      ],
      inputs: [{ name: 'x0', shape: X }],
      outputs: ['y0'],
    },
    feeds: x0(),
  },
];
