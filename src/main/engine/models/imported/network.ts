/**
 * The network inside an imported reconstructor (imported-reconstructor.ts): NHWC engine tensors in its own
 * units -> an NHWC image in its own units. Three implementations:
 *   onnx-network.ts (models/onnx)  ONNX built from tfjs ops: white-box (differentiable)
 *   tfjs-network.ts                TensorFlow.js layers / graph models: white-box
 *   ort-network.ts                 ONNX through onnxruntime-node: black-box (forward passes only)
 */
import type { tf } from '../../backend';
import type { GraphIo } from '../onnx/graph';

export interface ImportedNetwork {
  /** Declared inputs (name, shape in the network's own axis order) and output. */
  readonly inputs: readonly GraphIo[];
  readonly output: GraphIo;
  /** Whether tf.grad flows through run (false: onnxruntime). */
  readonly differentiable: boolean;
  readonly parameterCount: number;
  /** feeds: input name -> [B,H,W,1]; returns [B,H,W,1]. Call inside tf.tidy. */
  run(feeds: Record<string, tf.Tensor4D>): tf.Tensor4D;
  dispose(): void;
}
