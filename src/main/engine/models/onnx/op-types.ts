/**
 * The contract between the graph compiler (graph.ts) and the op implementations (ops/*.ts).
 *
 * An op is compiled once per node at import: `compile(ctx)` reads the node's attributes and constant inputs
 * (weights are converted to tfjs' layout here, once) and returns the kernel the graph calls on every run.
 * A node the importer cannot map exactly (an unknown op, or an attribute value outside what is implemented)
 * makes compile throw Unsupported with the reason; the compiler collects every such node into one error.
 */
import { decodeTensorProto, type HostTensor } from './host-tensor';
import { ONNX_ATTR, type OnnxAttributeProto } from './proto';
import type { ConstantPool, Value } from './value';

export interface OpNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

/** A node outside what the importer maps exactly; `reason` is added to the op's name in the error. */
export class Unsupported extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface CompileContext {
  node: OpNode;
  /** The default-domain opset the model imports. */
  opset: number;
  /** `node "name" (OpType)`: how errors name the node. */
  where: string;
  pool: ConstantPool;
  /** Input i when it is known at import (initializer, Constant, folded), else undefined. */
  constant(i: number): HostTensor | undefined;
  /** Whether input i is given (optional inputs may be absent or named ''). */
  has(i: number): boolean;
}

/** Runs the node: its inputs (undefined for absent optional ones) -> its outputs. */
export type Kernel = (inputs: (Value | undefined)[]) => Value[];

export interface OpDef {
  compile(ctx: CompileContext): Kernel;
}

const decoder = new TextDecoder();

/** Typed access to a node's attributes; a wrong attribute type is an Unsupported naming it. */
export class Attrs {
  private readonly byName: Map<string, OnnxAttributeProto>;

  constructor(
    list: readonly OnnxAttributeProto[],
    private readonly where: string,
  ) {
    this.byName = new Map(list.map((a) => [a.name ?? '', a]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  private get(name: string, type: number): OnnxAttributeProto | undefined {
    const a = this.byName.get(name);
    if (a && a.type !== undefined && a.type !== type) {
      throw new Unsupported(`attribute ${name} has type ${a.type}, expected ${type}`);
    }
    return a;
  }

  int(name: string, fallback: number): number {
    return Number(this.get(name, ONNX_ATTR.INT)?.i ?? fallback);
  }

  float(name: string, fallback: number): number {
    return Number(this.get(name, ONNX_ATTR.FLOAT)?.f ?? fallback);
  }

  string(name: string, fallback: string): string {
    const s = this.get(name, ONNX_ATTR.STRING)?.s;
    return s ? decoder.decode(s) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name, ONNX_ATTR.INTS);
    return a ? (a.ints ?? []).map(Number) : undefined;
  }

  floats(name: string): number[] | undefined {
    const a = this.get(name, ONNX_ATTR.FLOATS);
    return a ? (a.floats ?? []).map(Number) : undefined;
  }

  tensor(name: string): HostTensor | undefined {
    const t = this.get(name, ONNX_ATTR.TENSOR)?.t;
    return t ? decodeTensorProto(t, `${this.where}: attribute ${name}`) : undefined;
  }

  /** Unsupported unless every present attribute is one of `known` (an attribute we ignore would be wrong). */
  only(...known: string[]): void {
    const extra = this.names().filter((n) => !known.includes(n));
    if (extra.length > 0) throw new Unsupported(`attribute ${extra.join(', ')} is not implemented`);
  }
}
