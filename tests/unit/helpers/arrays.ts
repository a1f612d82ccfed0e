/** Plain Float64 array arithmetic for tests: the independent side of comparisons with the engine. */
import { createRng } from '../../../src/main/engine/random';

/** n standard-normal float32 values from a seeded stream. */
export function randn(seed: string, n: number): Float32Array {
  return createRng(seed).fillNormal(new Float32Array(n));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** ||a - ref|| / ||ref||. */
export function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (a[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / den);
}
