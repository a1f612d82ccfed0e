/**
 * An imported ONNX network as a function of engine tensors (white-box: built from tfjs ops, differentiable).
 *
 *   OnnxNetwork.fromBytes(bytes, file)          parse (proto.ts) and compile (graph.ts)
 *   net.run({ name: NHWC tensor, ... }) -> NHWC  inside the caller's tf.tidy
 *
 * The boundary (value.ts): an engine image [B,N,N,1] or sinogram [B,A,D,1] is the ONNX input [B,1,N,N] /
 * [B,1,A,D] stored NHWC, so it enters without a copy; the output leaves as NHWC. Inputs declared with rank 3
 * ([B,H,W], no channel axis) are reshaped. Only C = 1 inputs and outputs meet the engine.
 */
import { InputError, ShapeError } from '@shared/errors';
import { tf } from '../../backend';
import type { ImportedNetwork } from '../imported/network';
import { compileOnnxGraph, type GraphIo, type OnnxGraph } from './graph';
import { decodeModelProto, type OnnxModelProto } from './proto';
import { device, logicalShape, type Value } from './value';

export interface OnnxProvenance {
  irVersion: number;
  opset: number;
  producer: string;
  ops: string[];
}

export class OnnxNetwork implements ImportedNetwork {
  readonly differentiable = true;

  private constructor(
    private readonly graph: OnnxGraph,
    readonly provenance: OnnxProvenance,
    private readonly file: string,
  ) {}

  static fromBytes(bytes: Uint8Array, file: string): OnnxNetwork {
    const model = decodeModelProto(bytes, file);
    return OnnxNetwork.fromModel(model, file);
  }

  static fromModel(model: OnnxModelProto, file: string): OnnxNetwork {
    const graph = compileOnnxGraph(model, file);
    if (graph.outputs.length !== 1) {
      graph.dispose();
      throw new InputError(
        `${file}: the network has ${graph.outputs.length} outputs; one (the image) is expected`,
      );
    }
    const producer = [model.producer_name, model.producer_version].filter(Boolean).join(' ') || 'unknown';
    return new OnnxNetwork(
      graph,
      { irVersion: Number(model.ir_version ?? 0), opset: graph.opset, producer, ops: graph.opTypes },
      file,
    );
  }

  get inputs(): GraphIo[] {
    return this.graph.inputs;
  }

  get output(): GraphIo {
    return this.graph.outputs[0];
  }

  get parameterCount(): number {
    return this.graph.parameterCount;
  }

  /** Device tensors held (prepared weights): what stays allocated between calls. */
  get numTensors(): number {
    return this.graph.numTensors;
  }

  /** feeds: input name -> [B,H,W,1]; returns the output as [B,H,W,1]. Call inside tf.tidy. */
  run(feeds: Record<string, tf.Tensor4D>): tf.Tensor4D {
    const values: Record<string, Value> = {};
    for (const io of this.graph.inputs) {
      const t = feeds[io.name];
      if (!t) throw new InputError(`${this.file}: no tensor for the network input "${io.name}"`);
      const rank = io.shape?.length ?? 4;
      values[io.name] = rank === 3 ? device(tf.reshape(t, t.shape.slice(0, 3))) : device(t, 'nhwc');
    }
    const [out] = this.graph.run(values);
    if (out.kind === 'host') {
      throw new InputError(`${this.file}: the network's output does not depend on its input`);
    }
    const shape = logicalShape(out);
    if (shape.length === 3) return tf.reshape(out.t, [shape[0], shape[1], shape[2], 1]);
    if (shape.length !== 4 || shape[1] !== 1) {
      throw new ShapeError(
        `${this.file}: the network's output is [${shape.join(',')}]; an image [batch, 1, height, width] is expected`,
      );
    }
    // [B,1,H,W] in ONNX order has the bytes of [B,H,W,1].
    return (
      out.layout === 'nhwc' ? out.t : tf.reshape(out.t, [shape[0], shape[2], shape[3], 1])
    ) as tf.Tensor4D;
  }

  dispose(): void {
    this.graph.dispose();
  }
}
