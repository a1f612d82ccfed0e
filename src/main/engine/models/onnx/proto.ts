/**
 * ONNX ModelProto bytes -> plain typed objects, with protobufjs (a maintained protobuf library) and the ONNX
 * schema (schema/onnx.proto, ONNX 1.23; its descriptor schema/onnx-proto.json). Only the fields the importer
 * reads are typed here; protobuf skips unknown fields, so files from newer exporters decode as well.
 *
 *   decodeModelProto(bytes, file) -> OnnxModelProto     InputError naming the file when the bytes are not one
 *   encodeModelProto(model)       -> Uint8Array          the inverse (tests and benchmarks build models with it)
 */
import protobuf from 'protobufjs';
import { InputError } from '@shared/errors';
import descriptor from './schema/onnx-proto.json';

/** TensorProto.DataType (onnx.proto). */
export const ONNX_DTYPE = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** AttributeProto.AttributeType (onnx.proto). */
export const ONNX_ATTR = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export interface OnnxTensorProto {
  dims?: number[];
  data_type?: number;
  name?: string;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  uint64_data?: number[];
  /** EXTERNAL (1) when the data lives in another file. */
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
}

export interface OnnxAttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensorProto;
  g?: OnnxGraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface OnnxNodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: OnnxAttributeProto[];
}

export interface OnnxDimension {
  dim_value?: number;
  dim_param?: string;
}

export interface OnnxValueInfoProto {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: OnnxDimension[] } } };
}

export interface OnnxGraphProto {
  node?: OnnxNodeProto[];
  name?: string;
  initializer?: OnnxTensorProto[];
  input?: OnnxValueInfoProto[];
  output?: OnnxValueInfoProto[];
}

export interface OnnxModelProto {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: OnnxGraphProto;
  metadata_props?: { key?: string; value?: string }[];
  functions?: unknown[];
}

let modelType: protobuf.Type | undefined;

function modelProtoType(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(descriptor as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelType;
}

/** Decodes a serialized ModelProto; int64 fields become numbers (exact up to 2^53, which covers shapes). */
export function decodeModelProto(bytes: Uint8Array, file: string): OnnxModelProto {
  const type = modelProtoType();
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (e) {
    throw new InputError(
      `${file}: not an ONNX model (protobuf decoding failed: ${(e as Error).message}); export it with torch.onnx.export`,
      { file },
    );
  }
  const model = type.toObject(message, { longs: Number, enums: Number, defaults: false }) as OnnxModelProto;
  if (!model.graph || (model.graph.node ?? []).length === 0) {
    throw new InputError(`${file}: not an ONNX model (no graph with nodes in it)`, { file });
  }
  return model;
}

/** Serializes a ModelProto (plain object in the shape above). */
export function encodeModelProto(model: OnnxModelProto): Uint8Array {
  const type = modelProtoType();
  const err = type.verify(model);
  if (err) throw new Error(`encodeModelProto: ${err}`);
  return type.encode(type.fromObject(model)).finish();
}
