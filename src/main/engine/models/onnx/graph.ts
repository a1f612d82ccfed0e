/**
 * An ONNX graph compiled into a sequence of tfjs kernels (DESIGN.md section 4, external models).
 *
 *   compileOnnxGraph(model, file) -> OnnxGraph      every node mapped (ops/), constants folded; nodes that
 *                                                   cannot be mapped -> one UnsupportedOnnxError naming each
 *   graph.run(feeds)              -> output values  inside the caller's tf.tidy; differentiable
 *
 * Nodes run in file order (ONNX requires topological order; a use before definition is an error). Constant
 * subgraphs (shape arithmetic on constants, Constant nodes) are evaluated once here. While running, an
 * intermediate tensor is disposed after its last use: the gradient tape keeps its own copies, so this only
 * lowers peak memory.
 */
import { CtAuditError, InputError } from '@shared/errors';
import { tf } from '../../backend';
import { decodeTensorProto, hostDtypeOf, isFloat, sizeOf, type HostTensor } from './host-tensor';
import { Attrs, Unsupported, type Kernel, type OpNode } from './op-types';
import { ONNX_OPS } from './ops';
import type { OnnxModelProto, OnnxValueInfoProto } from './proto';
import { ConstantPool, type Value } from './value';

/** Opsets whose semantics the ops implement (torch.onnx.export writes 7..17 with torch 1.13, up to 20+ later). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

/** Nodes that cannot be imported into the differentiable engine; `nodes` lists "Op (node "name"...)". */
export class UnsupportedOnnxError extends InputError {
  constructor(
    message: string,
    readonly nodes: string[],
  ) {
    super(message, { nodes });
  }
}

export interface GraphIo {
  name: string;
  /** Declared dimensions: numbers, or the symbolic name (e.g. "batch"), or null when not declared. */
  shape: (number | string | null)[] | null;
  elemType: number;
}

interface Step {
  node: OpNode;
  kernel: Kernel;
  where: string;
}

export interface OnnxGraph {
  readonly opset: number;
  readonly inputs: GraphIo[];
  readonly outputs: GraphIo[];
  /** Number of float values in initializers (the network's parameters). */
  readonly parameterCount: number;
  /** The op types of the graph's nodes (sorted, unique). */
  readonly opTypes: string[];
  /** Device tensors the graph owns (prepared weights, cached constants). */
  readonly numTensors: number;
  run(feeds: Record<string, Value>): Value[];
  dispose(): void;
}

function ioOf(v: OnnxValueInfoProto): GraphIo {
  const tt = v.type?.tensor_type;
  const dims = tt?.shape?.dim;
  return {
    name: v.name ?? '',
    shape: dims
      ? dims.map((d) => (d.dim_value !== undefined ? Number(d.dim_value) : (d.dim_param ?? null)))
      : null,
    elemType: tt?.elem_type ?? 0,
  };
}

