/**
 * A black-box ONNX network: forward passes through onnxruntime-node (an optional dependency; its npm package
 * ships the CPU library, and its install script, which only fetches GPU providers, stays denied).
 *
 * Reconstructor.reconstruct is synchronous (attacks, smoothing and certification call it inside tf.tidy), so
 * this calls the native session's run directly: onnxruntime-node's public InferenceSession.run is that same
 * call deferred by setImmediate (lib/backend.ts of onnxruntime-node 1.31), which is why the version is pinned
 * with a tilde in package.json. Outputs are constants to tfjs: no gradient flows through them, so attacks on a
 * black-box model use a gradient-free estimator (attacks/spsa.ts).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { InputError } from '@shared/errors';
import { tf } from '../../backend';
import type { GraphIo } from '../onnx/graph';
import type { ImportedNetwork } from './network';

interface OrtTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}
interface OrtTensorConstructor {
  new (type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
}
interface NativeValueMetadata {
  name: string;
  isTensor: boolean;
  type: number;
  shape: number[];
  symbolicDimensions: string[];
}
interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): Promise<void>;
  readonly inputMetadata: NativeValueMetadata[];
  readonly outputMetadata: NativeValueMetadata[];
  run(
    feeds: Record<string, OrtTensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, OrtTensor>;
  dispose(): void;
}
interface OrtModules {
  Tensor: OrtTensorConstructor;
  version: string;
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
}

let modules: OrtModules | undefined;

/** onnxruntime-node's modules, or an InputError saying how to get them. */
export function loadOnnxRuntime(why: string): OrtModules {
  if (modules) return modules;
  const require = createRequire(import.meta.url);
  try {
    const ort = require('onnxruntime-node') as {
      Tensor: OrtTensorConstructor;
      env: { versions: { node: string } };
    };
    const b = require('onnxruntime-node/dist/binding') as Pick<OrtModules, 'binding' | 'initOrt'>;
    modules = { Tensor: ort.Tensor, version: ort.env.versions.node, binding: b.binding, initOrt: b.initOrt };
    return modules;
  } catch (e) {
    throw new InputError(
      `${why} needs onnxruntime-node, which is not installed or does not load here (${(e as Error).message.split('\n')[0]}); ` +
        'it is an optional dependency of ct-audit: run npm install onnxruntime-node',
    );
  }
}

/** Threads of one session: CT_AUDIT_ORT_THREADS, default 1 (the engine shares the machine, as wasm does). */
function ortThreads(): number {
  const n = Number(process.env.CT_AUDIT_ORT_THREADS ?? 1);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, os.availableParallelism()) : 1;
}

function ioOf(m: NativeValueMetadata): GraphIo {
  return {
    name: m.name,
    shape: m.shape.map((d, i) => (d >= 0 ? d : m.symbolicDimensions[i] || null)),
    elemType: m.type,
  };
}

export class OrtNetwork implements ImportedNetwork {
  readonly differentiable = false;
  readonly inputs: GraphIo[];
  readonly output: GraphIo;

  private constructor(
    private readonly session: NativeSession,
    private readonly ort: OrtModules,
    readonly parameterCount: number,
    private readonly file: string,
  ) {
    this.inputs = session.inputMetadata.map(ioOf);
    this.output = ioOf(session.outputMetadata[0]);
  }

  static async fromBytes(bytes: Uint8Array, file: string, parameterCount: number): Promise<OrtNetwork> {
    const ort = loadOnnxRuntime(`${file}: a black-box model`);
    ort.initOrt();
    const session = new ort.binding.InferenceSession();
    try {
      const copy = bytes.slice();
      await session.loadModel(copy.buffer, copy.byteOffset, copy.byteLength, {
        executionProviders: ['cpu'],
        intraOpNumThreads: ortThreads(),
        interOpNumThreads: 1,
      });
    } catch (e) {
      throw new InputError(
        `${file}: onnxruntime cannot load the model (${(e as Error).message.split('\n')[0]})`,
      );
    }
    if (session.outputMetadata.length !== 1) {
      session.dispose();
      throw new InputError(
        `${file}: the network has ${session.outputMetadata.length} outputs; one (the image) is expected`,
      );
    }
    return new OrtNetwork(session, ort, parameterCount, file);
  }

  get runtimeVersion(): string {
    return this.ort.version;
  }

  run(feeds: Record<string, tf.Tensor4D>): tf.Tensor4D {
    const input: Record<string, OrtTensor> = {};
    for (const io of this.inputs) {
      const t = feeds[io.name];
      if (!t) throw new InputError(`${this.file}: no tensor for the network input "${io.name}"`);
      const [b, h, w] = t.shape;
      // [B,H,W,1] has the bytes of ONNX's [B,1,H,W] (and of [B,H,W] for rank-3 inputs).
      const dims = io.shape?.length === 3 ? [b, h, w] : [b, 1, h, w];
      input[io.name] = new this.ort.Tensor('float32', t.dataSync() as Float32Array, dims);
    }
    let out: OrtTensor;
    try {
      out = this.session.run(input, { [this.output.name]: null }, {})[this.output.name];
    } catch (e) {
      throw new InputError(
        `${this.file}: onnxruntime failed to run the model (${(e as Error).message.split('\n')[0]})`,
      );
    }
    const d = out.dims;
    if (!(d.length === 3 || (d.length === 4 && d[1] === 1))) {
      throw new InputError(
        `${this.file}: the network's output is [${d.join(',')}]; an image [batch, 1, height, width] is expected`,
      );
    }
    const [b, h, w] = d.length === 3 ? d : [d[0], d[2], d[3]];
    return tf.tensor4d(Float32Array.from(out.data), [b, h, w, 1]);
  }

  dispose(): void {
    this.session.dispose();
  }
}
