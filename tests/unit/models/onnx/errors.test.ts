/**
 * What a user sees when an ONNX file cannot be imported: one line naming the file and the reason, every
 * unsupported node by op and name, and no tensors left behind. Also: the committed protobuf descriptor still
 * matches onnx.proto.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../../src/shared/errors';
import { initBackend, tf } from '../../../../src/main/engine/backend';
import { UnsupportedOnnxError } from '../../../../src/main/engine/models/onnx/graph';
import { OnnxNetwork } from '../../../../src/main/engine/models/onnx/onnx-network';
import { SCHEMA_JSON, schemaDescriptor } from '../../../../src/main/engine/models/onnx/schema/build-schema';
import { modelBytes, modelProto, ONNX_FIXTURES as FIXTURES, singleOp, type ModelSpec } from './onnx-builder';
import { encodeModelProto } from '../../../../src/main/engine/models/onnx/proto';

const X = [1, 2, 4, 4];

function load(bytes: Uint8Array, file = 'net.onnx'): OnnxNetwork {
  return OnnxNetwork.fromBytes(bytes, file);
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('ONNX import errors', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('the committed descriptor matches onnx.proto (regenerate with schema/build-schema.ts)', () => {
    expect(JSON.parse(readFileSync(SCHEMA_JSON, 'utf8'))).toEqual(schemaDescriptor());
  });

  it('corrupt, truncated and empty files name the file and say what to do', () => {
    const good = new Uint8Array(readFileSync(`${FIXTURES}unet_bn.onnx`));
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 255);
    for (const bytes of [garbage, good.subarray(0, 1000), new Uint8Array(0)]) {
      const e = errorOf(() => load(bytes, 'broken.onnx'));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(/^broken\.onnx: not an ONNX model \(/);
      expect(e.message).not.toContain('\n');
    }
  });

  it('lists every unsupported node by op and name in one line', () => {
    const spec: ModelSpec = {
      nodes: [
        { op: 'CumSum', inputs: ['x0', 'ax'], outputs: ['a'], name: 'cum' },
        { op: 'Relu', inputs: ['a'], outputs: ['b'] },
        {
          op: 'Einsum',
          inputs: ['b', 'b'],
          outputs: ['c'],
          name: 'mix',
          attrs: { equation: { s: 'nchw,nchw->nchw' } },
        },
        {
          op: 'Resize',
          inputs: ['c', '', 'sc'],
          outputs: ['d'],
          name: 'up',
          attrs: { mode: { s: 'cubic' } },
        },
        { op: 'FusedConv', inputs: ['d'], outputs: ['y0'], name: 'fused', domain: 'com.microsoft' },
      ],
      inputs: [
        { name: 'x0', shape: X },
        { name: 'ax', shape: [], data: [3], dtype: 'int64' },
        { name: 'sc', shape: [4], data: [1, 1, 2, 2] },
      ],
      outputs: ['y0'],
    };
    const e = errorOf(() => load(modelBytes(spec)));
    expect(e).toBeInstanceOf(UnsupportedOnnxError);
    expect(e.message).toBe(
      'net.onnx: 4 nodes cannot be imported into the differentiable engine: CumSum (node "cum"), Einsum (node "mix"), ' +
        'Resize (node "up": mode "cubic"), com.microsoft.FusedConv (node "fused"); set "access": "black-box" in the card ' +
        'to audit the model forward-only through onnxruntime-node',
    );
    expect((e as UnsupportedOnnxError).nodes).toHaveLength(4);
  });

  it('refuses attributes it would otherwise ignore', () => {
    const e = errorOf(() =>
      load(
        modelBytes(singleOp('MaxPool', [{ shape: X }], { kernel_shape: { ints: [2, 2] } }, { outputs: 2 })),
      ),
    );
    expect(e.message).toContain('MaxPool (node "n0_MaxPool": the Indices output is not implemented)');
    const e2 = errorOf(() => load(modelBytes(singleOp('Relu', [{ shape: X }], { beta: { f: 2 } }))));
    expect(e2.message).toContain('Relu (node "n0_Relu": attribute beta is not implemented)');
  });

  it('opsets outside 7-21, external weights, dangling inputs', () => {
    const old = modelBytes({ ...singleOp('Relu', [{ shape: X }]), opset: 6 });
    expect(errorOf(() => load(old)).message).toMatch(
      /^net\.onnx: opset 6 is outside what the importer implements \(7-21\)/,
    );
    const m = modelProto(singleOp('Conv', [{ shape: X }, { shape: [1, 2, 1, 1], data: [1, 2] }]));
    m.graph!.initializer![0] = {
      ...m.graph!.initializer![0],
      float_data: [],
      data_location: 1,
      external_data: [{ key: 'location', value: 'w.bin' }],
    };
    expect(errorOf(() => load(encodeModelProto(m))).message).toContain('stored in an external data file');
    const dangling: ModelSpec = {
      nodes: [{ op: 'Add', inputs: ['x0', 'nowhere'], outputs: ['y0'] }],
      inputs: [{ name: 'x0', shape: X }],
      outputs: ['y0'],
    };
    expect(errorOf(() => load(modelBytes(dangling))).message).toBe(
      'net.onnx: node "n0_Add" (Add) uses "nowhere", which no earlier node or initializer defines (not a valid ONNX graph)',
    );
  });

  it('a node that fails at run time is named, and no tensors are left behind', () => {
    const spec = singleOp('Reshape', [
      { shape: [1, 1, 4, 4] },
      { shape: [2], data: [3, -1], dtype: 'int64' },
    ]);
    const net = load(modelBytes(spec));
    const before = tf.memory().numTensors;
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const e = errorOf(() => tf.tidy(() => net.run({ x0: x })));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(
      'net.onnx: node "n0_Reshape" (Reshape) failed: cannot reshape [1,1,4,4] to [3,-1]',
    );
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