function defaultOpset(model: OnnxModelProto, file: string): number {
  const entry = (model.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const v = Number(entry?.version ?? 0);
  if (!v) throw new InputError(`${file}: the model declares no opset for the default ONNX domain`, { file });
  if (v < MIN_OPSET || v > MAX_OPSET) {
    throw new InputError(
      `${file}: opset ${v} is outside what the importer implements (${MIN_OPSET}-${MAX_OPSET}); export with torch.onnx.export(..., opset_version=17)`,
      { file, opset: v },
    );
  }
  return v;
}

export function compileOnnxGraph(model: OnnxModelProto, file: string): OnnxGraph {
  const graph = model.graph!;
  const opset = defaultOpset(model, file);
  const pool = new ConstantPool();
  const constants = new Map<string, HostTensor>();
  let parameterCount = 0;
  try {
    for (const init of graph.initializer ?? []) {
      const t = decodeTensorProto(init, `${file}: initializer "${init.name}"`);
      constants.set(init.name ?? '', t);
      if (isFloat(t.dtype)) parameterCount += sizeOf(t.shape);
    }
    const inputs = (graph.input ?? []).filter((v) => !constants.has(v.name ?? '')).map(ioOf);
    const outputs = (graph.output ?? []).map(ioOf);
    for (const i of inputs) {
      const dt = hostDtypeOf(i.elemType);
      if (dt !== 'float32') {
        throw new InputError(
          `${file}: input "${i.name}" has element type ${i.elemType}; a float32 input is expected`,
        );
      }
    }

    const defined = new Set<string>([...constants.keys(), ...inputs.map((i) => i.name)]);
    const steps: Step[] = [];
    const unsupported: string[] = [];
    for (const [k, n] of (graph.node ?? []).entries()) {
      const opType = n.op_type ?? '';
      const name = n.name || `#${k}`;
      const where = `node "${name}" (${opType})`;
      const node: OpNode = {
        name,
        opType,
        inputs: n.input ?? [],
        outputs: n.output ?? [],
        attrs: new Attrs(n.attribute ?? [], `${file}: ${where}`),
      };
      const missing = node.inputs.find((i) => i !== '' && !defined.has(i));
      if (missing !== undefined) {
        throw new InputError(
          `${file}: ${where} uses "${missing}", which no earlier node or initializer defines (not a valid ONNX graph)`,
        );
      }
      for (const o of node.outputs) if (o !== '') defined.add(o);
      const domain = n.domain ?? '';
      const def = domain === '' || domain === 'ai.onnx' ? ONNX_OPS[opType] : undefined;
      if (!def) {
        unsupported.push(`${domain && domain !== 'ai.onnx' ? `${domain}.` : ''}${opType} (node "${name}")`);
        continue;
      }
      let kernel: Kernel;
      try {
        kernel = def.compile({
          node,
          opset,
          where,
          pool,
          constant: (i) => (node.inputs[i] ? constants.get(node.inputs[i]) : undefined),
          has: (i) => Boolean(node.inputs[i]),
        });
      } catch (e) {
        if (e instanceof Unsupported) {
          unsupported.push(`${opType} (node "${name}": ${e.reason})`);
          continue;
        }
        throw e;
      }
      // Fold nodes whose inputs are all constants when they produce host values (shape arithmetic).
      const ins = node.inputs.map((i) => (i ? constants.get(i) : undefined));
      const allConstant = node.inputs.every((i, j) => i === '' || ins[j] !== undefined);
      if (allConstant) {
        try {
          let outs: Value[] = [];
          tf.tidy(() => {
            outs = kernel(ins);
            return outs.flatMap((o) => (o.kind === 'device' ? [o.t] : []));
          });
          if (outs.every((o) => o.kind === 'host')) {
            node.outputs.forEach((o, j) => o && constants.set(o, outs[j] as HostTensor));
            continue;
          }
          for (const o of outs) if (o.kind === 'device') o.t.dispose();
        } catch (e) {
          if (e instanceof Unsupported) {
            unsupported.push(`${opType} (node "${name}": ${e.reason})`);
            continue;
          }
          throw e;
        }
      }
      steps.push({ node, kernel, where });
    }
    if (unsupported.length > 0) {
      throw new UnsupportedOnnxError(
        `${file}: ${unsupported.length} node${unsupported.length === 1 ? '' : 's'} cannot be imported into the differentiable engine: ` +
          `${unsupported.join(', ')}; set "access": "black-box" in the card to audit the model forward-only through onnxruntime-node`,
        unsupported,
      );
    }
    for (const o of outputs) {
      if (!defined.has(o.name)) throw new InputError(`${file}: graph output "${o.name}" is never computed`);
    }

    // Last step that reads each name (outputs and feeds are never disposed by the graph).
    const lastUse = new Map<string, number>();
    steps.forEach((s, k) => s.node.inputs.forEach((i) => i && lastUse.set(i, k)));
    const keep = new Set([...outputs.map((o) => o.name), ...inputs.map((i) => i.name)]);
    const opTypes = [...new Set((graph.node ?? []).map((n) => n.op_type ?? ''))].sort();

    return {
      opset,
      inputs,
      outputs,
      parameterCount,
      opTypes,
      get numTensors() {
        return pool.numTensors;
      },
      run(feeds) {
        const values = new Map<string, Value>(constants);
        for (const [k, v] of Object.entries(feeds)) values.set(k, v);
        const refs = new Map<tf.Tensor, number>();
        const protectedTensors = new Set<tf.Tensor>();
        for (const v of Object.values(feeds)) if (v.kind === 'device') protectedTensors.add(v.t);
        const release = (name: string) => {
          const v = values.get(name);
          if (!v || v.kind !== 'device' || keep.has(name)) return;
          const left = (refs.get(v.t) ?? 1) - 1;
          refs.set(v.t, left);
          if (left <= 0 && !protectedTensors.has(v.t) && !pool.owns(v.t)) v.t.dispose();
        };
        steps.forEach((s, k) => {
          const ins = s.node.inputs.map((i) => (i ? values.get(i) : undefined));
          let outs: Value[];
          try {
            outs = s.kernel(ins);
          } catch (e) {
            if (e instanceof CtAuditError) throw e;
            const reason = e instanceof Unsupported ? e.reason : (e as Error).message;
            throw new InputError(`${file}: ${s.where} failed: ${reason.replace(`${s.where}: `, '')}`);
          }
          s.node.outputs.forEach((o, j) => {
            if (!o || !outs[j]) return;
            values.set(o, outs[j]);
            const v = outs[j];
            if (v.kind === 'device') refs.set(v.t, (refs.get(v.t) ?? 0) + 1);
          });
          for (const i of new Set(s.node.inputs)) if (i && lastUse.get(i) === k) release(i);
          // Outputs nobody reads (e.g. an unused second output) are released at once.
          for (const o of s.node.outputs) if (o && !lastUse.has(o)) release(o);
        });
        return outputs.map((o) => {
          const v = values.get(o.name);
          if (!v) throw new InputError(`${file}: graph output "${o.name}" was not computed`);
          return v;
        });
      },
      dispose() {
        pool.dispose();
      },
    };
  } catch (e) {
    pool.dispose();
    throw e;
  }
}
