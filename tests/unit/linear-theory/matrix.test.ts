/**
 * The Float64 matrix helpers and the one-sided Jacobi SVD against matrices built from known factors
 * (random orthonormal U, V by Gram-Schmidt, chosen singular values down to 1e-4).
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/main/engine/random';
import {
  conditionNumber,
  frobeniusNorm,
  fromSvd,
  matMul,
  matrix,
  spectralNorm,
  sub,
  svd,
  transpose,
  identity,
  type Matrix,
} from '../../../src/main/engine/linear-theory';
import { ShapeError } from '@shared/errors';

/** rows x cols with orthonormal columns: Gram-Schmidt (twice, for accuracy) on Gaussian columns. */
function randomOrthonormal(rows: number, cols: number, seed: string): Matrix {
  const rng = createRng(seed);
  const q = matrix(rows, cols);
  for (let j = 0; j < cols; j++) {
    const v = Array.from({ length: rows }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (let l = 0; l < j; l++) {
        let d = 0;
        for (let i = 0; i < rows; i++) d += q.data[i * cols + l] * v[i];
        for (let i = 0; i < rows; i++) v[i] -= d * q.data[i * cols + l];
      }
    }
    const nv = Math.hypot(...v);
    for (let i = 0; i < rows; i++) q.data[i * cols + j] = v[i] / nv;
  }
  return q;
}

function maxAbs(a: Matrix): number {
  return a.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('linear-theory matrix helpers', () => {
  it('matMul and transpose match hand-computed products; shape errors name both shapes', () => {
    const a = matrix(2, 3, [1, 2, 3, 4, 5, 6]);
    const b = matrix(3, 2, [7, 8, 9, 10, 11, 12]);
    expect(Array.from(matMul(a, b).data)).toEqual([58, 64, 139, 154]);
    expect(Array.from(transpose(a).data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => matMul(a, a)).toThrow(ShapeError);
    expect(() => matMul(a, a)).toThrow(/2x3 times 2x3/);
    expect(() => matrix(2, 2, [1, 2, 3])).toThrow(/needs 4 values, got 3/);
  });

  for (const [rows, cols] of [
    [20, 10],
    [10, 20],
    [7, 7],
  ] as const) {
    it(`svd of a ${rows}x${cols} matrix with singular values down to 1e-4 recovers them to high relative accuracy`, () => {
      const k = Math.min(rows, cols);
      const U = randomOrthonormal(rows, k, `U${rows}${cols}`);
      const V = randomOrthonormal(cols, k, `V${rows}${cols}`);
      const s = Array.from({ length: k }, (_, i) => 3 / (i + 1));
      s[k - 2] = 1e-3;
      s[k - 1] = 1e-4;
      const A = fromSvd(U, s, V);
      const r = svd(A);
      // Singular values: decreasing and each to 1e-10 relative (Jacobi is relatively accurate; 1e-4 included).
      for (let i = 0; i < k; i++) expect(Math.abs(r.s[i] - s[i]) / s[i], `s[${i}]`).toBeLessThan(1e-9);
      // Reconstruction and orthonormality.
      expect(maxAbs(sub(fromSvd(r.U, r.s, r.V), A))).toBeLessThan(1e-13);
      expect(maxAbs(sub(matMul(transpose(r.U), r.U), identity(k)))).toBeLessThan(1e-12);
      expect(maxAbs(sub(matMul(transpose(r.V), r.V), identity(k)))).toBeLessThan(1e-12);
      expect(spectralNorm(A)).toBeCloseTo(3, 12);
      expect(conditionNumber(A) / 3e4).toBeCloseTo(1, 8);
    });
  }

  it('svd of a rank-deficient matrix completes U to an orthonormal basis', () => {
    const A = matrix(4, 3, [1, 2, 3, 2, 4, 6, 0, 0, 0, 1, 0, 0]);
    const r = svd(A);
    expect(r.s[2]).toBeLessThan(1e-14);
    expect(maxAbs(sub(matMul(transpose(r.U), r.U), identity(3)))).toBeLessThan(1e-12);
    expect(maxAbs(sub(fromSvd(r.U, r.s, r.V), A))).toBeLessThan(1e-13);
    expect(conditionNumber(A)).toBeGreaterThan(1e13);
  });

  it('frobeniusNorm is the root sum of squares', () => {
    expect(frobeniusNorm(matrix(2, 2, [3, 0, 0, 4]))).toBe(5);
  });
});
