/**
 * The spread of kappa(B) over random draws of A (papers/000 section 4.4 reports one draw: kappa(B) = 19.231),
 * for Theorem 1's B and for its m = 2 candidate, under either reading of the entry scale (problem.ts).
 *
 * B = V Q U^T has singular values Q_i, so everything Theorem 1 needs follows from the singular values S of A
 * (increasing, k = rank) without forming B (theorem1.ts forms it; the tests check the two agree):
 *   q_m = sum_{i<=m} S_i / (sum_{i<=m} S_i^2 + h),  h = lambda eps^2 / (1 + lambda)            (eq. 10, 21)
 *   Q = (q_m, ..., q_m, 1/S_{m+1}, ..., 1/S_k),     kappa(B) = max Q / min Q
 *   J = (1 + lambda) (sum_i (Q_i S_i - 1)^2 + n - k) + lambda eps^2 (max Q)^2                (appendix eq. 15)
 * (the n - k directions of the null space of A each add 1 to ||B A - I||_F^2).
 */
import { createRng, type Seed } from '../random';
import { svd } from './matrix';
import { drawIllConditionedA, entryStdOf, type LinearProblemOptions } from './problem';

export interface SpectrumCandidate {
  m: number;
  qm: number;
  kappa: number;
  objective: number;
}

/** Theorem 1's candidates m = 1..k from the increasing singular values S of A (file comment). */
export function theorem1Spectrum(
  S: ArrayLike<number>,
  n: number,
  lambda: number,
  eps: number,
): SpectrumCandidate[] {
  const k = S.length;
  const h = (lambda * eps * eps) / (1 + lambda);
  const out: SpectrumCandidate[] = [];
  let sum = 0;
  let sumSq = 0;
  for (let m = 1; m <= k; m++) {
    sum += S[m - 1];
    sumSq += S[m - 1] * S[m - 1];
    const qm = sum / (sumSq + h);
    let max = 0;
    let min = Infinity;
    let resid = n - k;
    for (let i = 0; i < k; i++) {
      const Qi = i < m ? qm : 1 / S[i];
      max = Math.max(max, Qi);
      min = Math.min(min, Qi);
      resid += (Qi * S[i] - 1) ** 2;
    }
    out.push({ m, qm, kappa: max / min, objective: (1 + lambda) * resid + lambda * eps * eps * max * max });
  }
  return out;
}

export interface Quantiles {
  q05: number;
  median: number;
  q95: number;
  min: number;
  max: number;
}

/** Empirical quantiles (type 7, linear interpolation, as numpy's default) of v. */
export function quantiles(v: readonly number[]): Quantiles {
  const s = [...v].sort((a, b) => a - b);
  const at = (p: number) => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
  };
  return { q05: at(0.05), median: at(0.5), q95: at(0.95), min: s[0], max: s[s.length - 1] };
}

export interface KappaDistributionOptions extends Pick<
  LinearProblemOptions,
  'n' | 'm' | 'replacedSingularValues' | 'entryStd'
> {
  lambda: number;
  eps: number;
  draws: number;
  seed: Seed;
  /** Called every 100 draws (and at the end) with the number done: progress and cancellation. */
  onProgress?: (done: number) => void;
}

export interface KappaDistribution {
  entryStd: number;
  draws: number;
  /** kappa(B) of Theorem 1's B (the objective's minimiser) over the draws. */
  minimiser: Quantiles;
  /** kappa(B) of the candidate with m = number of replaced singular values (2). */
  replaced: Quantiles;
  /** How often each m minimised the objective. */
  minimiserM: Record<number, number>;
  /** The raw kappas (minimiser, replaced), in draw order. */
  samples: { minimiser: number[]; replaced: number[] };
}

/** kappa(B) over `draws` independent draws of A (draw d from fork `draw-${d}` of the seed). */
export function kappaDistribution(o: KappaDistributionOptions): KappaDistribution {
  const rng = createRng(o.seed);
  const kRep = o.replacedSingularValues.length;
  const minimiser: number[] = [];
  const replaced: number[] = [];
  const minimiserM: Record<number, number> = {};
  for (let d = 0; d < o.draws; d++) {
    const { A } = drawIllConditionedA(o, rng.fork(`draw-${d}`));
    const S = Float64Array.from(svd(A).s).reverse();
    const c = theorem1Spectrum(S, o.n, o.lambda, o.eps);
    const best = c.reduce((a, b) => (b.objective < a.objective ? b : a));
    minimiser.push(best.kappa);
    replaced.push(c[kRep - 1].kappa);
    minimiserM[best.m] = (minimiserM[best.m] ?? 0) + 1;
    if ((d + 1) % 100 === 0 || d + 1 === o.draws) o.onProgress?.(d + 1);
  }
  return {
    entryStd: entryStdOf(o),
    draws: o.draws,
    minimiser: quantiles(minimiser),
    replaced: quantiles(replaced),
    minimiserM,
    samples: { minimiser, replaced },
  };
}
