/**
 * Reading an imported network's files and building the network object, shared by the import (from the
 * user's file) and by loading a model folder (from the copy in it).
 *
 *   readSource(file)                 -> SourceFiles   .onnx (ModelProto) or model.json (+ weight shards)
 *   openNetwork(source, access, file) -> ImportedNetwork + what the import records
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError } from '@shared/errors';
import type { ImportAccess, ImportSourceFormat } from '@shared/model-import';
import { sha256 } from '../card';
import { UnsupportedOnnxError } from '../onnx/graph';
import { OnnxNetwork } from '../onnx/onnx-network';
import { decodeModelProto } from '../onnx/proto';
import type { ImportedNetwork } from './network';
import { OrtNetwork } from './ort-network';
import { readTfjsFiles, TfjsNetwork, type TfjsFiles } from './tfjs-network';

export type SourceFiles =
  | { format: 'onnx'; files: { name: string; bytes: Uint8Array }[] }
  | { format: 'tfjs-layers' | 'tfjs-graph'; files: { name: string; bytes: Uint8Array }[]; tfjs: TfjsFiles };

/** The file an ONNX model is stored under in a model folder. */
export const ONNX_FILE = 'model.onnx';

export async function readSource(file: string): Promise<SourceFiles> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') {
    const tfjs = await readTfjsFiles(file);
    return { format: tfjs.format, files: tfjs.files, tfjs };
  }
  if (ext !== '.onnx') {
    throw new InputError(`${file}: expected an ONNX model (.onnx) or a TensorFlow.js model.json`, { file });
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(`${file}: cannot be read (${code === 'ENOENT' ? 'missing' : (code ?? String(e))})`, {
      file,
    });
  }
  return { format: 'onnx', files: [{ name: path.basename(file), bytes }] };
}

/** SHA-256 over the source files in order (the .onnx file; model.json then its shards). */
export function sourceSha256(s: SourceFiles): { sha256: string; bytes: number } {
  if (s.files.length === 1) return { sha256: sha256(s.files[0].bytes), bytes: s.files[0].bytes.byteLength };
  const total = s.files.reduce((n, f) => n + f.bytes.byteLength, 0);
  const all = new Uint8Array(total);
  let off = 0;
  for (const f of s.files) {
    all.set(f.bytes, off);
    off += f.bytes.byteLength;
  }
  return { sha256: sha256(all), bytes: total };
}

export interface OpenedNetwork {
  network: ImportedNetwork;
  format: ImportSourceFormat;
  producer: string;
  irVersion: number | null;
  opset: number | null;
  ops: string[];
  /** ONNX nodes the differentiable importer cannot map (black-box models list why they are black-box). */
  unsupported: string[];
}

/** Builds the network: white-box onto tfjs ops, or black-box through onnxruntime-node (ONNX only). */
export async function openNetwork(
  s: SourceFiles,
  access: ImportAccess,
  file: string,
): Promise<OpenedNetwork> {
  if (s.format !== 'onnx') {
    if (access === 'black-box') {
      throw new InputError(
        `${file}: black-box access runs ONNX models through onnxruntime; a TensorFlow.js model runs white-box (set "access": "white-box")`,
        { field: 'access' },
      );
    }
    const net = await TfjsNetwork.load(s.tfjs, file);
    const mj = s.tfjs.modelJson;
    const producer = [mj.generatedBy, mj.convertedBy].filter(Boolean).join(', ') || 'unknown';
    return {
      network: net,
      format: s.format,
      producer,
      irVersion: null,
      opset: null,
      ops: net.ops,
      unsupported: [],
    };
  }
  const bytes = s.files[0].bytes;
  const model = decodeModelProto(bytes, file);
  const producer = [model.producer_name, model.producer_version].filter(Boolean).join(' ') || 'unknown';
  const irVersion = Number(model.ir_version ?? 0) || null;
  let white: OnnxNetwork | undefined;
  let unsupported: string[] = [];
  try {
    white = OnnxNetwork.fromModel(model, file);
  } catch (e) {
    if (!(e instanceof UnsupportedOnnxError) || access === 'white-box') throw e;
    unsupported = e.nodes;
  }
  const ops =
    white?.provenance.ops ?? [...new Set((model.graph?.node ?? []).map((n) => n.op_type ?? ''))].sort();
  const opset =
    white?.provenance.opset ?? Number((model.opset_import ?? []).find((o) => !o.domain)?.version ?? 0);
  if (access === 'white-box' && white) {
    return { network: white, format: 'onnx', producer, irVersion, opset, ops, unsupported };
  }
  // Parameters: the float initializers (as the white-box graph counts them).
  const params = (model.graph?.initializer ?? [])
    .filter((t) => t.data_type === 1 || t.data_type === 11)
    .reduce((n, t) => n + (t.dims ?? []).reduce((a, d) => a * Number(d), 1), 0);
  white?.dispose();
  const network = await OrtNetwork.fromBytes(bytes, file, params);
  return { network, format: 'onnx', producer, irVersion, opset: opset || null, ops, unsupported };
}
