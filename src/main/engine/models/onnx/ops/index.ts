/**
 * The op registry of the ONNX importer: ONNX op type (default domain) -> implementation. Every op here is
 * built from differentiable tfjs ops, so an imported graph is white-box (attacks take exact gradients).
 */
import type { OpDef } from '../op-types';
import { CONV_OPS } from './conv';
import { ELEMENTWISE_OPS } from './elementwise';
import { MATMUL_OPS } from './matmul';
import { NORM_OPS } from './norm';
import { POOL_OPS } from './pool';
import { RESIZE_OPS } from './resize';
import { SHAPE_OPS } from './shape';
import { SLICE_PAD_OPS } from './slice-pad';

export const ONNX_OPS: Readonly<Record<string, OpDef>> = {
  ...CONV_OPS,
  ...NORM_OPS,
  ...POOL_OPS,
  ...RESIZE_OPS,
  ...ELEMENTWISE_OPS,
  ...SHAPE_OPS,
  ...SLICE_PAD_OPS,
  ...MATMUL_OPS,
};

/** Op types the importer maps onto tfjs ops (sorted), for messages and the README's coverage table. */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(ONNX_OPS).sort();
